"""`tokmem-agent eval`: one JSON object or a table; bad data and unknown methods are exit 2."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from cli_support import learned_bank, one_error_line, run, short_decoding, write_jsonl  # noqa: F401

KEYS = {
    "n", "tool_precision", "tool_recall", "tool_f1", "sequence_acc", "call_em", "full_em", "schema_valid",
    "truncated_rate", "prompt_tokens_per_query", "seconds_per_query", "method", "model",
}
ROWS = [
    {"query": "ping example.org", "calls": [{"name": "ping", "arguments": {"host": "example.org"}}]},
    {"query": "note: call mom", "calls": [{"name": "add_note", "arguments": {"text": "call mom"}}]},
    {"query": "hello there", "calls": []},
]


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "eval.jsonl", ROWS)


def test_json_report(learned_bank: Path, data: Path, short_decoding: None) -> None:
    res = run("eval", data, "--json", "--bank", learned_bank)
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)  # exactly one JSON object on stdout
    assert KEYS <= set(report)
    assert report["n"] == 3 and report["method"] == "tokmem" and report["constrained"] is True
    assert report["trainable_parameters"] == 2 * 2 * 64  # two tools x (input + output row) x hidden size of the tiny model
    assert report["model"].endswith("tiny-llama0") and report["peak_rss_mb"] > 0
    assert report["prompt_tokens_per_query"] > 0


def test_predictions_file_matches_the_report(learned_bank: Path, data: Path, tmp_path: Path, short_decoding: None) -> None:
    out = tmp_path / "preds.jsonl"
    res = run("eval", data, "--json", "--bank", learned_bank, "--predictions", out)
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["query"] for x in lines] == [r["query"] for r in ROWS]
    assert [x["gold"] for x in lines] == [r["calls"] for r in ROWS]
    assert sum(x["exact"] for x in lines) == round(report["full_em"] * 3)
    assert sum(x["tools_right"] for x in lines) == round(report["sequence_acc"] * 3)
    assert all(isinstance(x["predicted"], list) and isinstance(x["text"], str) for x in lines)


def test_bad_predictions_path_is_a_usage_error(learned_bank: Path, data: Path, tmp_path: Path) -> None:
    res = run("eval", data, "--bank", learned_bank, "--predictions", tmp_path / "no" / "such" / "p.jsonl")
    assert res.exit_code == 2 and "does not exist" in one_error_line(res)
    res = run("eval", data, "--bank", learned_bank, "--predictions", tmp_path)  # a directory
    assert res.exit_code == 2
    assert not list(tmp_path.glob("*.tmp*"))


def test_table_limit_and_no_constrain(learned_bank: Path, data: Path, short_decoding: None) -> None:
    res = run("eval", data, "--bank", learned_bank, "--limit", 2, "--no-constrain")
    assert res.exit_code == 0, res.output
    assert "tool F1" in res.stdout and "unconstrained" in res.stdout and "prompt tokens / query" in res.stdout


def test_icl_and_rag_methods(learned_bank: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tokmem_agents.evaluation.methods as methods
    import tokmem_agents.evaluation.methods.retrieval as retrieval

    for name in ("icl", "rag"):  # keep the random model's answers short
        monkeypatch.setitem(methods.METHODS, name, functools.partial(methods.METHODS[name], max_new_tokens=4))

    class FirstTools:
        def index(self, documents):  # type: ignore[no-untyped-def]
            self.n = len(documents)

        def top_k(self, query, k):  # type: ignore[no-untyped-def]
            return list(range(min(k, self.n)))

    monkeypatch.setattr(retrieval, "MiniLMRetriever", FirstTools)
    icl = json.loads(run("eval", data, "--method", "icl", "--json", "--limit", 1, "--bank", learned_bank).stdout)
    rag = json.loads(run("eval", data, "--method", "rag", "--k", 1, "--json", "--limit", 1, "--bank", learned_bank).stdout)
    assert icl["method"] == "icl" and rag["method"] == "rag"
    assert icl["trainable_parameters"] == 0 and icl["n"] == 1
    assert rag["prompt_tokens_per_query"] < icl["prompt_tokens_per_query"]  # one schema instead of two


def test_malformed_jsonl(learned_bank: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "ok", "calls": []}\n{"query": "x", "calls": "ping"}\n')
    res = run("eval", bad, "--bank", learned_bank)
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "bad.jsonl:2" in line and "calls" in line


def test_missing_data_file(learned_bank: Path, tmp_path: Path) -> None:
    res = run("eval", tmp_path / "none.jsonl", "--bank", learned_bank)
    assert res.exit_code == 2 and "no such file" in one_error_line(res)


def test_unknown_method_is_a_usage_error(learned_bank: Path, data: Path) -> None:
    res = run("eval", data, "--method", "lora", "--bank", learned_bank)
    assert res.exit_code == 2
    assert "--method" in res.stderr and "Traceback" not in res.stderr


def test_bad_limit_is_a_usage_error(learned_bank: Path, data: Path) -> None:
    res = run("eval", data, "--limit", 0, "--bank", learned_bank)
    assert res.exit_code == 2 and "--limit" in res.stderr


def test_empty_bank_is_exit_2(tiny_model_dir: Path, tmp_path: Path, data: Path) -> None:
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.model.backbone import load_backbone

    MemoryBank(load_backbone(str(tiny_model_dir), device="cpu").fingerprint).save(tmp_path / "empty")  # a missing bank: see test_cli_reported_bugs
    res = run("eval", data, "--bank", tmp_path / "empty", "--model", tiny_model_dir)
    assert res.exit_code == 2
    assert "holds no tools" in one_error_line(res)


def test_limits_reach_the_decoder_and_truncation_is_reported(learned_bank: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tokmem_agents.tokmem as tokmem
    from tokmem_agents.config import DecodeConfig
    from tokmem_agents.bank.records import ToolCall
    from tokmem_agents.decode.results import DecodeResult

    seen: list[DecodeConfig] = []

    def fake(self, queries, config=None):  # type: ignore[no-untyped-def]
        seen.append(config)  # every query: one complete call, then one the budget cut and the grammar closed
        calls = [ToolCall("ping", {"host": "example.org"}), ToolCall("add_note", {"text": "ca"})]
        return [DecodeResult(query=q, calls=list(calls), truncated=[1], stop_reason="max_tokens") for q in queries]

    monkeypatch.setattr(tokmem.TokMem, "call_batch", fake)
    res = run("eval", data, "--json", "--bank", learned_bank, "--max-calls", 2, "--max-tokens-per-call", 3, "--time-budget", 9,
              "--copy-bias", 4, "--call-threshold", "0.3")
    assert res.exit_code == 0, res.output
    assert seen and all(
        c == DecodeConfig(max_calls=2, max_tokens_per_call=3, time_budget=9.0, copy_bias=4.0, call_threshold=0.3) for c in seen
    )
    report = json.loads(res.stdout)
    assert report["truncated_rate"] == pytest.approx(0.5) and report["n_calls_emitted"] == 6
    assert report["schema_valid"] == 1.0  # the grammar-closed calls are valid, and counted apart

    res = run("eval", data, "--bank", learned_bank, "--max-tokens-per-call", 3)
    assert res.exit_code == 0, res.output
    row = next(l for l in res.stdout.splitlines() if "calls truncated at a limit" in l)
    assert "0.500" in row


@pytest.mark.parametrize("option, value", [("--max-calls", "0"), ("--max-tokens-per-call", "none"), ("--time-budget", "-1"),
                                           ("--copy-bias", "-0.5"), ("--call-threshold", "2"), ("--decision", "x")])
def test_bad_limits_are_usage_errors(option: str, value: str, data: Path, tmp_path: Path) -> None:
    res = run("eval", data, option, value, "--bank", tmp_path / "bank")
    assert res.exit_code == 2 and option in res.stderr and "Traceback" not in res.stderr


def test_limits_with_a_prompt_baseline_are_refused(data: Path, tmp_path: Path) -> None:
    res = run("eval", data, "--method", "icl", "--max-calls", 2, "--bank", tmp_path / "bank")
    assert res.exit_code == 2
    assert "--max-calls" in one_error_line(res) and "tokmem only" in res.stderr
    res = run("eval", data, "--method", "rag", "--copy-bias", 2, "--bank", tmp_path / "bank")
    assert res.exit_code == 2 and "--copy-bias" in one_error_line(res)
