"""``tokmem-agent adapt`` on the tiny model, and ``learn-tool --adapter``: the adapter is saved under
TOKMEM_HOME, a bank learned on it records it, and bad values are one-line errors with exit code 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_support import NOTE, PING, one_error_line, run, write_json
from scripts.auxiliary import generate_corpus, write_corpus


def _corpus(tmp_path: Path) -> Path:
    return write_corpus(generate_corpus(n_tools=3, examples_per_tool=2, n_multi=2, n_notool=2), tmp_path / "aux")


def test_adapt_then_learn_on_the_adapter(tiny_model_dir: Path, tokmem_home: Path, tmp_path: Path) -> None:
    res = run("adapt", "--model", tiny_model_dir, "--corpus", _corpus(tmp_path), "--epochs", 1, "--rank", 2)
    assert res.exit_code == 0, res.output
    ident = re.search(r"adapter ([0-9a-f]{16}):", res.stdout).group(1)
    saved = tokmem_home / "models" / "adapters" / ident
    assert (saved / "adapter_model.safetensors").is_file() and (saved / "adapter_config.json").is_file()
    meta = json.loads((saved / "tokmem-adapter.json").read_text())
    assert meta["config"]["rank"] == 2 and meta["stats"]["tools"] == 3 and meta["base"]["adapter"] is None
    assert meta["config"]["group_by_length"] is True and meta["stats"]["threads"] >= 1
    spec = write_json(tmp_path / "tools.json", [PING, NOTE])
    bank = tmp_path / "bank"
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", bank, "--epochs", 1, "--adapter", ident)
    assert res.exit_code == 0, res.output
    assert json.loads((bank / "bank.json").read_text())["backbone"]["adapter"] == ident
    res = run("tools", "list", "--bank", bank)  # the recorded model and adapter are found again
    assert res.exit_code == 0 and "ping" in res.stdout


def test_adapt_bad_input(tiny_model_dir: Path, tokmem_home: Path, tmp_path: Path) -> None:
    assert "no module" in one_error_line(
        run("adapt", "--model", tiny_model_dir, "--corpus", _corpus(tmp_path), "--targets", "nope_proj")
    )
    assert run("adapt", "--model", tiny_model_dir, "--corpus", tmp_path / "missing").exit_code == 2
    assert run("adapt", "--model", tiny_model_dir, "--rank", 0).exit_code == 2
    for w in ("0", "nan", "inf", "-1"):
        res = run("adapt", "--model", tiny_model_dir, "--corpus", _corpus(tmp_path), "--decision-weight", w)
        assert res.exit_code == 2 and "--decision-weight" in res.output, (w, res.output)
    assert not (tokmem_home / "models" / "adapters").exists()
    spec = write_json(tmp_path / "tools.json", [PING])
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", tmp_path / "b", "--adapter", "0123456789abcdef")
    assert res.exit_code == 2 and "not found" in one_error_line(res)
    assert not (tmp_path / "b" / "bank.json").exists()


def test_adapt_group_by_length_switch(tiny_model_dir: Path, tokmem_home: Path, tmp_path: Path) -> None:
    """--no-group-by-length trains in the plain shuffled order: recorded, and a different adapter."""
    corpus = _corpus(tmp_path)
    ids = {}
    for flag in ("--group-by-length", "--no-group-by-length"):
        res = run("adapt", "--model", tiny_model_dir, "--corpus", corpus, "--epochs", 1, "--rank", 2, flag)
        assert res.exit_code == 0, res.output
        ids[flag] = re.search(r"adapter ([0-9a-f]{16}):", res.stdout).group(1)
    meta = json.loads((tokmem_home / "models" / "adapters" / ids["--no-group-by-length"] / "tokmem-adapter.json").read_text())
    assert meta["config"]["group_by_length"] is False
    assert ids["--group-by-length"] != ids["--no-group-by-length"]
