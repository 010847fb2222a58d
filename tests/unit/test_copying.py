"""Copy bias: the JSON string-state scanner, closed choices of a schema, the query-span index, and
decoding with the bias on the tiny random model (logits steered by hand, so each test can fail)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from tokmem_agents.config import BankConfig, DecodeConfig
from tokmem_agents.decode.copying import CopyIndex, CopyVocab, closed_choice
from tokmem_agents.decode.scanner import OpenString, open_string
from tokmem_agents.decode.decoder import Decoder
from tokmem_agents.model.lm import MemoryLM
from tokmem_agents.bank.memory import LearnedTool, MemoryBank
from tokmem_agents.bank.specs import ToolSpec, parse_spec
from _tiny import tool_spec

Q = "What's the weather in Paris?"


@pytest.mark.parametrize(
    "text, found",
    [
        ('{"city": "Par', OpenString("Par", ("city",))),
        ('{"city": "', OpenString("", ("city",))),
        (' {"ci', None),  # a key, not a value
        ('{"a": "x", "b', None),
        ('{"a": "x"', None),  # closed
        ('{"a": 3, "b": "y', OpenString("y", ("b",))),
        ('{"a": ["x", "y', OpenString("y", ("a", None))),  # strings in arrays are values
        ('{"a": ["x"], "b', None),
        ('{"a": {"k": "v', OpenString("v", ("a", "k"))),
        ('{"a": {"k": "v"}, "b": "w', OpenString("w", ("b",))),  # the inner object's key is gone
        ('{"a": [{"k', None),
        ('{"a": [{"k": "v', OpenString("v", ("a", None, "k"))),
        ('{"a": "say \\"hi', OpenString('say \\"hi', ("a",))),  # an escaped quote does not close the string
        ('{"a": "back\\\\", "b', None),  # an escaped backslash does
        ('{"a\\"b": "v', OpenString("v", ('a\\"b',))),  # keys keep their escapes too
        ("", None),
    ],
)
def test_open_string(text: str, found: OpenString | None) -> None:
    assert open_string(text) == found


SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "mode": {"const": "fast"},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
        "names": {"type": "array", "items": {"type": "string"}},
        "where": {"type": "object", "properties": {"zone": {"enum": ["eu"]}, "street": {"type": "string"}}},
        "pair": {"type": "array", "items": [{"type": "string"}]},
    },
}


@pytest.mark.parametrize(
    "path, closed",
    [
        (("city",), False), (("unit",), True), (("mode",), True), (("tags", None), True), (("names", None), False),
        (("where", "zone"), True), (("where", "street"), False), (("unknown",), False), (("pair", None), False),
        (("city", "deeper"), False),
    ],
)
def test_closed_choice(path: tuple[str | None, ...], closed: bool) -> None:
    assert closed_choice(SCHEMA, path) is closed


TABLE = CopyVocab({"Sing": [1], "apore": [2], "SING": [3], "ER": [4], "S": [5], "ing": [6], " in": [7], "x": [8], '"': [9], '",': [10], ' "': [11]})
CLOSING = {9, 10}  # tokens that start with '"' close the string; ' "' adds a space first


def test_candidates_keep_the_value_a_span_of_the_query() -> None:
    idx = CopyIndex("weather in Singapore today", TABLE)
    assert set(idx.candidates("")) == {1, 2, 5, 6, 7} | CLOSING  # a substring of the query, or nothing
    assert set(idx.candidates("Sing")) == {2} | CLOSING  # ... then what extends the span, or the end
    assert set(idx.candidates("xxS")) == {6}  # the longest suffix in the query ("S") decides; ending
    # there would keep a value that is not a copy, so the closing tokens get no bias
    assert idx.candidates("SING") == []  # the value has left the query: no bias
    assert set(idx.candidates("Singapore today")) == CLOSING  # nothing left to copy but the end


def test_candidates_are_cached_per_suffix_and_wholeness() -> None:
    idx = CopyIndex("weather in Singapore today", TABLE)
    assert set(idx.candidates("S")) == {6} | CLOSING
    assert set(idx.candidates("xS")) == {6}  # same suffix "S", but the value is not a span


def test_copy_vocab_maps_text_to_ids(tiny_backbone: Any) -> None:
    tok = tiny_backbone.tokenizer
    vocab = CopyVocab.of_tokenizer(tok, tiny_backbone.text_vocab)
    for i in tok(' Paris", "x"}', add_special_tokens=False)["input_ids"]:
        assert i in vocab.ids[tok.decode([i])]
        assert (i in vocab.closing) == tok.decode([i]).startswith('"')
    assert vocab.closing and all(0 <= i < tiny_backbone.text_vocab for v in vocab.ids.values() for i in v)
    assert CopyVocab.of_tokenizer(tok, tiny_backbone.text_vocab) is vocab  # built once per process


def test_copy_bias_is_validated() -> None:
    with pytest.raises(ValueError, match="copy_bias"):
        DecodeConfig(copy_bias=-1.0)


def steered_decoder(bb: Any, spec: ToolSpec, favour: str) -> Decoder:
    """A one-tool bank whose token fires on ``Q``, with the model's logits raised by 20 on the first
    token of ``favour`` (so without a bias every string value starts with it) and by 10 on ' "' (so a
    value opens with it rather than with ' ""', which opens and closes it in one token)."""
    lm = MemoryLM(bb, torch.zeros(0, 64))
    with torch.no_grad():
        h, _ = lm.hidden(torch.tensor([bb.prompt_ids(Q)]))
    row = (h[0, -1] / h[0, -1].norm() * 0.4).unsqueeze(0)
    dec = Decoder(bb, MemoryBank(bb.fingerprint, BankConfig(coupled=True), [LearnedTool(spec)], row))
    first = bb.tokenizer(favour, add_special_tokens=False)["input_ids"][0]
    quote = bb.tokenizer(' "', add_special_tokens=False)["input_ids"][0]
    plain = dec.lm.logits

    def logits(h: torch.Tensor) -> torch.Tensor:
        out = plain(h).clone()
        out[..., first] += 20.0
        out[..., quote] += 10.0
        return out

    dec.lm.logits = logits  # type: ignore[method-assign]
    return dec


CFG = dict(require_call=True, max_calls=1, max_tokens_per_call=24, precision="fp32")


def test_a_huge_copy_bias_keeps_a_free_string_inside_the_query(tiny_backbone: Any) -> None:
    dec = steered_decoder(tiny_backbone, tool_spec("get_weather", "city"), "Oslo")
    plain = dec(Q, DecodeConfig(copy_bias=0.0, **CFG)).calls[0].arguments["city"]
    assert plain.startswith(tiny_backbone.tokenizer.decode(tiny_backbone.tokenizer("Oslo", add_special_tokens=False)["input_ids"][:1]))
    assert plain not in Q
    copied = dec(Q, DecodeConfig(copy_bias=1e4, **CFG))
    assert copied.calls[0].arguments["city"] in Q  # a span of the query (where it ends is the model's choice)
    assert copied.invalid == [] and copied.truncated == []


def test_the_copy_bias_leaves_enum_values_alone(tiny_backbone: Any) -> None:
    spec = parse_spec({
        "name": "get_weather", "description": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "enum": ["Oslo", "Paris"]}}, "required": ["city"]},
    })
    dec = steered_decoder(tiny_backbone, spec, "Oslo")
    # "Paris" is in the query, but the model chose "Oslo": a closed choice is made by meaning, not copied
    for bias in (0.0, 1e4):
        assert dec(Q, DecodeConfig(copy_bias=bias, **CFG)).calls[0].arguments == {"city": "Oslo"}


def test_copy_bias_in_batches_equals_one_by_one(tiny_backbone: Any) -> None:
    dec = steered_decoder(tiny_backbone, tool_spec("get_weather", "city"), "Oslo")
    queries = [Q, "Weather for Lisbon and Oslo, please", "hi there"]
    cfg = DecodeConfig(copy_bias=30.0, require_call=True, max_calls=2, max_tokens_per_call=16, precision="fp32")
    batched = dec.decode(queries, cfg)
    single = [dec(q, cfg) for q in queries]
    assert [r.calls for r in batched] == [r.calls for r in single]
    unbiased = dec.decode(queries, DecodeConfig(copy_bias=0.0, require_call=True, max_calls=2, max_tokens_per_call=16, precision="fp32"))
    assert [r.calls for r in batched] != [r.calls for r in unbiased]  # the bias was applied
