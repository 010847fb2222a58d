"""Numeric precision and placement of the frozen backbone: the dtype its weights are loaded in, the
device it runs on, and bfloat16 autocast of its matmuls where the device runs it fast.

The weight dtype (``--dtype``: fp32, bf16, fp16) and autocast (``precision`` in the configs) are
separate: bf16 *weights* halve memory (what a 1-8B model on a GPU needs), autocast keeps float32
weights and runs the matmuls in bf16.

Memory rows always stay float32; only the backbone's matmuls are autocast (measured here: 6x faster
training steps on a 2-core AVX512-BF16 CPU, slower one-token decode steps, hence different defaults
in :class:`~tokmem_agents.config.TrainConfig` and :class:`~tokmem_agents.config.DecodeConfig`).
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, ContextManager

import torch

from ..errors import BackboneError

_DTYPES = {
    "fp32": torch.float32, "float32": torch.float32, "bf16": torch.bfloat16, "bfloat16": torch.bfloat16,
    "fp16": torch.float16, "float16": torch.float16, "half": torch.float16,
}


def weight_dtype(value: str | torch.dtype | None) -> torch.dtype:
    """The weight dtype a user named (``fp32``/``bf16``/``fp16``, their long names, or a torch dtype);
    None means float32. Anything else is a :class:`~tokmem_agents.errors.BackboneError`."""
    if value is None:
        return torch.float32
    if isinstance(value, torch.dtype):
        if value in _DTYPES.values():
            return value
    elif isinstance(value, str) and value.strip().lower() in _DTYPES:
        return _DTYPES[value.strip().lower()]
    raise BackboneError(f"unsupported dtype {str(value)[:40]!r}: expected fp32, bf16 or fp16")


def default_device() -> torch.device:
    """``cuda`` when available, else ``mps`` (Apple GPUs) when available, else ``cpu``."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_device(value: str | torch.device | None) -> torch.device:
    """The device a user named (``cpu``, ``cuda``, ``cuda:1``, ``mps``; None: :func:`default_device`);
    a malformed or absent device is a :class:`~tokmem_agents.errors.BackboneError`."""
    if value is None:
        return default_device()
    try:
        dev = value if isinstance(value, torch.device) else torch.device(str(value).strip())
    except (RuntimeError, TypeError, ValueError):
        raise BackboneError(f"unknown device {str(value)[:40]!r}: expected cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise BackboneError(f"device {dev} asked for, but this torch sees no CUDA device")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise BackboneError(f"device {dev} asked for, but only {torch.cuda.device_count()} CUDA device(s) exist")
    elif dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise BackboneError("device mps asked for, but this torch has no MPS support here")
    elif dev.type != "cpu":
        raise BackboneError(f"unsupported device {dev}: expected cpu, cuda, cuda:N or mps")
    return dev


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
