"""The evaluation metrics: one definition, used by every method and every benchmark.

Inputs are pairs of a gold :class:`~tokmem_agents.bank.records.Example` and a :class:`Prediction`.
Definitions (``G``/``P`` are the gold/predicted calls of one example):

* **Tool precision/recall/F1** compare the *multisets* of tool names of ``G`` and ``P``
  (``tp = |names(G) ∩ names(P)|`` as multisets). The headline numbers are **micro**-averaged:
  ``tp``, ``|P|`` and ``|G|`` are summed over the dataset before dividing. The ``*_macro`` numbers
  average the per-example values.
* **Zero denominators**: a ratio whose denominator is empty is 1.0 when both sides are empty
  ("nothing expected, nothing predicted") and 0.0 otherwise. So precision with nothing predicted is
  0.0 unless nothing was expected either; an F1 whose precision and recall are both 0 is 0.
* **Sequence accuracy**: the ordered list of predicted names equals the gold one.
* **Per-call argument EM** (``call_em``): calls are aligned *per tool, by order of occurrence*: the
  k-th gold call of tool T is paired with the k-th predicted call of T (when the predicted order is
  right this is plain position alignment, and one missing or extra call of another tool does not
  shift every later pair). A gold call scores 1 when its partner exists and has equal arguments.
  ``call_em = hits / gold calls``; ``call_em_aligned = hits / aligned pairs`` isolates argument
  quality from routing.
* **Full EM**: the predicted calls equal the gold calls, in order, names and arguments.
* **Argument equality** compares :func:`canonical_json` strings: keys sorted, compact separators,
  integral floats written as integers (``1.0 == 1``), booleans distinct from numbers.
* **Paper-style** (TokMem Table 3): per example, set F1 of tool names (``paper_tool_f1``) and set F1
  of ``name + canonical arguments`` strings (``paper_arg_f1``); duplicates collapse; both
  macro-averaged over examples, also per number of gold calls in ``by_calls``.
* **Schema validity**: share of emitted calls whose arguments validate against their tool's schema.
  A call of an unknown tool, and every unparseable call attempt (``Prediction.invalid``), is invalid.
  With nothing emitted the rate is 1.0 (``n_calls_emitted`` says so). A call the decoder stopped at a
  budget and the grammar closed counts as valid here: it is schema-valid, though not what the model wrote.
* **Truncated rate**: share of emitted calls stopped before the model closed them (``Prediction.truncated``:
  token budget, repetition guard, time budget); 0.0 with nothing emitted.
* **No-tool false-call rate**: share of gold-empty examples whose prediction holds any call or call
  attempt (0.0 when the set has no gold-empty example; ``n_no_tool`` says so).
* **Cost**: mean prompt (prefill) tokens and mean wall seconds per query.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..bank.records import Example, ToolCall
from ..bank.specs import ToolSpec
from ..errors import TokMemError


@dataclass
class Prediction:
    """What a method produced for one query, and what it cost.

    ``invalid`` holds the raw text of call attempts that could not be parsed into a
    :class:`ToolCall`; they count as emitted, schema-invalid calls. ``truncated`` counts the emitted
    calls (parsed or not) that the decoder stopped before the model closed them.
    """

    calls: list[ToolCall]
    text: str = ""
    prompt_tokens: int = 0
    seconds: float = 0.0
    invalid: list[str] = field(default_factory=list)
    truncated: int = 0


@dataclass
class Report:
    """All metrics of one evaluation run; ``to_json`` gives the dict written to disk."""

    n: int
    tool_precision: float
    tool_recall: float
    tool_f1: float
    tool_precision_macro: float
    tool_recall_macro: float
    tool_f1_macro: float
    sequence_acc: float
    call_em: float
    call_em_aligned: float
    full_em: float
    paper_tool_f1: float
    paper_arg_f1: float
    schema_valid: float
    truncated_rate: float
    n_calls_emitted: int
    no_tool_false_call_rate: float
    n_no_tool: int
    prompt_tokens_per_query: float
    seconds_per_query: float
    by_calls: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (what ``eval --json`` prints)."""
        return asdict(self)


# --- primitives -------------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Mapping):
        return {str(k): _norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Sorted, compact JSON of ``value`` with integral floats as integers (the equality we use)."""
    return json.dumps(_norm(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _ratio(num: float, den: float, other_empty: bool) -> float:
    """``num/den``; with ``den == 0``: 1.0 if the other side is empty too, else 0.0."""
    if den:
        return num / den
    return 1.0 if other_empty else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def prf(gold: Iterable[str], pred: Iterable[str]) -> tuple[float, float, float]:
    """Multiset precision, recall, F1 of ``pred`` against ``gold`` (zero-denominator rule above)."""
    g, p = Counter(gold), Counter(pred)
    tp, ng, np_ = sum((g & p).values()), sum(g.values()), sum(p.values())
    prec, rec = _ratio(tp, np_, ng == 0), _ratio(tp, ng, np_ == 0)
    return prec, rec, _f1(prec, rec)


def set_f1(gold: Iterable[str], pred: Iterable[str]) -> float:
    """Set F1 (duplicates collapse), as in the paper; both empty gives 1.0."""
    return prf(set(gold), set(pred))[2]


def call_key(call: ToolCall) -> str:
    """``name`` + canonical arguments: the identity of a call for argument metrics."""
    return f"{call.name}({canonical_json(call.arguments)})"


def align_calls(gold: Sequence[ToolCall], pred: Sequence[ToolCall]) -> list[tuple[ToolCall, ToolCall | None]]:
    """Pair each gold call with the predicted call of the same tool and the same occurrence index."""
    by_name: dict[str, list[ToolCall]] = {}
    for c in pred:
        by_name.setdefault(c.name, []).append(c)
    seen: Counter[str] = Counter()
    out: list[tuple[ToolCall, ToolCall | None]] = []
    for g in gold:
        k = seen[g.name]
        seen[g.name] += 1
        cands = by_name.get(g.name, [])
        out.append((g, cands[k] if k < len(cands) else None))
    return out


def call_valid(call: ToolCall, specs: Mapping[str, ToolSpec]) -> bool:
    """True when the tool is known and its arguments validate against the tool's schema."""
    spec = specs.get(call.name)
    return spec is not None and not spec.validate_arguments(call.arguments)


# --- aggregation ------------------------------------------------------------------------------


@dataclass
class _Acc:
    """Running sums for one group of examples (the whole set or one ``by_calls`` bucket)."""

    n: int = 0
    tp: int = 0
    n_gold: int = 0
    n_pred: int = 0
    p_sum: float = 0.0
    r_sum: float = 0.0
    f_sum: float = 0.0
    seq: int = 0
    full: int = 0
    hits: int = 0
    gold_calls: int = 0
    aligned: int = 0
    ptool: float = 0.0
    parg: float = 0.0

    def add(self, ex: Example, pred: Prediction) -> None:
        gold_names, pred_names = ex.tool_names, [c.name for c in pred.calls]
        self.n += 1
        self.tp += sum((Counter(gold_names) & Counter(pred_names)).values())
        self.n_gold += len(gold_names)
        self.n_pred += len(pred_names)
        p, r, f = prf(gold_names, pred_names)
        self.p_sum, self.r_sum, self.f_sum = self.p_sum + p, self.r_sum + r, self.f_sum + f
        gold_keys, pred_keys = [call_key(c) for c in ex.calls], [call_key(c) for c in pred.calls]
        self.seq += gold_names == pred_names  # as in prediction_record's "tools_right"
        self.full += gold_keys == pred_keys  # "exact"
        for g, q in align_calls(ex.calls, pred.calls):
            self.gold_calls += 1
            if q is not None:
                self.aligned += 1
                self.hits += canonical_json(g.arguments) == canonical_json(q.arguments)
        self.ptool += set_f1(gold_names, pred_names)
        self.parg += set_f1(gold_keys, pred_keys)

    def micro(self) -> tuple[float, float, float]:
        p = _ratio(self.tp, self.n_pred, self.n_gold == 0)
        r = _ratio(self.tp, self.n_gold, self.n_pred == 0)
        return p, r, _f1(p, r)

    def bucket(self) -> dict[str, float]:
        n = max(self.n, 1)
        return {
            "n": self.n,
            "tool_f1": self.micro()[2],
            "sequence_acc": self.seq / n,
            "full_em": self.full / n,
            "paper_tool_f1": self.ptool / n,
            "paper_arg_f1": self.parg / n,
        }


def prediction_record(ex: Example, pred: Prediction) -> dict[str, Any]:
    """One line of an evaluation's predictions file: the query, gold and predicted calls, and whether
    the tools (in order) and the whole answer were right, as the metrics count them."""
    one = _Acc()
    one.add(ex, pred)
    return {
        "query": ex.query,
        "gold": [c.to_json() for c in ex.calls],
        "predicted": [c.to_json() for c in pred.calls],
        "text": pred.text,
        "invalid": list(pred.invalid),
        "tools_right": one.seq == 1,
        "exact": one.full == 1,
    }


def _as_spec_map(specs: Mapping[str, ToolSpec] | Sequence[ToolSpec]) -> Mapping[str, ToolSpec]:
    return specs if isinstance(specs, Mapping) else {s.name: s for s in specs}


def evaluate(
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    specs: Mapping[str, ToolSpec] | Sequence[ToolSpec],
) -> Report:
    """Score ``predictions`` against ``examples`` (same order) with every metric of the module doc."""
    if len(examples) != len(predictions):
        raise TokMemError(f"evaluate: {len(examples)} examples but {len(predictions)} predictions")
    if not examples:
        raise TokMemError("evaluate: no examples to score")
    spec_map = _as_spec_map(specs)
    total = _Acc()
    buckets: dict[int, _Acc] = {}
    emitted = valid = truncated = no_tool = false_calls = 0
    tokens = seconds = 0.0
    for ex, pred in zip(examples, predictions):
        total.add(ex, pred)
        buckets.setdefault(len(ex.calls), _Acc()).add(ex, pred)
        emitted += len(pred.calls) + len(pred.invalid)
        valid += sum(call_valid(c, spec_map) for c in pred.calls)
        truncated += pred.truncated
        if not ex.calls:
            no_tool += 1
            false_calls += bool(pred.calls or pred.invalid)
        tokens += pred.prompt_tokens
        seconds += pred.seconds
    n = len(examples)
    d = max(n, 1)
    p, r, f = total.micro()
    return Report(
        n=n,
        tool_precision=p,
        tool_recall=r,
        tool_f1=f,
        tool_precision_macro=total.p_sum / d,
        tool_recall_macro=total.r_sum / d,
        tool_f1_macro=total.f_sum / d,
        sequence_acc=total.seq / d,
        call_em=_ratio(total.hits, total.gold_calls, total.n_pred == 0),
        call_em_aligned=_ratio(total.hits, total.aligned, total.gold_calls == 0 and total.n_pred == 0),
        full_em=total.full / d,
        paper_tool_f1=total.ptool / d,
        paper_arg_f1=total.parg / d,
        schema_valid=_ratio(valid, emitted, True),
        truncated_rate=truncated / emitted if emitted else 0.0,
        n_calls_emitted=emitted,
        no_tool_false_call_rate=false_calls / no_tool if no_tool else 0.0,
        n_no_tool=no_tool,
        prompt_tokens_per_query=tokens / d,
        seconds_per_query=seconds / d,
        by_calls={str(k): buckets[k].bucket() for k in sorted(buckets)},
    )
