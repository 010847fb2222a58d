"""tokmem-agents: tools as learned memory tokens on a frozen causal LM (TokMem).

Heavy modules (torch, transformers) are imported lazily, so ``import tokmem_agents`` is cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "TokMem": "tokmem",
    "load_backbone": "backbone",
    "Backbone": "backbone",
    "Fingerprint": "backbone",
    "MemoryBank": "memory",
    "LearnedTool": "memory",
    "BankConfig": "config",
    "TrainConfig": "config",
    "DecodeConfig": "config",
    "ToolSpec": "specs",
    "load_specs": "specs",
    "parse_spec": "specs",
    "ToolCall": "data",
    "Example": "data",
    "load_jsonl": "data",
    "learn": "trainer",
    "TrainStats": "trainer",
    "TrainProgress": "trainer",
    "Decoder": "decoding",
    "DecodeResult": "decoding",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'tokmem_agents' has no attribute {name!r}")
