"""`tokmem-agent tools list|show|forget|export|import`, and refusing another backbone."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import (  # noqa: F401
    PING,
    bank_copy,
    learned_bank,
    one_error_line,
    other_model_dir,
    run,
    write_json,
)


def _names(bank: Path) -> list[str]:
    return [t["name"] for t in json.loads((bank / "bank.json").read_text())["tools"]]


def test_list_prints_a_table(learned_bank: Path) -> None:
    res = run("tools", "list", "--bank", learned_bank)
    assert res.exit_code == 0, res.output
    for word in ("name", "token id", "examples", "final loss", "description", "ping", "add_note", "Save a note."):
        assert word in res.stdout
    assert "49152" in res.stdout  # first memory token id = the tokenizer's vocabulary size


def test_list_json_and_global_bank_option(learned_bank: Path) -> None:
    res = run("tools", "--bank", learned_bank, "list", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["name"] for r in rows] == ["ping", "add_note"]
    assert rows[0]["examples"] == 2 and rows[1]["token_id"] == rows[0]["token_id"] + 1


def test_list_without_a_bank(tmp_path: Path, tokmem_home: Path) -> None:
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.model.fingerprint import Fingerprint

    res = run("tools", "list", "--bank", tmp_path / "none")  # issue 19: a read command on a missing bank is exit 2
    assert res.exit_code == 2 and str(tmp_path / "none") in res.stderr
    MemoryBank(Fingerprint("tiny-test", 64, 49152, "ab" * 32)).save(tmp_path / "empty")
    res = run("tools", "list", "--bank", tmp_path / "empty")
    assert res.exit_code == 0
    assert "no tools yet" in res.stdout


def test_show_prints_spec_and_stats(learned_bank: Path) -> None:
    res = run("tools", "show", "ping", "--bank", learned_bank)
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert shown["spec"]["parameters"] == PING["parameters"]
    assert shown["token"] == "<|tool:ping|>" and shown["stats"]["examples"] == 2


def test_unknown_tool_in_show_forget_export(learned_bank: Path, tmp_path: Path) -> None:
    for args in (("show", "teleport"), ("forget", "teleport"), ("export", "teleport", tmp_path / "t.tok")):
        res = run("tools", *args, "--bank", learned_bank)
        assert res.exit_code == 2, args
        assert "'teleport'" in one_error_line(res)
    assert not (tmp_path / "t.tok").exists()


def test_forget_removes_the_tool(bank_copy: Path) -> None:
    res = run("tools", "forget", "ping", "--bank", bank_copy)
    assert res.exit_code == 0, res.output
    assert _names(bank_copy) == ["add_note"]


def test_export_then_import_into_a_new_bank(learned_bank: Path, tmp_path: Path) -> None:
    file = tmp_path / "ping.tokmem"
    res = run("tools", "export", "ping", file, "--bank", learned_bank)
    assert res.exit_code == 0, res.output
    assert file.is_file()
    new = tmp_path / "new-bank"
    res = run("tools", "import", file, "--bank", new)  # the backbone comes from the tool file
    assert res.exit_code == 0, res.output
    assert _names(new) == ["ping"]
    res = run("tools", "import", file, "--bank", new)
    assert res.exit_code == 2 and "already in the bank" in one_error_line(res)
    res = run("tools", "import", file, "--bank", new, "--replace")
    assert res.exit_code == 0, res.output


def test_import_of_a_corrupt_file(bank_copy: Path, tmp_path: Path) -> None:
    before = (bank_copy / "bank.json").read_bytes()
    for content in (b"", b"garbage", b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "):
        bad = tmp_path / "bad.tokmem"
        bad.write_bytes(content)
        res = run("tools", "import", bad, "--bank", bank_copy)
        assert res.exit_code == 2, res.output
        assert "bad.tokmem" in one_error_line(res)
    res = run("tools", "import", tmp_path / "missing.tokmem", "--bank", bank_copy)
    assert res.exit_code == 2 and "no such file" in one_error_line(res)
    assert (bank_copy / "bank.json").read_bytes() == before


def test_import_into_a_bank_on_another_backbone_is_refused(learned_bank: Path, other_model_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "ping.tokmem"
    assert run("tools", "export", "ping", file, "--bank", learned_bank).exit_code == 0
    other = tmp_path / "other-bank"
    spec = write_json(tmp_path / "note.json", {**PING, "name": "other_ping"})
    res = run("learn-tool", spec, "--model", other_model_dir, "--bank", other, "--epochs", 1)
    assert res.exit_code == 0, res.output
    before = (other / "bank.json").read_bytes()

    res = run("tools", "import", file, "--bank", other)
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "refused" in line and "backbone" in line and str(other_model_dir) in line
    res = run("tools", "import", file, "--bank", tmp_path / "fresh", "--model", other_model_dir)
    assert res.exit_code == 2 and "backbone" in one_error_line(res)
    assert (other / "bank.json").read_bytes() == before


def test_opening_a_bank_with_another_backbone_is_refused(learned_bank: Path, other_model_dir: Path) -> None:
    res = run("call", "hi", "--bank", learned_bank, "--model", other_model_dir)
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "trained on backbone" in line and "--model" in line


def test_corrupt_bank_json(bank_copy: Path) -> None:
    (bank_copy / "bank.json").write_text('{"backbone": 3}')
    for args in (("list",), ("show", "ping"), ("forget", "ping")):
        res = run("tools", *args, "--bank", bank_copy)
        assert res.exit_code == 2, args
        assert "bank.json" in one_error_line(res)
