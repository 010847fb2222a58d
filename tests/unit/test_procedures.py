"""Built-in procedures: real results on catalog examples, sandbox confinement, stores."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest

from tokmem_agents.bank.records import ToolCall
from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry, default_registry
from tokmem_agents.bank.specs import ToolSpec, load_specs

ROOT = Path(__file__).resolve().parents[2]
SPECS: dict[str, ToolSpec] = {s.name: s for s in load_specs(sorted((ROOT / "tools").glob("*.json")))}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOKMEM_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def reg() -> ProcedureRegistry:
    return default_registry(plugins=False)


def run(reg: ProcedureRegistry, tool: str, /, **arguments):
    """Execute a call the way the agent does (validated against the catalog spec); return the value."""
    result = reg.execute(ToolCall(tool, arguments), SPECS[tool])
    assert result.ok, result.error
    return result.value


def fails(reg: ProcedureRegistry, tool: str, /, **arguments) -> str:
    result = reg.execute(ToolCall(tool, arguments), SPECS[tool])
    assert not result.ok
    return result.error


# State some examples need before they can succeed (a file to read, a task to complete, ...).
SETUP = {
    "read_file": lambda r, a: run(r, "write_file", path=a["path"], content="x"),
    "delete_file": lambda r, a: run(r, "write_file", path=a["path"], content="x"),
    "list_files": lambda r, a: run(r, "write_file", path=f"{a.get('directory', '.')}/f.txt", content="x"),
    "complete_todo": lambda r, a: run(r, "add_todo", task=f"do {a['task']} soon"),
    "find_contact": lambda r, a: run(r, "save_contact", name=a["name"], phone="1"),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_tool_runs_on_its_first_examples(reg: ProcedureRegistry, name: str) -> None:
    for example in SPECS[name].examples[:3]:
        if name in SETUP:
            SETUP[name](reg, example.arguments)
        run(reg, name, **example.arguments)


# --- arithmetic and units ----------------------------------------------------------------------

def test_calculate(reg):
    assert run(reg, "calculate", expression="(18 + 4) * 3")["result"] == 66
    assert run(reg, "calculate", expression="2^10")["result"] == 1024
    assert run(reg, "calculate", expression="1500 / 12")["result"] == 125
    assert run(reg, "calculate", expression="100 % 7")["result"] == 2
    assert run(reg, "calculate", expression="187.40 / 4")["result"] == pytest.approx(46.85)


@pytest.mark.parametrize(
    "expression, message",
    [
        ("__import__('os').system('ls')", "only numbers"),
        ("open('x')", "only numbers"),
        ("1 / 0", "division by zero"),
        ("9 ** 9 ** 9", "exponent too large"),
        ("2 +", "cannot parse"),
    ],
)
def test_calculate_refuses_anything_but_arithmetic(reg, expression, message):
    assert message in fails(reg, "calculate", expression=expression)


def test_percentage_and_statistics(reg):
    assert run(reg, "percentage", percent=15, value=80)["result"] == 12
    assert run(reg, "percentage", percent=7.5, value=2400)["result"] == 180
    assert run(reg, "statistics", measure="mean", numbers=[4, 8, 15, 16, 23, 42])["result"] == 18
    assert run(reg, "statistics", measure="median", numbers=[10, 20, 30, 40])["result"] == 25
    assert run(reg, "statistics", measure="sum", numbers=[12.5, 7.25, 30, 4])["result"] == 53.75
    assert run(reg, "statistics", measure="min", numbers=[14, -3, 27])["result"] == -3
    assert "numbers" in fails(reg, "statistics", measure="max", numbers=[])


def test_convert_units(reg):
    assert run(reg, "convert_units", value=3, from_unit="mi", to_unit="km") == {"value": pytest.approx(4.828, abs=1e-3), "unit": "km"}
    assert run(reg, "convert_units", value=70, from_unit="kg", to_unit="lb")["value"] == pytest.approx(154.3236, abs=1e-3)
    assert run(reg, "convert_units", value=100, from_unit="km/h", to_unit="mph")["value"] == pytest.approx(62.137, abs=1e-3)
    assert run(reg, "convert_units", value=2, from_unit="gal", to_unit="l")["value"] == pytest.approx(7.5708, abs=1e-3)
    assert "cannot convert length" in fails(reg, "convert_units", value=1, from_unit="km", to_unit="kg")


def test_convert_temperature(reg):
    assert run(reg, "convert_temperature", value=100, from_unit="fahrenheit", to_unit="celsius")["value"] == 37.78
    assert run(reg, "convert_temperature", value=-40, from_unit="celsius", to_unit="fahrenheit")["value"] == -40
    assert run(reg, "convert_temperature", value=0, from_unit="celsius", to_unit="kelvin")["value"] == 273.15
    assert "absolute zero" in fails(reg, "convert_temperature", value=-5, from_unit="kelvin", to_unit="celsius")


def test_convert_currency_uses_shipped_table(reg):
    out = run(reg, "convert_currency", amount=100, from_currency="USD", to_currency="EUR")
    assert out["amount"] == 96.6 and out["currency"] == "EUR" and out["rates_date"] == "2025-01-02"
    back = run(reg, "convert_currency", amount=out["amount"], from_currency="EUR", to_currency="USD")
    assert back["amount"] == pytest.approx(100, abs=0.01)


# --- dates --------------------------------------------------------------------------------------

def test_dates(reg):
    assert run(reg, "days_between", start_date="2024-01-15", end_date="2024-03-01")["days"] == 46
    assert run(reg, "days_between", start_date="2024-03-01", end_date="2024-01-15")["days"] == -46
    assert run(reg, "add_days", date="2024-05-10", days=30) == {"date": "2024-06-09", "weekday": "Sunday"}
    assert run(reg, "add_days", date="2024-03-01", days=-14)["date"] == "2024-02-16"
    assert run(reg, "day_of_week", date="1969-07-20")["weekday"] == "Sunday"
    assert "not a valid" in fails(reg, "day_of_week", date="2023-02-30")


def test_world_time(reg):
    out = run(reg, "world_time", city="Tokyo")
    assert out["timezone"] == "Asia/Tokyo" and out["utc_offset"] == "+09:00"
    assert len(out["time"]) == 5 and out["time"][2] == ":"


# --- text ---------------------------------------------------------------------------------------

def test_text_tools(reg):
    assert run(reg, "word_count", text="The quick brown fox jumps over the lazy dog")["words"] == 9
    assert run(reg, "word_count", text="hello world")["characters"] == 11
    assert run(reg, "change_case", text="the lord of the rings", case="title")["text"] == "The Lord Of The Rings"
    assert run(reg, "change_case", text="hello", case="upper")["text"] == "HELLO"
    assert run(reg, "reverse_text", text="stressed")["text"] == "desserts"
    out = run(reg, "find_replace", text="the cat sat on the cat mat", find="cat", replace="dog")
    assert out == {"text": "the dog sat on the dog mat", "replacements": 2}


def test_generate_password(reg):
    out = run(reg, "generate_password", length=16)
    assert len(out["password"]) == 16
    plain = run(reg, "generate_password", length=20, symbols=False)["password"]
    assert len(plain) == 20 and set(plain) <= set(string.ascii_letters + string.digits)
    assert "invalid arguments" in fails(reg, "generate_password", length=3)


# --- stores -------------------------------------------------------------------------------------

def test_notes_are_stored_and_searched(reg, home):
    run(reg, "add_note", text="the wifi password is on the fridge")
    run(reg, "add_note", text="Dentist said to floss more")
    found = run(reg, "search_notes", keyword="WIFI")["notes"]
    assert [n["text"] for n in found] == ["the wifi password is on the fridge"]
    assert run(reg, "search_notes", keyword="100%")["notes"] == []  # LIKE wildcards are literal
    assert (home / "sandbox" / ".notes.sqlite3").is_file()


def test_todo_lifecycle(reg):
    run(reg, "add_todo", task="buy milk")
    run(reg, "add_todo", task="call the plumber", priority="high")
    run(reg, "add_todo", task="call the bank")
    assert [t["task"] for t in run(reg, "list_todos", status="open")["todos"]] == ["call the plumber", "buy milk", "call the bank"]
    assert run(reg, "complete_todo", task="Buy Milk")["task"] == "buy milk"
    assert [t["task"] for t in run(reg, "list_todos", status="done")["todos"]] == ["buy milk"]
    assert len(run(reg, "list_todos", status="all")["todos"]) == 3
    assert "2 open to-dos match" in fails(reg, "complete_todo", task="call")
    assert "no open to-do" in fails(reg, "complete_todo", task="buy milk")


def test_contacts_create_update_find(reg):
    assert run(reg, "save_contact", name="Anna Lopez", phone="555-0142")["action"] == "created"
    out = run(reg, "save_contact", name="anna lopez", email="anna@example.com")
    assert out["action"] == "updated" and out["contact"]["phone"] == "555-0142"
    found = run(reg, "find_contact", name="Anna")["contacts"]
    assert found == [{"name": "Anna Lopez", "phone": "555-0142", "email": "anna@example.com"}]
    assert "no contact" in fails(reg, "find_contact", name="Zed")
    assert "invalid arguments" in fails(reg, "save_contact", name="Nobody")


# --- files and the sandbox ----------------------------------------------------------------------

def test_file_round_trip(reg, home):
    assert run(reg, "write_file", path="reports/summary.md", content="# Weekly")["action"] == "created"
    assert run(reg, "write_file", path="reports/summary.md", content="# Weekly v2")["action"] == "overwritten"
    assert (home / "sandbox" / "reports" / "summary.md").read_text() == "# Weekly v2"
    assert run(reg, "read_file", path="reports/summary.md")["content"] == "# Weekly v2"
    run(reg, "add_note", text="store files are hidden")
    assert run(reg, "list_files")["entries"] == ["reports/"]
    assert run(reg, "list_files", directory="reports")["entries"] == ["summary.md"]
    assert run(reg, "delete_file", path="reports/summary.md")["deleted"] is True
    assert "no file" in fails(reg, "read_file", path="reports/summary.md")
    assert "folder" in fails(reg, "delete_file", path="reports")


@pytest.mark.parametrize("name", ["read_file", "write_file", "delete_file"])
@pytest.mark.parametrize("path", ["/etc/passwd", "C:\\Windows\\win.ini"])
def test_absolute_paths_are_refused(reg, name, path):
    args = {"path": path, **({"content": "x"} if name == "write_file" else {})}
    assert "absolute path" in fails(reg, name, **args)


@pytest.mark.parametrize("path", ["../outside.txt", "a/../../outside.txt", "..\\outside.txt"])
def test_traversal_is_refused(reg, home, path):
    assert "'..'" in fails(reg, "write_file", path=path, content="x")
    assert not (home / "outside.txt").exists()
    assert "'..'" in fails(reg, "list_files", directory="..")


def test_symlink_escape_is_refused(reg, home, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    sandbox = home / "sandbox"
    sandbox.mkdir(parents=True)
    os.symlink(secret, sandbox / "link.txt")
    os.symlink(outside_dir, sandbox / "linkdir")
    assert "outside the sandbox" in fails(reg, "read_file", path="link.txt")
    assert "outside the sandbox" in fails(reg, "write_file", path="link.txt", content="pwned")
    assert "outside the sandbox" in fails(reg, "write_file", path="linkdir/new.txt", content="pwned")
    assert "outside the sandbox" in fails(reg, "delete_file", path="link.txt")
    assert "outside the sandbox" in fails(reg, "list_files", directory="linkdir")
    assert secret.read_text() == "top secret" and list(outside_dir.iterdir()) == []


def test_symlink_inside_sandbox_is_allowed(reg, home):
    run(reg, "write_file", path="real.txt", content="hi")
    os.symlink(home / "sandbox" / "real.txt", home / "sandbox" / "alias.txt")
    assert run(reg, "read_file", path="alias.txt")["content"] == "hi"


def test_sandbox_follows_tokmem_home_at_call_time(reg, tmp_path, monkeypatch):
    monkeypatch.setenv("TOKMEM_HOME", str(tmp_path / "first"))
    run(reg, "write_file", path="a.txt", content="1")
    monkeypatch.setenv("TOKMEM_HOME", str(tmp_path / "second"))
    assert "no file" in fails(reg, "read_file", path="a.txt")
    assert (tmp_path / "first" / "sandbox" / "a.txt").read_text() == "1"


def test_resolve_path_direct():
    from procedures.sandbox import resolve_path, sandbox_root

    assert resolve_path("a/b.txt") == sandbox_root() / "a" / "b.txt"
    for bad in ("", "   ", "/abs", "../x", "x\x00y"):
        with pytest.raises(ProcedureError):
            resolve_path(bad)
