"""The methods the harness compares, behind one :class:`~.base.Method` protocol, built by name.

``tokmem`` decodes a bank's memory tokens; ``icl`` puts every tool schema in the prompt; ``rag`` the
top-k retrieved ones; ``lora`` fine-tunes a LoRA adapter on the same data TokMem learns from. Each
builder takes the bank (its backbone and tools) and the method's options.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ...bank.records import Example
from ...config import DecodeConfig, LoRAConfig, TrainConfig
from ...errors import UserInputError
from ...tokmem import TokMem
from .base import Method
from .icl import BASELINES
from .lora import LoRAMethod, tokmem_training_set
from .tokmem import TokMemMethod


def _tokmem(tm: TokMem, *, config: DecodeConfig | None = None, **options: Any) -> Method:
    """TokMem decoding with ``config`` (default: :class:`DecodeConfig`), any option given replacing its value."""
    return TokMemMethod(tm, DecodeConfig.from_options(config, **options))


def _prompted(name: str) -> Callable[..., Method]:
    def build(tm: TokMem, *, constrained: bool = False, **options: Any) -> Method:
        specs = list(tm.bank.specs.values())
        if not specs:
            raise UserInputError(f"{name}: the bank holds no tools to put in the prompt")
        if name != "rag":
            options.pop("k", None)
            options.pop("retriever", None)
        try:
            return BASELINES[name](tm.backbone.model, tm.backbone.tokenizer, specs, constrained=constrained, **options)
        except NotImplementedError as e:
            raise UserInputError(f"{name}: {e}") from None

    return build


def _lora(
    tm: TokMem,
    *,
    constrained: bool = False,
    data: Sequence[Example] = (),
    config: LoRAConfig | None = None,
    train: TrainConfig | None = None,
    progress: Callable[..., None] | None = None,
    **options: Any,
) -> Method:
    """A LoRA adapter trained now on what TokMem trains on for the bank's tools: their spec examples
    plus ``data`` (and ``train.synthesize`` compositions); decoding without tool text in the prompt."""
    if constrained:
        raise UserInputError("lora: schema-constrained decoding is not implemented")
    specs = list(tm.bank.specs.values())
    if not specs:
        raise UserInputError("lora: the bank holds no tools to train on")
    train = train or TrainConfig()
    method = LoRAMethod(tm.backbone, specs, config or LoRAConfig.matching(train), **options)
    method.fit(tokmem_training_set(tm.backbone, specs, data, train), progress)
    return method


METHODS: dict[str, Callable[..., Method]] = {
    "tokmem": _tokmem,
    **{n: _prompted(n) for n in BASELINES},
    "lora": _lora,
}
"""Method builders by name: ``builder(tm, *, constrained=..., **options) -> Method``."""


def get_method(name: str, tm: TokMem, **options: Any) -> Method:
    """Build the method ``name`` on the bank ``tm`` (its backbone, and its tools for prompt baselines).

    Options: ``constrained`` (tokmem: schema constraint, default on; icl/rag/lora: off, on is not
    implemented), ``k`` and ``retriever`` for rag, ``max_new_tokens``/``batch_size`` for icl/rag/lora,
    a whole :class:`DecodeConfig` as ``config`` and/or any of its fields for tokmem; lora trains
    when built: ``data`` (extra training examples), ``config`` (:class:`~tokmem_agents.config.LoRAConfig`),
    ``train`` (the TokMem :class:`~tokmem_agents.config.TrainConfig` whose data plan and step budget
    it copies), ``progress``.
    """
    try:
        builder = METHODS[name]
    except KeyError:
        raise UserInputError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}") from None
    return builder(tm, **options)


__all__ = ["METHODS", "Method", "TokMemMethod", "get_method"]
