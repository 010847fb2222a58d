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
    for key in ("TOKMEM_DEBUG", "TRANSFORMERS_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE"):
        env.pop(key, None)  # an in-process CLI test of this session may have set them
    code = "import sys; from cli.app import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=600)


def test_the_first_call_prints_only_the_answer(tmp_path: Path) -> None:
    res = _cli(tmp_path / "home", "call", "convert 3 miles to km", "--json")  # the README's first example
    assert res.returncode == 0, res.stderr
    assert res.stderr == "", res.stderr  # no progress bars, no FutureWarning, no advisories
    calls = json.loads(res.stdout)
    assert [c["name"] for c in calls] == ["convert_units"] and calls[0]["arguments"]["value"] == 3


def test_verbose_shows_what_transformers_prints(tmp_path: Path) -> None:
    res = _cli(tmp_path / "home", "--verbose", "tools", "forget", "word_count")  # loads the model, edits a copy of the shipped bank
    assert res.returncode == 0, res.stderr
    assert "de-quantizing GGUF tensors" in res.stderr and "Loading weights" in res.stderr
