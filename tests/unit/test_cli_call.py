"""`tokmem-agent call`: readable and --json output, --execute, and the bank/backbone errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import bank_copy, learned_bank, one_error_line, run, short_decoding  # noqa: F401


def _force_call(monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, dict]], invalid: bool = False) -> None:
    """Make TokMem.call answer fixed calls (the tiny model is random); the CLI path is unchanged."""
    import tokmem_agents.tokmem as tokmem
    from tokmem_agents.data import ToolCall
    from tokmem_agents.decoding import DecodeResult, InvalidCall

    def fake(self, query, config=None):  # type: ignore[no-untyped-def]
        res = DecodeResult(query=query, calls=[ToolCall(n, a) for n, a in calls], prompt_tokens=9)
        if invalid:
            res.invalid.append(InvalidCall(0, calls[0][0], json.dumps(calls[0][1]), ("host: 1 is not of type 'string'",), 0))
        return res

    monkeypatch.setattr(tokmem.TokMem, "call", fake)


def test_json_output_is_exactly_an_array_of_calls(learned_bank: Path, short_decoding: None) -> None:
    res = run("call", "ping example.com", "--json", "--bank", learned_bank)
    assert res.exit_code == 0, res.output
    calls = json.loads(res.stdout)
    assert isinstance(calls, list)
    for c in calls:
        assert set(c) == {"name", "arguments"} and c["name"] in ("ping", "add_note") and isinstance(c["arguments"], dict)


def test_readable_output_shows_the_answer(learned_bank: Path, short_decoding: None) -> None:
    res = run("call", "ping example.com", "--bank", learned_bank, "--no-constrain")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(("call ", "invalid ", "answer (no tool)"))


def test_readable_output_names_the_memory_token(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _force_call(monkeypatch, [("ping", {"host": "example.com"})])
    res = run("call", "ping example.com", "--bank", learned_bank)
    assert res.exit_code == 0, res.output
    assert "<|tool:ping|>" in res.stdout and '"host": "example.com"' in res.stdout


def test_invalid_calls_are_reported_and_left_out_of_json(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _force_call(monkeypatch, [("ping", {"host": 1})], invalid=True)
    res = run("call", "ping 1", "--bank", learned_bank, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == []
    assert "invalid call of ping" in res.stderr
    res = run("call", "ping 1", "--bank", learned_bank)
    assert "invalid <|tool:ping|>" in res.stdout and "not run" in res.stdout


def test_execute_runs_procedures_and_reports_results(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokmem_agents.registry import ProcedureRegistry

    registry = ProcedureRegistry()
    registry.register("ping")(lambda host: f"{host} is up")
    monkeypatch.setattr("cli.call._registry", lambda: registry)
    _force_call(monkeypatch, [("ping", {"host": "example.com"}), ("add_note", {"text": "x"})])
    res = run("call", "ping example.com and note x", "--bank", learned_bank, "--execute", "--json")
    out = json.loads(res.stdout)
    assert out[0] == {"name": "ping", "arguments": {"host": "example.com"}, "result": {"ok": True, "value": "example.com is up"}}
    assert out[1]["result"]["ok"] is False and "no procedure" in out[1]["result"]["error"]
    assert res.exit_code == 1  # a procedure failed

    _force_call(monkeypatch, [("ping", {"host": "example.com"})])
    res = run("call", "ping example.com", "--bank", learned_bank, "--execute")
    assert res.exit_code == 0, res.output
    assert "result ping: example.com is up" in res.stdout


def test_empty_bank_warns_and_answers_in_text(tiny_model_dir: Path, tmp_path: Path, short_decoding: None) -> None:
    res = run("call", "hello", "--bank", tmp_path / "empty", "--model", tiny_model_dir, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == []
    assert "holds no tools" in res.stderr
    assert not (tmp_path / "empty").exists()  # calling never writes


def test_corrupt_bank_json_is_exit_2(bank_copy: Path) -> None:
    (bank_copy / "bank.json").write_text("[1, 2")
    res = run("call", "hi", "--bank", bank_copy)
    assert res.exit_code == 2
    assert "corrupt bank.json" in one_error_line(res)


def test_missing_model_is_exit_2(tmp_path: Path) -> None:
    res = run("call", "hi", "--bank", tmp_path / "b", "--model", tmp_path / "nothing" / "model.gguf")
    assert res.exit_code == 2
    assert "model" in one_error_line(res)


def test_global_options_before_the_command(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _force_call(monkeypatch, [("ping", {"host": "a.org"})])
    res = run("--bank", learned_bank, "call", "ping a.org", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [{"name": "ping", "arguments": {"host": "a.org"}}]
