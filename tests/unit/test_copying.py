"""Copy bias: the JSON string-state scanner, the query-span index, and decoding with the bias on the
tiny random model (a huge bias makes the argument value a copy of the query's tail)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from tokmem_agents.config import BankConfig, DecodeConfig
from tokmem_agents.copying import CopyIndex, open_string_value, token_table
from tokmem_agents.decoding import Decoder
from tokmem_agents.lm import MemoryLM
from tokmem_agents.memory import LearnedTool, MemoryBank
from _tiny import tool_spec

Q = "What's the weather in Paris?"


@pytest.mark.parametrize(
    "text, value",
    [
        ('{"city": "Par', "Par"),
        ('{"city": "', ""),
        (' {"ci', None),  # a key, not a value
        ('{"a": "x", "b', None),
        ('{"a": "x"', None),  # closed
        ('{"a": 3, "b": "y', "y"),
        ('{"a": ["x", "y', "y"),  # strings in arrays are values
        ('{"a": ["x"], "b', None),
        ('{"a": {"k": "v', "v"),
        ('{"a": [{"k', None),
        ('{"a": "say \\"hi', 'say \\"hi'),  # an escaped quote does not close the string
        ('{"a": "back\\\\", "b', None),  # an escaped backslash does
        ("", None),
    ],
)
def test_open_string_value(text: str, value: str | None) -> None:
    assert open_string_value(text) == value


TABLE = {"Sing": [1], "apore": [2], "SING": [3], "ER": [4], "S": [5], "ing": [6], " in": [7], "x": [8]}


def test_candidates_continue_a_span_of_the_query() -> None:
    idx = CopyIndex("weather in Singapore today", TABLE)
    assert set(idx.candidates("")) == {1, 2, 5, 6, 7}  # every token that is a substring of the query
    assert idx.candidates("Sing") == [2]  # ... then only what extends the value's span
    assert idx.candidates("xxS") == [6]  # the longest suffix in the query ("S") decides
    assert idx.candidates("SING") == []  # the value has left the query: no bias
    assert idx.candidates("Singapore today") == []  # nothing left to copy


def test_token_table_maps_text_to_ids(tiny_backbone: Any) -> None:
    table = token_table(tiny_backbone.tokenizer, tiny_backbone.text_vocab)
    ids = tiny_backbone.tokenizer(" Paris", add_special_tokens=False)["input_ids"]
    for i in ids:
        assert i in table[tiny_backbone.tokenizer.decode([i])]
    assert all(0 <= i < tiny_backbone.text_vocab for v in table.values() for i in v)


def test_copy_bias_is_validated() -> None:
    with pytest.raises(ValueError, match="copy_bias"):
        DecodeConfig(copy_bias=-1.0)


def weather_decoder(bb: Any, quote_boost: float = 0.0) -> Decoder:
    """get_weather(city) fires on ``Q``; with ``quote_boost`` the model loves ' "' (it opens the value
    with it, and closes the value with it as soon as nothing else is favoured)."""
    lm = MemoryLM(bb, torch.zeros(0, 64))
    with torch.no_grad():
        h, _ = lm.hidden(torch.tensor([bb.prompt_ids(Q)]))
    row = (h[0, -1] / h[0, -1].norm() * 0.4).unsqueeze(0)
    bank = MemoryBank(bb.fingerprint, BankConfig(), [LearnedTool(tool_spec("get_weather", "city"))], row)
    dec = Decoder(bb, bank)
    if quote_boost:
        quote = bb.tokenizer(' "', add_special_tokens=False)["input_ids"][0]
        plain = dec.lm.logits

        def logits(h: torch.Tensor) -> torch.Tensor:
            out = plain(h).clone()
            out[..., quote] += quote_boost
            return out

        dec.lm.logits = logits  # type: ignore[method-assign]
    return dec


def test_a_huge_copy_bias_copies_the_query(tiny_backbone: Any) -> None:
    dec = weather_decoder(tiny_backbone, quote_boost=50.0)
    cfg = dict(require_call=True, max_calls=1, max_tokens_per_call=24, precision="fp32")
    plain = dec(Q, DecodeConfig(**cfg)).calls[0].arguments["city"]
    assert len(plain) <= 1  # ' "' opens the value and closes it again at once
    copied = dec(Q, DecodeConfig(copy_bias=1e4, **cfg))
    city = copied.calls[0].arguments["city"]
    # the value copies the query from some point to its end, then ' "' closes it (with its space)
    assert city.strip() and any(city.rstrip() == Q[i:] for i in range(len(Q))), city
    assert copied.invalid == [] and copied.truncated == []


def test_copy_bias_in_batches_equals_one_by_one(tiny_backbone: Any) -> None:
    dec = weather_decoder(tiny_backbone, quote_boost=5.0)
    queries = [Q, "Weather for Lisbon and Oslo, please", "hi there"]
    cfg = DecodeConfig(copy_bias=3.0, require_call=True, max_calls=2, max_tokens_per_call=16, precision="fp32")
    batched = dec.decode(queries, cfg)
    single = [dec(q, cfg) for q in queries]
    assert [r.calls for r in batched] == [r.calls for r in single]
