"""Matmul precision of the frozen backbone: bfloat16 autocast where the device runs it fast.

Memory rows always stay float32; only the backbone's matmuls are autocast (measured here: 6x faster
training steps on a 2-core AVX512-BF16 CPU, slower one-token decode steps, hence different defaults
in :class:`~tokmem_agents.config.TrainConfig` and :class:`~tokmem_agents.config.DecodeConfig`).
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, ContextManager

import torch


@functools.lru_cache(maxsize=None)
def _cpu_has_bf16() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def bf16_supported(device: torch.device) -> bool:
    """Whether bfloat16 autocast is fast on ``device`` (CUDA with bf16, or a CPU with AVX512-BF16/AMX)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and _cpu_has_bf16()


def autocast(device: torch.device, precision: str) -> ContextManager[Any]:
    """The autocast context for a precision setting (``auto``, ``bf16`` or ``fp32``)."""
    use = precision == "bf16" or (precision == "auto" and bf16_supported(device))
    if not use:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)
