"""Helpers shared by the CLI tests: tiny specs, a runner, a learned bank, short decoding.

Imported by ``tests/unit/test_cli_*.py`` (pytest puts this directory on ``sys.path``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from _tiny import make_tiny_model
from typer.testing import CliRunner, Result

from cli.app import app

PING = {
    "name": "ping",
    "description": "Check whether a host answers.",
    "parameters": {
        "type": "object",
        "properties": {"host": {"type": "string"}},
        "required": ["host"],
    },
    "examples": [
        {"query": "ping example.com", "arguments": {"host": "example.com"}},
        {"query": "is google.com up?", "arguments": {"host": "google.com"}},
    ],
}
NOTE = {
    "name": "add_note",
    "description": "Save a note.",
    "parameters": {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    },
    "examples": [{"query": "note: buy milk", "arguments": {"text": "buy milk"}}],
}


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(*args: Any) -> Result:
    """Invoke the typer app in-process (stdout and stderr captured separately)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def one_error_line(result: Result) -> str:
    """The stderr of a failed command: exactly one ``error:`` line, no traceback."""
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def copy_bank(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def learned_bank(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bank on the tiny model holding ``ping`` and ``add_note`` (learned once, 1 epoch, from their
    spec examples only: ``--synthesize 0``)."""
    root = tmp_path_factory.mktemp("learned")
    spec = write_json(root / "tools.json", [PING, NOTE])
    bank = root / "bank"
    res = run("learn-tool", spec, "--model", tiny_model_dir, "--bank", bank, "--epochs", 1, "--synthesize", 0)
    assert res.exit_code == 0, res.output
    return bank


@pytest.fixture()
def bank_copy(learned_bank: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`learned_bank` that a test may change."""
    return copy_bank(learned_bank, tmp_path / "bank")


SHORT = {"max_text_tokens": 4, "max_tokens_per_call": 12, "max_calls": 2}
"""Decoding limits that keep the random tiny model from generating for seconds."""


@pytest.fixture()
def short_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every DecodeConfig the CLI and the harness build use :data:`SHORT` limits."""
    from tokmem_agents.config import DecodeConfig

    real = DecodeConfig.from_options.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        DecodeConfig, "from_options", classmethod(lambda cls, base=None, **o: real(cls, base if base is not None else cls(**SHORT), **o))
    )


@pytest.fixture(scope="session")
def other_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    """A second tiny Llama, same shapes and tokenizer, different random weights (another backbone)."""
    return make_tiny_model(tmp_path_factory.mktemp("other-llama"), tiny_model_dir, seed=1)
