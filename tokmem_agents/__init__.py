"""tokmem-agents: tools as learned memory tokens on a frozen causal LM (TokMem).

The names below are the public API, each defined in one module of a subpackage (see
ARCHITECTURE.md); they are imported on first use, so ``import tokmem_agents`` stays cheap (no torch).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "TokMem": "tokmem",
    "load_backbone": "model.backbone",
    "Backbone": "model.backbone",
    "Fingerprint": "model.fingerprint",
    "MemoryBank": "bank.memory",
    "LearnedTool": "bank.memory",
    "BankLocation": "bank.location",
    "BankConfig": "config",
    "TrainConfig": "config",
    "AdaptConfig": "config",
    "LoRAConfig": "config",
    "DecodeConfig": "config",
    "ToolSpec": "bank.specs",
    "load_specs": "bank.specs",
    "parse_spec": "bank.specs",
    "ToolCall": "bank.records",
    "Example": "bank.records",
    "load_jsonl": "bank.records",
    "learn": "training.trainer",
    "TrainStats": "training.trainer",
    "TrainProgress": "training.loop",
    "adapt": "training.adapt",
    "Decoder": "decode.decoder",
    "DecodeResult": "decode.results",
    "CallEvent": "decode.results",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'tokmem_agents' has no attribute {name!r}")
