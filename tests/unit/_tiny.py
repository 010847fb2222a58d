"""Helpers shared by the unit tests: more tiny random models and hand-made banks (no training)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.config import BankConfig
from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.bank.memory import LearnedTool, MemoryBank
from tokmem_agents.bank.specs import parse_spec


def make_tiny_model(out: Path, tokenizer_dir: Path, seed: int) -> Path:
    """A tiny random Llama like ``tiny_model_dir`` (same tokenizer and shapes) with other weights."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    cfg = LlamaConfig.from_pretrained(tokenizer_dir)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def tool_spec(name: str, arg: str = "x", kind: str = "string", examples: Sequence[tuple[str, Any]] = ()) -> Any:
    """A one-argument tool spec, with examples given as (query, value)."""
    return parse_spec(
        {
            "name": name,
            "description": f"the {name} tool",
            "parameters": {"type": "object", "properties": {arg: {"type": kind}}, "required": [arg]},
            "examples": [{"query": q, "arguments": {arg: v}} for q, v in examples],
        }
    )


def make_bank(fp: Fingerprint, names: Sequence[str], seed: int = 0, coupled: bool = True) -> MemoryBank:
    """A bank of ``names`` with random rows, stats and one stored example each."""
    g = torch.Generator().manual_seed(seed)
    tools = [
        LearnedTool(
            spec=tool_spec(n, examples=[(f"use {n}", "v")]),
            stats={"examples": 1, "final_loss": 0.5},
            examples=(Example(f"use {n} please", (ToolCall(n, {"x": "v"}),)),),
        )
        for n in names
    ]
    d = fp.hidden_size
    rows = torch.randn(len(names), d, generator=g)
    out = None if coupled else torch.randn(len(names), d, generator=g)
    return MemoryBank(fp, BankConfig(coupled=coupled), tools, rows, out)
