"""The evaluation harness: any method, the same data, the metrics of :mod:`.metrics`, and what it cost.

    tm = TokMem.open("my-bank")
    report = run_eval(get_method("tokmem", tm), load_jsonl("eval.jsonl"), tm.bank.specs, model=tm.backbone.model_id)
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from typing import Any, Callable, Mapping, Sequence

from ..bank.records import Example
from ..bank.specs import ToolSpec
from ..errors import UserInputError
from .metrics import Prediction, evaluate, prediction_record
from .methods.base import Method

log = logging.getLogger(__name__)


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
    one :func:`~tokmem_agents.evaluation.metrics.prediction_record` per example (what was predicted, right or not).
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
