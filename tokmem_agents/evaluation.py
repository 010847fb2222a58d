"""The evaluation harness: any method, the same data, the metrics of :mod:`~tokmem_agents.metrics`.

A method has ``name``, ``trainable_parameters`` and ``predict(queries) -> list[Prediction]``
(:class:`~tokmem_agents.baselines.Method`). :class:`TokMemMethod` adapts a bank's
:meth:`TokMem.call_batch`; :func:`get_method` builds any registered method (``tokmem``, ``icl``,
``rag``, ``lora``) on a bank's backbone and tools; :func:`run_eval` scores one method on a set of examples and
adds what it cost (peak RSS, trainable parameters, wall time).

    tm = TokMem.open("my-bank")
    report = run_eval(get_method("tokmem", tm), load_jsonl("eval.jsonl"), tm.bank.specs, model=tm.backbone.model_id)
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .baselines import BASELINES, Method
from .config import DecodeConfig
from .data import Example
from .errors import UserInputError
from .metrics import Prediction, evaluate, prediction_record
from .specs import ToolSpec

if TYPE_CHECKING:
    from .decoding import DecodeResult
    from .tokmem import TokMem

log = logging.getLogger(__name__)


def prediction_from_result(result: "DecodeResult") -> Prediction:
    """A decode result as a :class:`Prediction`.

    Every parsed call is kept (the metrics judge schema validity themselves); call attempts whose
    arguments did not even parse as a JSON object are ``invalid``; calls the decoder stopped at a
    budget (:attr:`DecodeResult.truncated`) are counted in ``truncated``.
    """
    return Prediction(
        calls=list(result.calls),
        text=result.text,
        prompt_tokens=result.prompt_tokens,
        seconds=result.seconds,
        invalid=[i.raw for i in result.invalid if i.call_index is None],
        truncated=len(result.truncated),
    )


class TokMemMethod:
    """TokMem as an evaluated method: batched decoding of the bank's memory tokens."""

    name = "tokmem"

    def __init__(self, tm: "TokMem", config: DecodeConfig | None = None) -> None:
        self.tm = tm
        self.config = config or DecodeConfig()

    @property
    def trainable_parameters(self) -> int:
        """Number of trained floats: the memory rows (input and, when decoupled, output)."""
        bank = self.tm.bank
        rows = bank.input_vectors.numel()
        return rows + (bank.output_vectors.numel() if bank.output_vectors is not None else 0)

    @property
    def constrained(self) -> bool:
        return self.config.constrained

    def predict(self, queries: Sequence[str]) -> list[Prediction]:
        """Decode every query (in batches) and convert the results."""
        return [prediction_from_result(r) for r in self.tm.call_batch(list(queries), self.config)]


def _tokmem(tm: "TokMem", *, config: DecodeConfig | None = None, **kw: Any) -> TokMemMethod:
    """TokMem decoding with ``config`` (default: :class:`DecodeConfig`), any field given in ``kw`` replacing its value."""
    return TokMemMethod(tm, replace(config if config is not None else DecodeConfig(), **kw))


def _baseline(name: str) -> Callable[..., Method]:
    def build(tm: "TokMem", *, constrained: bool = False, **kw: Any) -> Method:
        cls = BASELINES[name]
        specs = list(tm.bank.specs.values())
        if not specs:
            raise UserInputError(f"{name}: the bank holds no tools to put in the prompt")
        if name != "rag":
            kw.pop("k", None)
            kw.pop("retriever", None)
        try:
            method = cls(tm.backbone.model, tm.backbone.tokenizer, specs, constrained=constrained, **kw)
        except NotImplementedError as e:
            raise UserInputError(f"{name}: {e}") from None
        method.constrained = constrained  # type: ignore[attr-defined]
        return method

    return build


def _lora(
    tm: "TokMem",
    *,
    constrained: bool = False,
    data: Sequence[Example] = (),
    config: Any = None,
    train: Any = None,
    progress: Callable[..., None] | None = None,
    **kw: Any,
) -> Method:
    """A LoRA adapter trained now on what TokMem trains on for the bank's tools: their spec examples
    plus ``data`` (and ``train.synthesize`` compositions); decoding without tool text in the prompt."""
    from .config import TrainConfig
    from .lora_baseline import LoRAConfig, LoRAMethod, tokmem_training_set

    if constrained:
        raise UserInputError("lora: schema-constrained decoding is not implemented")
    specs = list(tm.bank.specs.values())
    if not specs:
        raise UserInputError("lora: the bank holds no tools to train on")
    train = train or TrainConfig()
    method = LoRAMethod(tm.backbone, specs, config or LoRAConfig.matching(train), **kw)
    method.fit(tokmem_training_set(tm.backbone, specs, data, train), progress)
    return method


METHODS: dict[str, Callable[..., Method]] = {
    "tokmem": _tokmem,
    **{n: _baseline(n) for n in BASELINES},
    "lora": _lora,
}
"""Method builders by name: ``builder(tm, *, constrained=..., **options) -> Method``."""


def get_method(name: str, tm: "TokMem", **kw: Any) -> Method:
    """Build the method ``name`` on the bank ``tm`` (its backbone, and its tools for prompt baselines).

    Options: ``constrained`` (tokmem: schema constraint, default on; icl/rag/lora: off, on is not
    implemented), ``k`` and ``retriever`` for rag, ``max_new_tokens``/``batch_size`` for icl/rag/lora,
    a whole :class:`DecodeConfig` as ``config`` and/or any of its fields for tokmem; lora trains
    when built: ``data`` (extra training examples), ``config`` (:class:`~.lora_baseline.LoRAConfig`), ``train`` (the TokMem
    :class:`~.config.TrainConfig` whose data plan and step budget it copies), ``progress``.
    """
    try:
        builder = METHODS[name]
    except KeyError:
        raise UserInputError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}") from None
    return builder(tm, **kw)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def run_eval(
    method: Method,
    examples: Sequence[Example],
    specs: Mapping[str, ToolSpec] | Sequence[ToolSpec],
    limit: int | None = None,
    *,
    model: str | None = None,
    chunk_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
    records: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Predict every example's query with ``method`` and score it; returns the report as a dict.

    Adds ``method``, ``model``, ``constrained``, ``trainable_parameters``, ``train_seconds`` (when
    the method trained itself, else None), ``peak_rss_mb`` (of the whole process, model loading
    included) and ``total_seconds`` to :meth:`Report.to_json`.
    ``progress(done, total)`` is called after each chunk of queries. ``records``, when given, gets
    one :func:`~tokmem_agents.metrics.prediction_record` per example (what was predicted, right or not).
    """
    if limit is not None:
        if limit < 1:
            raise UserInputError(f"limit must be at least 1, got {limit}")
        examples = examples[:limit]
    if not examples:
        raise UserInputError("no examples to evaluate")
    spec_map = specs if isinstance(specs, Mapping) else {s.name: s for s in specs}
    unknown = sorted({n for e in examples for n in e.tool_names if n not in spec_map})
    if unknown:
        log.warning("the data names %d tool(s) the method does not know: %s", len(unknown), ", ".join(unknown[:10]))
    start = time.perf_counter()
    predictions: list[Prediction] = []
    queries = [e.query for e in examples]
    for i in range(0, len(queries), max(1, chunk_size)):
        predictions.extend(method.predict(queries[i : i + chunk_size]))
        if progress is not None:
            progress(len(predictions), len(queries))
    total = time.perf_counter() - start
    report = evaluate(examples, predictions, spec_map).to_json()
    if records is not None:
        records.extend(prediction_record(e, p) for e, p in zip(examples, predictions))
    report.update(
        method=method.name,
        model=model,
        constrained=bool(getattr(method, "constrained", False)),
        trainable_parameters=int(method.trainable_parameters),
        train_seconds=getattr(method, "train_seconds", None),
        peak_rss_mb=round(peak_rss_mb(), 1),
        total_seconds=round(total, 3),
    )
    return report
