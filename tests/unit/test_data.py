"""Compositional JSONL data: loading, validation against specs, and synthesis of multi-call examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokmem_agents.bank.records import Example, ToolCall, check_examples, load_jsonl, parse_example, spec_examples
from tokmem_agents.training.synthesis import CONNECTORS, synthesize_compositional
from tokmem_agents.errors import DataError, UserInputError
from tokmem_agents.bank.specs import parse_spec

WEATHER = parse_spec(
    {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "examples": [
            {"query": "What's the weather in Paris?", "arguments": {"city": "Paris"}},
            {"query": "Is it raining in Oslo", "arguments": {"city": "Oslo"}},
        ],
    }
)
TIMER = parse_spec(
    {
        "name": "set_timer",
        "parameters": {"type": "object", "properties": {"minutes": {"type": "integer"}}, "required": ["minutes"]},
        "examples": [{"query": "Set a timer for 5 minutes.", "arguments": {"minutes": 5}}],
    }
)
SPECS = {s.name: s for s in (WEATHER, TIMER)}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- parsing -----------------------------------------------------------------------------------
def test_load_jsonl_reads_calls_in_order_and_skips_blank_lines(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "d.jsonl",
        [
            json.dumps({"query": "weather in Rome then a 3 minute timer", "calls": [
                {"name": "get_weather", "arguments": {"city": "Rome"}},
                {"name": "set_timer", "arguments": {"minutes": 3}},
            ]}),
            "",
            "   ",
            json.dumps({"query": "tell me a joke", "calls": []}),
        ],
    )
    exs = load_jsonl(path)
    assert len(exs) == 2
    assert exs[0].tool_names == ["get_weather", "set_timer"]
    assert exs[0].calls[1] == ToolCall("set_timer", {"minutes": 3})
    assert exs[1].calls == () and exs[1].tool_names == []  # empty calls: no tool


def test_windows_line_endings_and_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    a = json.dumps({"query": "a", "calls": []})
    path.write_bytes((a + "\r\n" + a).encode())
    assert len(load_jsonl(path)) == 2


def test_unicode_line_separators_inside_strings_do_not_split_a_line(tmp_path: Path) -> None:
    # json.dumps(ensure_ascii=False) writes U+2028 / U+0085 raw; only "\n" ends a JSONL line.
    path = tmp_path / "d.jsonl"
    q = "first\u2028second\x85third"
    path.write_text(json.dumps({"query": q, "calls": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert [e.query for e in load_jsonl(path)] == [q]


def test_arguments_default_to_empty_object() -> None:
    ex = parse_example({"query": "q", "calls": [{"name": "now"}]})
    assert ex.calls == (ToolCall("now", {}),)


def test_example_json_round_trip() -> None:
    ex = Example("q", (ToolCall("a", {"x": [1, {"y": None}]}), ToolCall("a", {})))
    assert parse_example(json.loads(json.dumps(ex.to_json()))) == ex


@pytest.mark.parametrize(
    "raw, expected",
    [
        ([], "expected a JSON object, got list"),
        ({"query": "q"}, 'field "calls": expected a list'),
        ({"query": "q", "calls": {}}, 'field "calls": expected a list'),
        ({"calls": []}, 'field "query": expected a non-empty string'),
        ({"query": "  ", "calls": []}, 'field "query"'),
        ({"query": 3, "calls": []}, 'field "query"'),
        ({"query": "q", "calls": [], "answer": "x"}, "unexpected field(s) ['answer']"),
        ({"query": "q", "calls": ["get_weather"]}, 'field "calls.0"'),
        ({"query": "q", "calls": [{"name": "a", "args": {}}]}, 'field "calls.0"'),
        ({"query": "q", "calls": [{"arguments": {}}]}, 'field "calls.0.name"'),
        ({"query": "q", "calls": [{"name": "", "arguments": {}}]}, 'field "calls.0.name"'),
        ({"query": "q", "calls": [{"name": "a", "arguments": {}}, {"name": "a", "arguments": [1]}]}, 'field "calls.1.arguments": expected a JSON object'),
        ({"query": "q", "calls": [{"name": "a", "arguments": '{"city": "x"}'}]}, 'field "calls.0.arguments"'),
    ],
)
def test_bad_records_raise_data_error_naming_file_line_and_field(tmp_path: Path, raw: Any, expected: str) -> None:
    path = write_lines(tmp_path / "d.jsonl", [json.dumps({"query": "fine", "calls": []}), json.dumps(raw)])
    with pytest.raises(DataError) as e:
        load_jsonl(path)
    assert str(e.value).startswith(f"{path}:2: ")
    assert expected in str(e.value)


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"query": "q", "calls": []}\n{"query": "q", "calls": [}\n', ":2: invalid JSON"),
        ('{"query": "q", "calls": [', ":1: invalid JSON"),
        ("\n\n  \n", "no examples"),
        ("", "no examples"),
        ("[" * 100_000 + "]" * 100_000 + "\n", ":1: invalid JSON: nested too deeply"),
    ],
)
def test_unreadable_jsonl(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=expected):
        load_jsonl(path)


def test_missing_binary_and_directory_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_jsonl(tmp_path / "nope.jsonl")
    (tmp_path / "b.jsonl").write_bytes(b"\xff\xfe\x81\n")
    with pytest.raises(DataError, match="cannot read"):
        load_jsonl(tmp_path / "b.jsonl")
    with pytest.raises(DataError, match="cannot read"):
        load_jsonl(tmp_path)


def test_data_error_is_a_user_input_error() -> None:
    assert issubclass(DataError, UserInputError) and DataError.exit_code == 2


# -- validation against specs ------------------------------------------------------------------
def test_check_examples_accepts_valid_calls_and_no_tool() -> None:
    check_examples(
        [Example("q", (ToolCall("get_weather", {"city": "Rome"}), ToolCall("set_timer", {"minutes": 2}))), Example("hi")],
        SPECS,
    )


def test_check_examples_unknown_tool() -> None:
    exs = [Example("weather please", (ToolCall("get_weather", {"city": "x"}),)), Example("fly me", (ToolCall("book_flight", {}),))]
    with pytest.raises(DataError) as e:
        check_examples(exs, SPECS, source="data.jsonl")
    msg = str(e.value)
    assert msg.startswith("data.jsonl: example 2 ('fly me')")
    assert "call 1 names unknown tool 'book_flight'" in msg


def test_check_examples_invalid_arguments() -> None:
    exs = [Example("timer", (ToolCall("get_weather", {"city": "x"}), ToolCall("set_timer", {"minutes": "five"})))]
    with pytest.raises(DataError) as e:
        check_examples(exs, SPECS)
    assert "tool 'set_timer' arguments: minutes: 'five' is not of type 'integer'" in str(e.value)


def test_spec_examples_are_single_calls() -> None:
    exs = spec_examples(WEATHER)
    assert [e.query for e in exs] == ["What's the weather in Paris?", "Is it raining in Oslo"]
    assert all(len(e.calls) == 1 and e.calls[0].name == "get_weather" for e in exs)
    assert exs[0].calls[0].arguments == {"city": "Paris"}


# -- compositional synthesis ------------------------------------------------------------------
POOLS = {
    "a": [Example(f"do a number {i}", (ToolCall("a", {"i": i}),)) for i in range(4)],
    "b": [Example(f"Do b number {i}?", (ToolCall("b", {"i": i}),)) for i in range(4)],
    "c": [Example(f"Please do c {i}!", (ToolCall("c", {"i": i}),)) for i in range(4)],
    "d": [Example(f"d {i}", (ToolCall("d", {"i": i}),)) for i in range(4)],
    "e": [Example(f"e {i}", (ToolCall("e", {"i": i}),)) for i in range(4)],
}


def _source(call: ToolCall) -> Example:
    return next(e for e in POOLS[call.name] if e.calls[0] == call)


def test_synthesis_joins_different_tools_in_query_order() -> None:
    out = synthesize_compositional(POOLS, 40, seed=3)
    assert len(out) == 40
    for ex in out:
        names = ex.tool_names
        assert 2 <= len(names) <= 4
        assert len(set(names)) == len(names), "a synthesised example repeats a tool"
        # each single query appears (first letter maybe lower-cased, final punctuation dropped) in call order
        pos = -1
        for c in ex.calls:
            q = _source(c).query.rstrip(".?!")
            i = max(ex.query.find(q), ex.query.find(q[:1].lower() + q[1:]))
            assert i > pos, (ex.query, q)
            pos = i
        assert ex.query.endswith(".")
    connectors = {c.strip().rstrip(",").lower() for c in CONNECTORS}
    assert any(any(c in ex.query.lower() for c in connectors) for ex in out)


def test_synthesis_is_deterministic_with_a_seed() -> None:
    assert synthesize_compositional(POOLS, 20, seed=7) == synthesize_compositional(POOLS, 20, seed=7)
    assert synthesize_compositional(POOLS, 20, seed=7) != synthesize_compositional(POOLS, 20, seed=8)


def test_synthesis_respects_bounds_and_must_include() -> None:
    out = synthesize_compositional(POOLS, 50, min_calls=2, max_calls=2, seed=1, must_include=["e"])
    assert all(len(ex.calls) == 2 and "e" in ex.tool_names for ex in out)


def test_synthesis_needs_two_tools() -> None:
    assert synthesize_compositional({"a": POOLS["a"]}, 10) == []
    assert synthesize_compositional({"a": POOLS["a"], "b": []}, 10) == []
    assert synthesize_compositional(POOLS, 0) == []
    assert synthesize_compositional(POOLS, 5, must_include=["zzz"]) == []
    # two tools cap the number of calls at two
    assert all(len(e.calls) == 2 for e in synthesize_compositional({k: POOLS[k] for k in "ab"}, 10, max_calls=4))


def test_synthesised_examples_validate_like_user_data() -> None:
    pools = {s.name: spec_examples(s) for s in SPECS.values()}
    out = synthesize_compositional(pools, 10, seed=0)
    check_examples(out, SPECS)
    assert all(parse_example(e.to_json()) == e for e in out)


# -- fuzz: half-finished or hand-edited JSONL never ends in a traceback ---------------------------
_line = st.one_of(
    st.text(max_size=30),
    st.builds(
        json.dumps,
        st.fixed_dictionaries(
            {},
            optional={
                "query": st.text(max_size=6) | st.integers(),
                "calls": st.lists(
                    st.fixed_dictionaries({}, optional={"name": st.text(max_size=4) | st.none(), "arguments": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2) | st.text(max_size=3)}),
                    max_size=2,
                )
                | st.text(max_size=3),
                "extra": st.integers(),
            },
        ),
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.lists(_line, max_size=4), cut=st.integers(min_value=0, max_value=400))
def test_fuzzed_jsonl_loads_or_raises_data_error(tmp_path: Path, lines: list[str], cut: int) -> None:
    path = tmp_path / "fuzz.jsonl"
    text = "\n".join(lines)
    path.write_text(text[: max(cut, 0)] if cut < len(text) else text, encoding="utf-8")
    try:
        exs = load_jsonl(path)
    except DataError as e:
        assert str(e).startswith(str(path)) and "\n" not in str(e)
        return
    assert exs and all(isinstance(e, Example) and e.query.strip() for e in exs)
