"""The procedure registry: validation before execution, error results, timeouts, plugins."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tokmem_agents import registry as registry_module
from tokmem_agents.bank.records import ToolCall
from tokmem_agents.errors import ProcedureError, UnknownToolError
from tokmem_agents.registry import ProcedureRegistry, ProcedureResult, default_registry
from tokmem_agents.bank.specs import ToolSpec, parse_spec

ROOT = Path(__file__).resolve().parents[2]


def _spec(name: str, properties: dict | None = None, required: list[str] | None = None) -> ToolSpec:
    return parse_spec(
        {
            "name": name,
            "description": "test tool",
            "parameters": {"type": "object", "properties": properties or {}, "required": required or []},
        }
    )


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKMEM_HOME", str(tmp_path / "home"))


def test_execute_returns_value_of_valid_call():
    reg = ProcedureRegistry()

    @reg.register("add")
    def add(a: int, b: int) -> int:
        return a + b

    spec = _spec("add", {"a": {"type": "integer"}, "b": {"type": "integer"}}, ["a", "b"])
    result = reg.execute(ToolCall("add", {"a": 2, "b": 3}), spec)
    assert result == ProcedureResult("add", True, value=5)
    assert result.to_json() == {"name": "add", "ok": True, "value": 5}
    assert add(1, 1) == 2  # the decorator leaves the function callable


def test_invalid_arguments_are_refused_without_running():
    reg = ProcedureRegistry()
    runs: list[int] = []

    @reg.register("count")
    def count(n: int) -> int:
        runs.append(n)
        return n

    spec = _spec("count", {"n": {"type": "integer"}}, ["n"])
    for bad in ({"n": "three"}, {}, {"n": 1, "extra": True}):
        result = reg.execute(ToolCall("count", bad), spec)
        assert not result.ok
        assert "invalid arguments" in result.error
    assert runs == []


def test_raising_procedure_gives_one_line_error():
    reg = ProcedureRegistry()

    @reg.register("boom")
    def boom() -> None:
        raise ValueError("bad thing\nsecond line")

    @reg.register("refuse")
    def refuse() -> None:
        raise ProcedureError("not allowed here")

    r = reg.execute(ToolCall("boom", {}), _spec("boom"))
    assert not r.ok and r.error == "ValueError: bad thing second line"
    assert r.to_json() == {"name": "boom", "ok": False, "error": r.error}
    r = reg.execute(ToolCall("refuse", {}), _spec("refuse"))
    assert not r.ok and r.error == "not allowed here"


def test_timing_out_procedure_gives_error_result_quickly():
    reg = ProcedureRegistry()
    release = threading.Event()

    @reg.register("slow", timeout=0.2)
    def slow() -> str:
        release.wait(5)
        return "late"

    start = time.monotonic()
    r = reg.execute(ToolCall("slow", {}), _spec("slow"))
    release.set()
    assert time.monotonic() - start < 2
    assert not r.ok and "timed out" in r.error


def test_non_json_result_is_an_error():
    reg = ProcedureRegistry()
    reg.register("weird")(lambda: {1, 2})
    r = reg.execute(ToolCall("weird", {}), _spec("weird"))
    assert not r.ok and "non-JSON" in r.error


def test_unknown_tool_and_mismatched_spec():
    reg = ProcedureRegistry()
    with pytest.raises(UnknownToolError):
        reg.get("nope")
    assert "nope" not in reg
    r = reg.execute(ToolCall("nope", {}), _spec("nope"))
    assert not r.ok and "no procedure" in r.error
    reg.register("a")(lambda: 1)
    r = reg.execute(ToolCall("a", {}), _spec("b"))
    assert not r.ok and "spec is for" in r.error


def test_duplicate_registration_is_refused():
    reg = ProcedureRegistry()
    reg.register("x")(lambda: 1)
    with pytest.raises(ProcedureError, match="registered twice"):
        reg.register("x")(lambda: 2)


class _FakeEntryPoint:
    def __init__(self, name: str, obj: object) -> None:
        self.name = name
        self._obj = obj

    def load(self) -> object:
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


def test_default_registry_loads_builtins_and_plugins(monkeypatch):
    plugin = ProcedureRegistry()
    plugin.register("shout")(lambda text: text.upper())
    plugin.register("calculate")(lambda expression: "hijacked")  # built-ins win

    def register_hook(reg: ProcedureRegistry) -> None:
        reg.register("whisper")(lambda text: text.lower())

    eps = [
        _FakeEntryPoint("mine", plugin),
        _FakeEntryPoint("hook", register_hook),
        _FakeEntryPoint("broken", ImportError("missing dependency")),
    ]
    real = list(registry_module.importlib.metadata.entry_points(group=registry_module.ENTRY_POINT_GROUP))
    # plugins listed first: the built-ins must still win
    monkeypatch.setattr(registry_module.importlib.metadata, "entry_points", lambda group: [*eps, *real])
    reg = default_registry()
    assert {"shout", "whisper", "calculate", "write_file"} <= set(reg.names())
    assert reg.get("calculate").func("1 + 1") == {"expression": "1 + 1", "result": 2}
    assert "shout" not in default_registry(plugins=False)


def test_mutating_procedures_are_marked():
    reg = default_registry(plugins=False)
    mutating = {name for name in reg.names() if reg.get(name).mutates}
    assert mutating == {"add_note", "add_todo", "complete_todo", "save_contact", "write_file", "delete_file"}


def test_no_eval_exec_or_pickle_in_procedures():
    sources = [*sorted((ROOT / "procedures").rglob("*.py")), ROOT / "tokmem_agents" / "registry.py"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for banned in ("eval(", "exec(", "pickle", "__import__", "shell=True"):
            assert banned not in text, f"{path.name} contains {banned!r}"


def test_without_the_built_in_entry_point_the_registry_says_how_to_install(monkeypatch):
    monkeypatch.setattr(registry_module.importlib.metadata, "entry_points", lambda group: [_FakeEntryPoint("mine", ProcedureRegistry())])
    with pytest.raises(ProcedureError, match="pip install -e"):
        default_registry()
