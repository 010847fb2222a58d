"""`tokmem-agent learn-tool`: validation before any model load, training, summary, Ctrl-C."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cli_support import NOTE, PING, bank_copy, learned_bank, one_error_line, run, write_json, write_jsonl  # noqa: F401
from tokmem_agents.config import TrainConfig


def test_learns_new_tools_prints_a_summary_and_saves_the_bank(tiny_model_dir: Path, tmp_path: Path, tokmem_home: Path) -> None:
    spec = write_json(tmp_path / "ping.json", PING)
    bank = tmp_path / "bank"
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", bank, "--epochs", 1, "--lr", "0.01", "--no-replay")
    assert res.exit_code == 0, res.output
    assert "ping" in res.stdout and "final loss" in res.stdout and "examples" in res.stdout
    meta = json.loads((bank / "bank.json").read_text())
    assert [t["name"] for t in meta["tools"]] == ["ping"]
    assert meta["tools"][0]["stats"]["epochs"] == 1 and meta["tools"][0]["stats"]["lr"] == 0.01
    assert (bank / "memory.safetensors").is_file()


def test_nothing_new_says_so_and_exits_0_without_loading_the_model(learned_bank: Path, tmp_path: Path) -> None:
    spec = write_json(tmp_path / "ping.json", PING)
    before = (learned_bank / "bank.json").read_bytes()
    res = run("learn-tool", spec, "--bank", learned_bank, "--model", tmp_path / "no-such-model")
    assert res.exit_code == 0, res.output
    assert "nothing new to learn" in res.stdout and "--retrain" in res.stdout
    assert (learned_bank / "bank.json").read_bytes() == before


def test_only_new_tools_are_learned_and_retrain_relearns(bank_copy: Path, tmp_path: Path) -> None:
    weather = {**copy.deepcopy(PING), "name": "weather", "description": "Weather in a city."}
    spec = write_json(tmp_path / "both.json", [PING, weather])
    res = run("learn-tool", spec, "--bank", bank_copy, "--epochs", 1)  # the bank remembers its model
    assert res.exit_code == 0, res.output
    assert "skipping 1 tool(s) already in the bank: ping" in res.stderr
    names = [t["name"] for t in json.loads((bank_copy / "bank.json").read_text())["tools"]]
    assert names == ["ping", "add_note", "weather"]

    res = run("learn-tool", write_json(tmp_path / "ping.json", PING), "--bank", bank_copy, "--epochs", 1, "--retrain")
    assert res.exit_code == 0, res.output
    assert "learned 1 tool(s)" in res.stdout
    names = [t["name"] for t in json.loads((bank_copy / "bank.json").read_text())["tools"]]
    assert sorted(names) == ["add_note", "ping", "weather"]


def test_data_examples_can_stand_in_for_spec_examples(tiny_model_dir: Path, tmp_path: Path) -> None:
    bare = {k: v for k, v in PING.items() if k != "examples"}
    spec = write_json(tmp_path / "bare.json", bare)
    data = write_jsonl(tmp_path / "extra.jsonl", [{"query": "ping a.org", "calls": [{"name": "ping", "arguments": {"host": "a.org"}}]}])
    res = run("learn-tool", spec, "--data", data, "--model", tiny_model_dir, "--bank", tmp_path / "bank", "--epochs", 1)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "bank" / "bank.json").is_file()


# --- bad input: exit 2, one line naming the problem, nothing written ------------------------------


def _fails_cleanly(res, bank: Path) -> str:  # type: ignore[no-untyped-def]
    assert res.exit_code == 2, res.output
    assert not bank.exists()
    assert res.stdout == ""
    return one_error_line(res)


def test_missing_spec_file(tmp_path: Path, tokmem_home: Path) -> None:
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", tmp_path / "nope.json", "--bank", bank), bank)
    assert "nope.json" in line and "no such file" in line


def test_invalid_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "ping",,}')
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", bad, "--bank", bank), bank)
    assert "bad.json" in line and "invalid JSON" in line and "line 1" in line


def test_example_violating_its_schema_names_file_tool_and_field(tmp_path: Path) -> None:
    spec = copy.deepcopy(PING)
    spec["examples"].append({"query": "ping 42", "arguments": {"host": 42}})
    good = write_json(tmp_path / "good.json", NOTE)
    bad = write_json(tmp_path / "ping.json", spec)
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", good, bad, "--bank", bank), bank)
    assert "ping.json" in line and "'ping'" in line and "examples.2.arguments" in line and "host" in line


def test_data_with_unknown_tool(tmp_path: Path) -> None:
    spec = write_json(tmp_path / "ping.json", PING)
    data = write_jsonl(tmp_path / "extra.jsonl", [{"query": "x", "calls": [{"name": "teleport", "arguments": {}}]}])
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", spec, "--data", data, "--bank", bank), bank)
    assert "extra.jsonl" in line and "teleport" in line


def test_data_with_invalid_arguments(tmp_path: Path) -> None:
    spec = write_json(tmp_path / "ping.json", PING)
    data = write_jsonl(tmp_path / "extra.jsonl", [{"query": "x", "calls": [{"name": "ping", "arguments": {"host": 1}}]}])
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", spec, "--data", data, "--bank", bank), bank)
    assert "extra.jsonl" in line and "'ping'" in line


def test_malformed_data_file(tmp_path: Path) -> None:
    spec = write_json(tmp_path / "ping.json", PING)
    data = tmp_path / "extra.jsonl"
    data.write_text('{"query": "ok", "calls": []}\nnot json\n')
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", spec, "--data", data, "--bank", bank), bank)
    assert "extra.jsonl:2" in line


def test_tool_without_examples(tmp_path: Path) -> None:
    spec = write_json(tmp_path / "bare.json", {k: v for k, v in PING.items() if k != "examples"})
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", spec, "--bank", bank), bank)
    assert "bare.json" in line and "'ping'" in line and "no examples" in line


def test_tool_defined_in_two_files(tmp_path: Path) -> None:
    a, b = write_json(tmp_path / "a.json", PING), write_json(tmp_path / "b.json", PING)
    bank = tmp_path / "bank"
    line = _fails_cleanly(run("learn-tool", a, b, "--bank", bank), bank)
    assert "'ping'" in line and "a.json" in line and "b.json" in line


@pytest.mark.parametrize("epochs", ["0", "-1", "x"])
def test_bad_epochs_is_a_usage_error(epochs: str, tmp_path: Path) -> None:
    spec = write_json(tmp_path / "ping.json", PING)
    bank = tmp_path / "bank"
    res = run("learn-tool", spec, "--epochs", epochs, "--bank", bank)
    assert res.exit_code == 2
    assert "--epochs" in res.stderr and "Traceback" not in res.stderr
    assert not bank.exists()


def test_bad_lr_is_a_usage_error(tmp_path: Path) -> None:
    res = run("learn-tool", write_json(tmp_path / "ping.json", PING), "--lr", "0", "--bank", tmp_path / "bank")
    assert res.exit_code == 2 and "--lr" in res.stderr


def test_corrupt_bank_json(bank_copy: Path, tmp_path: Path) -> None:
    (bank_copy / "bank.json").write_text("{not json")
    res = run("learn-tool", write_json(tmp_path / "ping.json", PING), "--bank", bank_copy)
    assert res.exit_code == 2
    assert "corrupt bank.json" in one_error_line(res)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    res = run("learn-tool", tmp_path / "nope.json", "--bank", tmp_path / "bank", "--debug")
    assert res.exit_code == 2
    assert "Traceback" in res.stderr and "error: " in res.stderr


def test_ctrl_c_during_training_leaves_the_bank_unchanged(bank_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tokmem_agents.tokmem as tokmem
    from tokmem_agents.training.loop import TrainProgress

    def interrupted(backbone, bank, specs, extra, config, progress):  # type: ignore[no-untyped-def]
        progress(TrainProgress(1, 10, 1, 3.0, 4, 40, 0.5))
        raise KeyboardInterrupt

    monkeypatch.setattr(tokmem, "learn", interrupted)
    before = {p.name: p.read_bytes() for p in bank_copy.iterdir()}
    weather = {**copy.deepcopy(PING), "name": "weather"}
    res = run("learn-tool", write_json(tmp_path / "w.json", weather), "--bank", bank_copy)
    assert res.exit_code == 130
    assert one_error_line(res) == "error: interrupted; the bank was left unchanged"
    assert {p.name: p.read_bytes() for p in bank_copy.iterdir()} == before


def test_diverged_training_is_exit_2_and_leaves_the_bank_unchanged(bank_copy: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in bank_copy.iterdir()}
    weather = {**copy.deepcopy(PING), "name": "weather"}
    res = run("learn-tool", write_json(tmp_path / "w.json", weather), "--bank", bank_copy, "--epochs", 1, "--lr", "1e30")
    assert res.exit_code == 2, res.output
    line = one_error_line(res)
    assert "training diverged" in line and "weather" in line and "smaller learning rate (--lr" in line
    assert {p.name: p.read_bytes() for p in bank_copy.iterdir()} == before
    assert res.stdout == ""


def test_diverged_training_of_a_new_bank_writes_nothing(tiny_model_dir: Path, tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    res = run("learn-tool", write_json(tmp_path / "ping.json", PING), "--model", tiny_model_dir, "--bank", bank, "--epochs", 1, "--lr", "1e30")
    assert res.exit_code == 2, res.output
    assert "training diverged" in one_error_line(res)
    assert not (bank / "bank.json").exists()


def test_synthesize_adds_multi_call_examples(tiny_model_dir: Path, tmp_path: Path, tokmem_home: Path) -> None:
    spec = write_json(tmp_path / "tools.json", [PING, NOTE])
    bank = tmp_path / "bank"
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", bank, "--epochs", 1, "--synthesize", 5)
    assert res.exit_code == 0, res.output
    meta = json.loads((bank / "bank.json").read_text())
    # 3 spec examples + 5 synthesised ones that each call both tools
    assert sum(t["stats"]["examples"] for t in meta["tools"]) == 3 + 2 * 5
    assert run("learn-tool", spec, "--model", tiny_model_dir, "--bank", tmp_path / "b2", "--synthesize", -1).exit_code == 2
    # the default synthesises 8 per new tool; --synthesize 0 turns it off
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", tmp_path / "b3", "--epochs", 1)
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "b3" / "bank.json").read_text())
    assert sum(t["stats"]["examples"] for t in meta["tools"]) == 3 + 2 * 16
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", tmp_path / "b4", "--epochs", 1, "--synthesize", 0)
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "b4" / "bank.json").read_text())
    assert sum(t["stats"]["examples"] for t in meta["tools"]) == 3
    assert "call_threshold" not in meta  # learned without negatives: the argmax rule


def test_augment_and_negatives_options(tiny_model_dir: Path, tmp_path: Path, tokmem_home: Path) -> None:
    spec = write_json(tmp_path / "tools.json", [PING, NOTE])
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", tmp_path / "b", "--epochs", 1, "--synthesize", 0,
              "--augment", 2, "--negative-share", 0.5, "--seed", 3)
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "b" / "bank.json").read_text())
    assert sum(t["stats"]["examples"] for t in meta["tools"]) == 3 * 3  # each example and 2 phrasing variants
    assert meta["call_threshold"] == TrainConfig().call_threshold  # learned with negatives: the mass rule
    for bad in (("--negative-share", 1), ("--negative-share", -0.1), ("--negative-share", "nan"), ("--augment", -1), ("--seed", -2)):
        assert run("learn-tool", spec, "--model", tiny_model_dir, "--bank", tmp_path / "b2", *bad).exit_code == 2
    assert not (tmp_path / "b2").exists()
