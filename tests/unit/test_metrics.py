"""Every metric of tokmem_agents.evaluation.metrics checked against numbers computed by hand."""

from __future__ import annotations

import json

import pytest

from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.errors import TokMemError
from tokmem_agents.evaluation.metrics import Prediction, align_calls, call_valid, canonical_json, evaluate, prf, set_f1
from tokmem_agents.bank.specs import ToolSpec

WEATHER = ToolSpec(
    name="weather",
    description="Current weather in a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
ADD = ToolSpec(
    name="add",
    description="Add two integers.",
    parameters={
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
)
SPECS = {s.name: s for s in (WEATHER, ADD)}


def w(city: str) -> ToolCall:
    return ToolCall("weather", {"city": city})


def add(a: object, b: object) -> ToolCall:
    return ToolCall("add", {"a": a, "b": b})


def ex(*calls: ToolCall) -> Example:
    return Example("q", tuple(calls))


def pred(*calls: ToolCall, tokens: int = 0, seconds: float = 0.0, invalid: list[str] | None = None) -> Prediction:
    return Prediction(list(calls), "", tokens, seconds, invalid or [])


# --- primitives -------------------------------------------------------------------------------


def test_canonical_json_ignores_key_order_and_float_form_but_not_bool() -> None:
    assert canonical_json({"b": 1, "a": [1.0, {"y": 2, "x": 3}]}) == '{"a":[1,{"x":3,"y":2}],"b":1}'
    assert canonical_json({"a": 1.0}) == canonical_json({"a": 1})
    assert canonical_json({"a": True}) != canonical_json({"a": 1})
    assert canonical_json({"a": 1.5}) == '{"a":1.5}'
    assert canonical_json({"city": "Zürich"}) == '{"city":"Zürich"}'


@pytest.mark.parametrize(
    ("gold", "pred_", "expected"),
    [
        ([], [], (1.0, 1.0, 1.0)),  # nothing expected, nothing predicted: perfect
        (["a"], [], (0.0, 0.0, 0.0)),  # nothing predicted: precision 0, not vacuous 1
        ([], ["a"], (0.0, 0.0, 0.0)),  # false call on a no-tool query
        (["a", "a", "b"], ["a", "b", "b"], (2 / 3, 2 / 3, 2 / 3)),  # multiset: duplicates count
        (["a", "b"], ["a"], (1.0, 0.5, 2 / 3)),
    ],
)
def test_prf_multiset_and_zero_denominators(gold: list[str], pred_: list[str], expected: tuple) -> None:
    assert prf(gold, pred_) == pytest.approx(expected)


def test_set_f1_collapses_duplicates() -> None:
    assert set_f1(["a", "a"], ["a"]) == 1.0
    assert set_f1([], []) == 1.0
    assert set_f1(["a", "b"], ["a", "c"]) == pytest.approx(0.5)


def test_align_calls_pairs_kth_occurrence_of_each_tool() -> None:
    a1, a2, b1 = add(1, 1), add(2, 2), w("Oslo")
    pairs = align_calls([a1, b1, a2], [b1, add(1, 9)])
    assert pairs == [(a1, add(1, 9)), (b1, b1), (a2, None)]


def test_call_valid_unknown_tool_and_bad_arguments() -> None:
    assert call_valid(w("Paris"), SPECS)
    assert not call_valid(add(1, "x"), SPECS)
    assert not call_valid(ToolCall("email", {}), SPECS)
    assert not call_valid(ToolCall("weather", {"city": "Paris", "extra": 1}), SPECS)  # undeclared key


# --- evaluate ---------------------------------------------------------------------------------

# Five examples, every number below computed by hand (see the comments).
EXAMPLES = [
    ex(w("Paris")),  # 1: perfect
    ex(add(1, 2), w("Rome")),  # 2: right tools, wrong order, one wrong argument
    ex(),  # 3: no tool, none predicted
    ex(),  # 4: no tool, a (schema-invalid) false call
    ex(w("Oslo"), w("Oslo")),  # 5: nothing parsed, one unparseable attempt
]
PREDICTIONS = [
    pred(w("Paris"), tokens=10, seconds=0.1),
    pred(w("Rome"), add(1, 3), tokens=20, seconds=0.2),
    pred(tokens=30, seconds=0.3),
    pred(add(1, "x"), tokens=40, seconds=0.4),
    pred(tokens=50, seconds=0.5, invalid=['<tool_call>{"name": "weather", "argu']),
]


@pytest.fixture(scope="module")
def report():
    return evaluate(EXAMPLES, PREDICTIONS, [WEATHER, ADD])


def test_tool_prf_micro_and_macro(report) -> None:
    # tp = 1+2+0+0+0 = 3, predicted = 1+2+0+1+0 = 4, gold = 1+2+0+0+2 = 5
    assert report.tool_precision == pytest.approx(3 / 4)
    assert report.tool_recall == pytest.approx(3 / 5)
    assert report.tool_f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    # per example P/R/F1: 1, 1, 1, 0, 0
    assert report.tool_precision_macro == pytest.approx(0.6)
    assert report.tool_recall_macro == pytest.approx(0.6)
    assert report.tool_f1_macro == pytest.approx(0.6)


def test_sequence_call_and_full_em(report) -> None:
    assert report.sequence_acc == pytest.approx(2 / 5)  # examples 1 and 3
    # gold calls 5; aligned pairs: ex1 (1), ex2 (2); argument hits: ex1 weather, ex2 weather
    assert report.call_em == pytest.approx(2 / 5)
    assert report.call_em_aligned == pytest.approx(2 / 3)
    assert report.full_em == pytest.approx(2 / 5)


def test_paper_style_set_f1(report) -> None:
    assert report.paper_tool_f1 == pytest.approx((1 + 1 + 1 + 0 + 0) / 5)
    # ex2: {add(1,2), weather(Rome)} vs {weather(Rome), add(1,3)} -> 0.5
    assert report.paper_arg_f1 == pytest.approx((1 + 0.5 + 1 + 0 + 0) / 5)


def test_by_calls_buckets(report) -> None:
    b = report.by_calls
    assert set(b) == {"0", "1", "2"}
    assert b["0"]["n"] == 2 and b["0"]["paper_tool_f1"] == pytest.approx(0.5)
    assert b["1"] == pytest.approx(
        {"n": 1, "tool_f1": 1.0, "sequence_acc": 1.0, "full_em": 1.0, "paper_tool_f1": 1.0, "paper_arg_f1": 1.0}
    )
    # bucket 2 = examples 2 and 5: tp 2, predicted 2, gold 4 -> P 1, R 0.5
    assert b["2"]["tool_f1"] == pytest.approx(2 / 3)
    assert b["2"]["paper_tool_f1"] == pytest.approx(0.5)
    assert b["2"]["paper_arg_f1"] == pytest.approx(0.25)
    assert b["2"]["full_em"] == 0.0


def test_schema_validity_counts_unknown_and_unparseable_as_invalid(report) -> None:
    # emitted: 1 + 2 + 0 + 1 + 0 calls + 1 unparseable attempt = 5; valid: ex1, ex2 x2
    assert report.n_calls_emitted == 5
    assert report.schema_valid == pytest.approx(3 / 5)


def test_truncated_calls_are_schema_valid_but_counted_apart() -> None:
    # 3 emitted calls (2 parsed, 1 unparseable); the grammar closed one parsed call at the budget
    # (valid), the unparseable attempt was cut unconstrained (invalid): 2 of 3 truncated
    preds = [
        Prediction([w("Paris"), w("Ro")], truncated=1),
        Prediction([], invalid=['{"city": "Os'], truncated=1),
    ]
    r = evaluate([ex(w("Paris"), w("Rome")), ex(w("Oslo"))], preds, SPECS)
    assert r.n_calls_emitted == 3
    assert r.schema_valid == pytest.approx(2 / 3)
    assert r.truncated_rate == pytest.approx(2 / 3)


def test_no_truncation_is_a_zero_rate(report) -> None:
    assert report.truncated_rate == 0.0


def test_no_tool_false_call_rate_and_cost(report) -> None:
    assert report.n_no_tool == 2
    assert report.no_tool_false_call_rate == pytest.approx(0.5)
    assert report.prompt_tokens_per_query == pytest.approx(30)
    assert report.seconds_per_query == pytest.approx(0.3)


def test_to_json_has_the_documented_keys(report) -> None:
    data = report.to_json()
    json.dumps(data)  # serialisable as is
    for key in (
        "n", "tool_precision", "tool_recall", "tool_f1", "sequence_acc", "call_em", "full_em",
        "schema_valid", "prompt_tokens_per_query", "seconds_per_query", "paper_tool_f1",
        "paper_arg_f1", "by_calls", "no_tool_false_call_rate", "truncated_rate",
    ):
        assert key in data
    assert data["n"] == 5


def test_all_empty_is_perfect() -> None:
    r = evaluate([ex(), ex()], [pred(), pred()], SPECS)
    assert (r.tool_precision, r.tool_recall, r.tool_f1) == (1.0, 1.0, 1.0)
    assert r.sequence_acc == r.full_em == r.call_em == r.paper_tool_f1 == r.paper_arg_f1 == 1.0
    assert r.no_tool_false_call_rate == 0.0
    assert r.schema_valid == 1.0 and r.n_calls_emitted == 0
    assert r.truncated_rate == 0.0


def test_no_call_predicted_scores_zero_argument_match() -> None:
    r = evaluate([ex(w("Oslo"))], [pred()], SPECS)
    assert r.call_em == r.call_em_aligned == r.full_em == r.tool_f1 == 0.0


def test_argument_key_order_and_number_form_do_not_matter() -> None:
    gold = ex(ToolCall("add", {"a": 1, "b": 2}))
    r = evaluate([gold], [pred(ToolCall("add", {"b": 2.0, "a": 1}))], SPECS)
    assert r.full_em == r.call_em == r.paper_arg_f1 == 1.0


def test_mismatched_lengths_and_empty_input_are_errors() -> None:
    with pytest.raises(TokMemError, match="1 examples but 2 predictions"):
        evaluate([ex()], [pred(), pred()], SPECS)
    with pytest.raises(TokMemError, match="no examples"):
        evaluate([], [], SPECS)
