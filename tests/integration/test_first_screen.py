"""What a new user sees first: the embedded model's first load (the GGUF dequantised into a fresh
``TOKMEM_HOME``) prints nothing but the answer; ``--verbose`` shows what transformers prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOKMEM_HOME": str(home)}
    env.pop("TOKMEM_DEBUG", None)
    code = "import sys; from cli.app import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=600)


def test_the_first_call_prints_only_the_answer(tmp_path: Path) -> None:
    res = _cli(tmp_path / "home", "call", "what is 17 times 23", "--json")
    assert res.returncode == 0, res.stderr
    assert res.stderr == "", res.stderr  # no progress bars, no FutureWarning, no advisories
    calls = json.loads(res.stdout)
    assert isinstance(calls, list) and all(set(c) == {"name", "arguments"} for c in calls)


def test_verbose_shows_what_transformers_prints(tmp_path: Path) -> None:
    res = _cli(tmp_path / "home", "--verbose", "tools", "forget", "word_count")  # loads the model, edits a copy of the shipped bank
    assert res.returncode == 0, res.stderr
    assert "de-quantizing GGUF tensors" in res.stderr
