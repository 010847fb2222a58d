"""`tokmem-agent call`: readable and --json output, --execute, and the bank/backbone errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import bank_copy, learned_bank, one_error_line, run, short_decoding  # noqa: F401


def _force_call(monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, dict]], invalid: bool = False) -> None:
    """Make TokMem.call answer fixed calls (the tiny model is random); the CLI path is unchanged."""
    import tokmem_agents.tokmem as tokmem
    from tokmem_agents.bank.records import ToolCall
    from tokmem_agents.decode.results import DecodeResult, InvalidCall

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
    assert res.stdout.startswith(("call ", "invalid ", "truncated ", "answer (no tool)"))


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


def _empty_bank(tiny_model_dir: Path, path: Path) -> Path:
    """A bank with no tools on the tiny model (a missing bank is a usage error since issue 19)."""
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.model.backbone import load_backbone

    MemoryBank(load_backbone(str(tiny_model_dir), device="cpu").fingerprint).save(path)
    return path


def test_empty_bank_warns_and_answers_in_text(tiny_model_dir: Path, tmp_path: Path, short_decoding: None) -> None:
    empty = _empty_bank(tiny_model_dir, tmp_path / "empty")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in empty.iterdir())
    res = run("call", "hello", "--bank", empty, "--model", tiny_model_dir, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == []
    assert "holds no tools" in res.stderr
    assert sorted((p.name, p.stat().st_mtime_ns) for p in empty.iterdir()) == before  # calling never writes


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


# --- decoding limits ---------------------------------------------------------------------------


def _force_result(monkeypatch: pytest.MonkeyPatch, **fields: object) -> list[object]:
    """Make TokMem.call answer ``DecodeResult(**fields)``; returns the list the configs it got go to."""
    import tokmem_agents.tokmem as tokmem
    from tokmem_agents.decode.results import DecodeResult

    seen: list[object] = []

    def fake(self, query, config=None):  # type: ignore[no-untyped-def]
        seen.append(config)
        return DecodeResult(query=query, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(tokmem.TokMem, "call", fake)
    return seen


def test_limits_reach_the_decoder(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokmem_agents.config import DecodeConfig

    seen = _force_result(monkeypatch)
    res = run("call", "hi", "--bank", learned_bank, "--max-calls", 3, "--max-tokens-per-call", 5, "--time-budget", "1.5")
    assert res.exit_code == 0, res.output
    res = run("call", "hi", "--bank", learned_bank, "--no-constrain", "--copy-bias", "2.5")
    assert res.exit_code == 0, res.output
    res = run("call", "hi", "--bank", learned_bank, "--decision", "mass", "--call-threshold", "0.1")
    assert res.exit_code == 0, res.output
    res = run("call", "hi", "--bank", learned_bank, "--decision", "argmax")
    assert res.exit_code == 0, res.output
    assert seen == [DecodeConfig(max_calls=3, max_tokens_per_call=5, time_budget=1.5),
                    DecodeConfig(constrained=False, copy_bias=2.5),
                    DecodeConfig(decision="mass", call_threshold=0.1), DecodeConfig(decision="argmax")]


@pytest.mark.parametrize(
    "option, value",
    [
        ("--max-calls", "0"), ("--max-calls", "-1"), ("--max-calls", "two"), ("--max-calls", "1.5"),
        ("--max-tokens-per-call", "0"), ("--max-tokens-per-call", "x"),
        ("--time-budget", "0"), ("--time-budget", "-3"), ("--time-budget", "soon"), ("--time-budget", "nan"), ("--time-budget", "inf"),
        ("--copy-bias", "-1"), ("--copy-bias", "nan"), ("--copy-bias", "inf"), ("--copy-bias", "high"),
        ("--decision", "vote"), ("--call-threshold", "0"), ("--call-threshold", "1"), ("--call-threshold", "nan"),
        ("--call-threshold", "much"),
    ],
)
def test_bad_limits_are_usage_errors(option: str, value: str, tmp_path: Path) -> None:
    res = run("call", "hi", option, value, "--bank", tmp_path / "bank")
    assert res.exit_code == 2, res.output
    assert option in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_a_call_threshold_with_the_argmax_rule_is_a_usage_error(tmp_path: Path) -> None:
    res = run("call", "hi", "--decision", "argmax", "--call-threshold", "0.2", "--bank", tmp_path / "bank")
    assert res.exit_code == 2, res.output
    assert "--call-threshold" in res.stderr and res.stdout == "" and "Traceback" not in res.stderr


def test_a_call_cut_at_the_token_limit_is_shown_truncated_and_never_run(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokmem_agents.bank.records import ToolCall
    from tokmem_agents.registry import ProcedureRegistry

    registry = ProcedureRegistry()
    ran: list[str] = []
    registry.register("ping")(lambda host: ran.append(host) or f"{host} is up")
    monkeypatch.setattr("cli.call._registry", lambda: registry)
    _force_result(
        monkeypatch,
        calls=[ToolCall("ping", {"host": "a.org"}), ToolCall("ping", {"host": "b.o"})],
        truncated=[1], stop_reason="max_tokens",
    )
    res = run("call", "ping a.org and b.org", "--bank", learned_bank, "--max-tokens-per-call", 5, "--execute")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("call <|tool:ping|>") and '"a.org"' in lines[0]
    assert lines[1].startswith("truncated <|tool:ping|>") and '"b.o"' in lines[1]
    assert lines[2].startswith("  not run: cut at a decoding limit")
    assert "stopped early: a call reached the limit of 5 tokens per call (--max-tokens-per-call)" in lines
    assert "result ping: a.org is up" in lines and ran == ["a.org"]

    res = run("call", "ping a.org and b.org", "--bank", learned_bank, "--max-tokens-per-call", 5, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [{"name": "ping", "arguments": {"host": "a.org"}}]
    assert "truncated call of ping (not in the output)" in res.stderr
    assert "stopped early: a call reached the limit of 5 tokens per call" in res.stderr


def test_an_unconstrained_cut_call_is_truncated_not_just_invalid(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokmem_agents.decode.results import InvalidCall

    bad = InvalidCall(0, "ping", '{"host": "exa', ("not JSON: Unterminated string",))
    _force_result(monkeypatch, invalid=[bad], truncated=[0], stop_reason="max_tokens")
    res = run("call", "ping example.com", "--bank", learned_bank, "--no-constrain")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("truncated <|tool:ping|>") and "exa" in lines[0]
    assert lines[1] == "  not run: cut at a decoding limit; not JSON: Unterminated string"
    assert not any(l.startswith("answer (no tool)") for l in lines)


@pytest.mark.parametrize(
    "stop, options, message",
    [
        ("max_calls", ["--max-calls", "1"], "stopped early: reached the limit of 1 call(s) per query (--max-calls); later calls were not decoded"),
        ("time_budget", ["--time-budget", "0.5"], "stopped early: the time budget of 0.5 s ran out (--time-budget)"),
        ("repetition", [], "stopped early: a call kept repeating itself and was cut (repetition guard)"),
    ],
)
def test_each_stop_reason_is_said_in_words(learned_bank: Path, monkeypatch: pytest.MonkeyPatch, stop: str, options: list[str], message: str) -> None:
    from tokmem_agents.bank.records import ToolCall

    _force_result(monkeypatch, calls=[ToolCall("ping", {"host": "a.org"})], stop_reason=stop)
    res = run("call", "ping a.org", "--bank", learned_bank, *options)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[-1] == message


def test_a_cut_text_answer_names_the_text_limit(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _force_result(monkeypatch, text="Hello, I am", stop_reason="max_tokens")
    res = run("call", "hi", "--bank", learned_bank)
    assert res.stdout.splitlines() == ["answer (no tool): Hello, I am", "stopped early: the text answer reached its limit of 128 tokens"]


def test_time_budget_on_the_tiny_model(learned_bank: Path, short_decoding: None) -> None:
    res = run("call", "ping example.com", "--bank", learned_bank, "--time-budget", "1e-6")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[-1] == "stopped early: the time budget of 1e-06 s ran out (--time-budget)"
