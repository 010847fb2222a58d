"""Decoding on the tiny random model with hand-set memory rows (to make tool calls happen):
KV cache == recomputation, batch == one by one, parsing and reporting of calls, the limits, calls
closed at the token budget (valid and reported truncated), streaming and ``require_call``."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _tiny import tool_spec
from tokmem_agents.config import BankConfig, DecodeConfig
from tokmem_agents.bank.records import ToolCall
from tokmem_agents.decode.batch import Row, _repeats
from tokmem_agents.decode.decoder import Decoder
from tokmem_agents.decode.results import (
    STOP_END,
    STOP_MAX_CALLS,
    STOP_MAX_TOKENS,
    STOP_REPETITION,
    STOP_TIME,
    CallEvent,
    DecodeResult,
)
from tokmem_agents.errors import UnknownToolError
from tokmem_agents.model.lm import MemoryLM
from tokmem_agents.bank.memory import LearnedTool, MemoryBank
from tokmem_agents.bank.specs import parse_spec

Q = "What's the weather in Paris?"
QUERIES = [Q, "Set a timer for ten minutes please, I am cooking pasta", "hi"]
WEATHER = tool_spec("get_weather", "city")
UNIT = parse_spec(
    {"name": "set_unit", "parameters": {"type": "object", "properties": {"unit": {"enum": ["C", "F"]}}, "required": ["unit"]}}
)
FP32 = dict(precision="fp32")


@pytest.fixture(scope="module")
def h_dir(tiny_backbone: Any) -> torch.Tensor:
    """Unit direction of the last prompt hidden state of ``Q`` (rows along it make the token fire)."""
    lm = MemoryLM(tiny_backbone, torch.zeros(0, 64))
    with torch.no_grad():
        h, _ = lm.hidden(torch.tensor([tiny_backbone.prompt_ids(Q)]))
    return h[0, -1] / h[0, -1].norm()


def coupled(bb: Any, rows: torch.Tensor, specs: Any = (WEATHER, UNIT)) -> MemoryBank:
    return MemoryBank(bb.fingerprint, BankConfig(coupled=True), [LearnedTool(s) for s in specs[: len(rows)]], rows)


def stepper(bb: Any, h_dir: torch.Tensor, scale: float = 0.15) -> MemoryBank:
    """Decoupled: the memory token fires once (output row along h), then '{' text follows (input row = '{')."""
    brace = bb.tokenizer("{", add_special_tokens=False)["input_ids"][0]
    inp = bb.model.get_input_embeddings().weight[brace].detach().clone().unsqueeze(0)
    return MemoryBank(bb.fingerprint, BankConfig(coupled=False), [LearnedTool(WEATHER)], inp, (h_dir * scale).unsqueeze(0))


def banks(bb: Any, h_dir: torch.Tensor) -> dict[str, MemoryBank]:
    return {
        "text": coupled(bb, torch.zeros(2, 64)),
        "calls": coupled(bb, torch.stack([h_dir * 0.4, h_dir * 0.2])),
        "call-then-text": stepper(bb, h_dir),
    }


@pytest.fixture()
def tokens(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The raw generated tokens of every decoded row (spied on ``Row.result``)."""
    seen: list[list[int]] = []
    orig = Row.result

    def spy(self: Row, query: str, seconds: float) -> Any:
        seen.append(list(self.tokens))
        return orig(self, query, seconds)

    monkeypatch.setattr(Row, "result", spy)
    return seen


def reference_greedy(bb: Any, bank: MemoryBank, query: str, cfg: DecodeConfig) -> tuple[list[int], str]:
    """Unconstrained greedy decoding without a KV cache: the whole sequence is recomputed each step."""
    lm = MemoryLM(bb, bank.input_vectors, bank.output_vectors)
    v, prompt = bb.base_vocab, bb.prompt_ids(query)
    out: list[int] = []
    phase, calls, run = "start", 0, 0
    while True:
        with torch.no_grad():
            h, _ = lm.hidden(torch.tensor([prompt + out]))
            logits = lm.logits(h[0, -1]).float()
        allowed = torch.zeros_like(logits, dtype=torch.bool)
        allowed[: bb.text_vocab] = True
        if phase != "text":
            allowed[v:] = True
        tok = int(logits.masked_fill(~allowed, float("-inf")).argmax())
        if tok in bb.end_token_ids:
            return out, STOP_END
        if phase == "start":
            phase = "call" if tok >= v else "text"
        if tok >= v:
            if calls >= cfg.max_calls:
                return out, STOP_MAX_CALLS
            calls, run = calls + 1, 0
        else:
            run += 1
        out.append(tok)
        if run >= (cfg.max_text_tokens if phase == "text" else cfg.max_tokens_per_call):
            return out, STOP_MAX_TOKENS


# -- greedy with a KV cache == recomputation; batch == one by one ----------------------------------
def test_kv_cache_decoding_equals_recomputation(tiny_backbone: Any, h_dir: torch.Tensor, tokens: list[list[int]]) -> None:
    cfg = DecodeConfig(constrained=False, max_calls=3, max_tokens_per_call=5, max_text_tokens=6, **FP32)
    kinds = set()
    v = tiny_backbone.base_vocab
    for name, bank in banks(tiny_backbone, h_dir).items():
        tokens.clear()
        res = Decoder(tiny_backbone, bank).decode([Q], cfg)[0]
        want, stop = reference_greedy(tiny_backbone, bank, Q, cfg)
        assert tokens == [want], name
        assert res.stop_reason == stop and res.generated_tokens == len(want), name
        kinds.add((any(t >= v for t in want), any(t < v for t in want)))
    assert kinds == {(False, True), (True, False), (True, True)}  # text only, calls only, both


@pytest.mark.parametrize("constrained", [False, True])
def test_batch_decoding_equals_one_by_one(tiny_backbone: Any, h_dir: torch.Tensor, constrained: bool) -> None:
    bank = coupled(tiny_backbone, torch.stack([h_dir * 0.3, -h_dir * 0.3]))
    dec = Decoder(tiny_backbone, bank)
    cfg = DecodeConfig(constrained=constrained, max_calls=2, max_tokens_per_call=8, max_text_tokens=6, batch_size=8, **FP32)
    together = dec.decode(QUERIES, cfg)
    alone = [dec.decode([q], cfg)[0] for q in QUERIES]
    strip = lambda r: {k: v for k, v in r.to_json().items() if k != "seconds"}  # noqa: E731
    assert [strip(r) for r in together] == [strip(r) for r in alone]
    assert [r.query for r in together] == QUERIES
    assert [r.prompt_tokens for r in together] == [len(tiny_backbone.prompt_ids(q)) for q in QUERIES]


def test_small_batches_cover_all_queries_in_order(tiny_backbone: Any) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.zeros(1, 64)))
    res = dec.decode(QUERIES * 2, DecodeConfig(max_text_tokens=2, batch_size=4, **FP32))
    assert [r.query for r in res] == QUERIES * 2
    assert all(r.stop_reason == STOP_MAX_TOKENS and r.generated_tokens == 2 and not r.calls for r in res)


# -- parsing of calls: invalid ones reported, never dropped -------------------------------------------
def finish(bb: Any, bank: MemoryBank, pieces: list[Any]) -> Any:
    """Finish a row made of memory-token indices (int) and text (str), pushed unconstrained without limits."""
    cfg = DecodeConfig(constrained=False, max_tokens_per_call=10**6, max_text_tokens=10**6, max_calls=10**6, copy_bias=0)
    row = Row(Decoder(bb, bank), 7, cfg)
    for p in pieces:
        for t in [bb.base_vocab + p] if isinstance(p, int) else bb.tokenizer(p, add_special_tokens=False)["input_ids"]:
            row.push(t)
    row.done = True
    row.new_events(0)
    return row.result("q", 0.0)


def test_calls_parse_in_order(tiny_backbone: Any) -> None:
    bank = coupled(tiny_backbone, torch.zeros(2, 64))
    res = finish(tiny_backbone, bank, [0, '{"city": "Paris"}', 1, '{"unit": "F"}', 0, '{"city": "Rome"}'])
    assert res.calls == [ToolCall("get_weather", {"city": "Paris"}), ToolCall("set_unit", {"unit": "F"}), ToolCall("get_weather", {"city": "Rome"})]
    assert res.invalid == [] and res.valid_calls == res.calls and res.emitted_calls == 3
    assert res.text == "" and res.generated_tokens > 6
    assert json.loads(json.dumps(res.to_json()))["calls"][1] == {"name": "set_unit", "arguments": {"unit": "F"}}


def test_invalid_calls_are_reported_not_dropped(tiny_backbone: Any) -> None:
    bank = coupled(tiny_backbone, torch.zeros(2, 64))
    res = finish(
        tiny_backbone, bank,
        [0, '{"city": "Paris"}', 1, '{"unit": "K"}', 0, '{"city": ', 1, "[1, 2]", 0, '{"city": "Oslo"} and more', 0, '{"town": "Oslo"}'],
    )
    assert [c.name for c in res.calls] == ["get_weather", "set_unit", "get_weather", "get_weather"]
    assert res.emitted_calls == 6
    bad = {i.position: i for i in res.invalid}
    assert sorted(bad) == [1, 2, 3, 4, 5]
    assert bad[1].name == "set_unit" and bad[1].call_index == 1 and "unit: 'K' is not one of" in bad[1].errors[0]
    assert bad[2].call_index is None and bad[2].errors[0].startswith("not JSON") and bad[2].raw == '{"city":'
    assert bad[3].call_index is None and "must be an object" in bad[3].errors[0]
    assert bad[4].call_index == 2 and "unexpected text after the arguments" in bad[4].errors[-1]
    assert bad[5].call_index == 3 and any("'city' is a required property" in e for e in bad[5].errors)
    assert res.valid_calls == [ToolCall("get_weather", {"city": "Paris"})]
    assert [i["position"] for i in res.to_json()["invalid"]] == [1, 2, 3, 4, 5]


def test_plain_text_answer(tiny_backbone: Any) -> None:
    res = finish(tiny_backbone, coupled(tiny_backbone, torch.zeros(1, 64)), ["  Hello there!  "])
    assert res.text == "Hello there!" and res.calls == [] and res.invalid == []


# -- limits: each ends with its stop reason ---------------------------------------------------------
def test_max_calls(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.stack([h_dir * 0.4, h_dir * 0.2])))
    res = dec(Q, DecodeConfig(constrained=False, max_calls=3, **FP32))
    assert res.stop_reason == STOP_MAX_CALLS
    assert res.emitted_calls == 3 and res.generated_tokens == 3
    assert [i.name for i in res.invalid] == ["get_weather"] * 3  # empty arguments, reported


def test_max_tokens_per_call(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    res = Decoder(tiny_backbone, stepper(tiny_backbone, h_dir))(Q, DecodeConfig(constrained=False, max_tokens_per_call=5, **FP32))
    assert res.stop_reason == STOP_MAX_TOKENS
    assert res.generated_tokens == 1 + 5
    assert res.emitted_calls == 1 and res.invalid[0].raw.startswith("{") and res.invalid[0].errors[0].startswith("not JSON")


def test_max_text_tokens(tiny_backbone: Any) -> None:
    res = Decoder(tiny_backbone, coupled(tiny_backbone, torch.zeros(1, 64)))(Q, DecodeConfig(max_text_tokens=4, **FP32))
    assert res.stop_reason == STOP_MAX_TOKENS and res.generated_tokens == 4 and res.calls == [] and res.invalid == []


def test_time_budget_stops_every_query(tiny_backbone: Any) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.zeros(1, 64)))
    res = dec.decode(QUERIES * 3, DecodeConfig(max_text_tokens=100, time_budget=1e-6, batch_size=4, **FP32))
    assert len(res) == 9
    assert all(r.stop_reason == STOP_TIME and r.generated_tokens <= 1 for r in res)


def test_step_limits_directly(tiny_backbone: Any) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.zeros(2, 64)))
    v = tiny_backbone.base_vocab
    cfg = DecodeConfig(constrained=False, max_calls=2, max_tokens_per_call=3, max_text_tokens=2)
    row = Row(dec, 5, cfg)
    for tok in (v, 11, 12, v + 1, 13, 14):
        row.push(tok)
        assert not row.done
    row.push(15)  # third argument token of the second call
    assert row.done and row.stop == STOP_MAX_TOKENS
    row = Row(dec, 5, cfg)
    for tok in (v, 11, v + 1):
        row.push(tok)
    row.push(v)  # a third call
    assert row.done and row.stop == STOP_MAX_CALLS and row.tokens == [v, 11, v + 1]
    row = Row(dec, 5, cfg)
    row.push(20)
    row.push(21)
    assert row.done and row.stop == STOP_MAX_TOKENS and row.phase == "text"
    row = Row(dec, 5, cfg)
    row.push(tiny_backbone.end_token_ids[0])
    assert row.done and row.stop == STOP_END and row.tokens == []


def test_limits_are_validated() -> None:
    for kw in ({"max_calls": 0}, {"max_tokens_per_call": 0}, {"batch_size": 0}, {"max_closing_tokens": -1}, {"repetition_guard": 2},
               {"require_call": True, "allowed_tools": frozenset()}):
        with pytest.raises(ValueError):
            DecodeConfig(**kw)


# -- allowed tools and the constrained path ---------------------------------------------------------
@pytest.mark.parametrize("constrained", [False, True])
def test_allowed_tools_restrict_memory_tokens(tiny_backbone: Any, h_dir: torch.Tensor, constrained: bool) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.stack([h_dir * 0.4, h_dir * 0.2])))
    cfg = DecodeConfig(constrained=constrained, max_calls=2, max_tokens_per_call=12, **FP32)
    free = dec(Q, cfg)
    assert {c.name for c in free.calls} | {i.name for i in free.invalid} == {"get_weather"}
    only = dec(Q, DecodeConfig(constrained=constrained, max_calls=2, max_tokens_per_call=12, allowed_tools=frozenset({"set_unit"}), **FP32))
    names = [c.name for c in only.calls] + [i.name for i in only.invalid]
    assert names and set(names) == {"set_unit"}
    with pytest.raises(UnknownToolError, match="nope"):
        dec(Q, DecodeConfig(allowed_tools=frozenset({"nope"}), **FP32))


def test_constrained_calls_are_valid_by_construction(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    bank = coupled(tiny_backbone, torch.stack([h_dir * 0.1, h_dir * 0.4]))  # set_unit fires
    dec = Decoder(tiny_backbone, bank)
    free = dec(Q, DecodeConfig(constrained=False, max_calls=2, max_tokens_per_call=8, **FP32))
    assert free.invalid, "without the constraint the random model cannot write arguments"
    res = dec(Q, DecodeConfig(constrained=True, max_calls=2, max_tokens_per_call=32, **FP32))
    assert res.calls and res.invalid == []
    assert all(c.name == "set_unit" and c.arguments in ({"unit": "C"}, {"unit": "F"}) for c in res.calls)
    assert res.stop_reason == STOP_END and len(res.calls) <= 2


def test_decoder_refuses_a_bank_of_another_backbone(tiny_backbone: Any) -> None:
    from tokmem_agents.model.fingerprint import Fingerprint
    from tokmem_agents.errors import BackboneMismatchError

    fp = tiny_backbone.fingerprint
    bank = MemoryBank(Fingerprint("x", fp.hidden_size, fp.vocab_size, "0" * 64))
    with pytest.raises(BackboneMismatchError):
        Decoder(tiny_backbone, bank)


# -- issue 3: a constrained call cut by the token budget is closed, valid, and reported truncated ----
from test_constraints import SCHEMAS, _object  # noqa: E402 - the random JSON Schemas of the constraint tests


def biased(dec: Decoder, boost: float = 50.0) -> Decoder:
    """Make the tiny model open strings with ' "' and then love ' la' (a runaway string, on purpose)."""
    enc = lambda text: dec.backbone.tokenizer(text, add_special_tokens=False)["input_ids"][0]  # noqa: E731
    quote, la = enc(' "'), enc(" la")
    plain = dec.lm.logits

    def logits(h: torch.Tensor) -> torch.Tensor:
        out = plain(h).clone()
        out[..., quote] += boost / 2
        out[..., la] += boost
        return out

    dec.lm.logits = logits  # type: ignore[method-assign]
    return dec


def runaway(bb: Any, h_dir: torch.Tensor, schema: dict[str, Any] | None = None) -> Decoder:
    spec = WEATHER if schema is None else parse_spec({"name": "f", "parameters": schema})
    return biased(Decoder(bb, coupled(bb, (h_dir * 0.4).unsqueeze(0), (spec,))))


@pytest.mark.parametrize("budget", [4, 8, 40])
def test_runaway_string_is_closed_at_the_budget_and_reported(tiny_backbone: Any, h_dir: torch.Tensor, budget: int) -> None:
    dec = runaway(tiny_backbone, h_dir)
    res = dec(Q, DecodeConfig(max_tokens_per_call=budget, repetition_guard=0, require_call=True, **FP32))
    assert res.stop_reason == STOP_MAX_TOKENS and res.truncated == [0]
    assert res.invalid == [] and len(res.calls) == 1 and set(res.calls[0].arguments) == {"city"}
    assert res.valid_calls == [], "a truncated call is never offered for execution"
    assert res.to_json()["truncated"] == [0]
    assert 1 + budget < res.generated_tokens <= 1 + budget + DecodeConfig().max_closing_tokens


def test_without_closing_or_constraint_the_cut_call_is_invalid_and_truncated(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    dec = runaway(tiny_backbone, h_dir)
    for cfg in (DecodeConfig(max_tokens_per_call=6, max_closing_tokens=0, repetition_guard=0, require_call=True, **FP32),
                DecodeConfig(constrained=False, max_tokens_per_call=6, require_call=True, **FP32)):
        res = dec(Q, cfg)
        assert res.stop_reason == STOP_MAX_TOKENS and res.generated_tokens == 7
        assert res.calls == [] and res.invalid[0].errors[0].startswith("not JSON") and res.truncated == [0]


def test_repetition_guard_stops_a_degenerate_string_early(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    dec = runaway(tiny_backbone, h_dir)
    res = dec(Q, DecodeConfig(max_tokens_per_call=192, repetition_guard=16, require_call=True, **FP32))
    assert res.stop_reason == STOP_REPETITION and res.truncated == [0] and res.invalid == []
    assert res.generated_tokens < 1 + 32 + DecodeConfig().max_closing_tokens
    assert _repeats([1, 2, 3] + [7, 8] * 8, 16) and not _repeats(list(range(16)), 16) and not _repeats([5] * 15 + [6], 16)


def test_time_budget_closes_an_open_constrained_call(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    dec = runaway(tiny_backbone, h_dir)
    res = dec(Q, DecodeConfig(time_budget=1e-9, require_call=True, **FP32))
    assert res.stop_reason == STOP_TIME and res.truncated == [0] and res.invalid == [] and len(res.calls) == 1


def test_a_call_closing_exactly_at_the_budget_is_complete(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.stack([h_dir * 0.1, h_dir * 0.4])))  # set_unit
    free = dec(Q, DecodeConfig(max_calls=2, max_tokens_per_call=32, **FP32))
    n = len(tiny_backbone.tokenizer(json.dumps(free.calls[0].arguments), add_special_tokens=False)["input_ids"])
    res = dec(Q, DecodeConfig(max_calls=2, max_tokens_per_call=n, **FP32))
    assert res.truncated == [] and res.to_json() | {"seconds": 0} == free.to_json() | {"seconds": 0}


@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(params=_object(SCHEMAS), budget=st.integers(4, 8), boost=st.sampled_from([0.0, 8.0]))
def test_random_schemas_every_constrained_call_validates_at_tiny_budgets(
    tiny_backbone: Any, h_dir: torch.Tensor, params: dict[str, Any], budget: int, boost: float
) -> None:
    spec = parse_spec({"name": "f", "parameters": params})
    dec = biased(Decoder(tiny_backbone, coupled(tiny_backbone, torch.stack([h_dir * 0.4, h_dir * 0.3]), (spec, WEATHER))), boost)
    cfg = DecodeConfig(max_calls=3, max_tokens_per_call=budget, max_text_tokens=4, require_call=True, batch_size=4, **FP32)
    for res in dec.decode(QUERIES, cfg):
        assert res.emitted_calls >= 1 and res.invalid == [], res.to_json()
        assert len(res.calls) == res.emitted_calls
        assert res.truncated in ([], [len(res.calls) - 1]), "only the last call can be cut"
        assert (res.stop_reason == STOP_MAX_TOKENS) == bool(res.truncated), res.to_json()


# -- streaming: each call as soon as its arguments close ---------------------------------------------
@pytest.mark.parametrize("constrained", [True, False])
def test_stream_reports_each_call_when_it_closes(tiny_backbone: Any, h_dir: torch.Tensor, tokens: list[list[int]], constrained: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokmem_agents.decode.batch import DecodeBatch

    steps = [0]
    plain_step = DecodeBatch.step

    def counted(self: Any) -> Any:
        steps[0] += 1
        return plain_step(self)

    monkeypatch.setattr(DecodeBatch, "step", counted)
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.stack([h_dir * 0.1, h_dir * 0.4])))
    cfg = DecodeConfig(constrained=constrained, max_calls=3, max_tokens_per_call=12, **FP32)
    seen: list[tuple[int, Any]] = []
    items = list(dec.stream([Q, "hi"], cfg))
    events = [i for i in items if isinstance(i, CallEvent)]
    results = [i for i in items if isinstance(i, DecodeResult)]
    assert items[-2:] == results and [r.query for r in results] == [Q, "hi"]
    res = results[0]
    assert res.emitted_calls >= 2
    mine = [e for e in events if e.query_index == 0]
    assert [e.position for e in mine] == list(range(res.emitted_calls))
    assert [e.call for e in mine if e.call is not None] == res.calls
    assert [e.invalid for e in mine if e.invalid is not None] == res.invalid
    # when each event came out: right after its closing brace (constrained), or with the next memory token
    steps[0] = 0
    dec.decode([Q], cfg, on_call=lambda e: seen.append((steps[0], e)))
    raw = tokens[-1]
    v = tiny_backbone.base_vocab
    starts = [i for i, t in enumerate(raw) if t >= v] + [len(raw)]
    want = [starts[k + 1] + (0 if constrained else 1) for k in range(len(starts) - 1)]
    if res.stop_reason != STOP_END or not constrained:
        want[-1] = steps[0]  # the last call is reported when the row ends
    assert [s for s, _ in seen] == want
    assert [e.call for _, e in seen if e.call is not None] == res.calls


def test_decode_with_ready_prompts_equals_queries(tiny_backbone: Any, h_dir: torch.Tensor) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.stack([h_dir * 0.4, h_dir * 0.2])))
    cfg = DecodeConfig(max_calls=2, max_tokens_per_call=8, max_text_tokens=6, **FP32)
    strip = lambda r: {k: v for k, v in r.to_json().items() if k != "seconds"}  # noqa: E731
    by_query = dec.decode(QUERIES, cfg)
    by_prompt = dec.decode(QUERIES, cfg, prompts=[tiny_backbone.prompt_ids(q) for q in QUERIES])
    assert [strip(r) for r in by_prompt] == [strip(r) for r in by_query]
    with pytest.raises(ValueError, match="prompts"):
        dec.decode(QUERIES, cfg, prompts=[])


# -- require_call: the answer starts with a memory token ---------------------------------------------
@pytest.mark.parametrize("constrained", [True, False])
def test_require_call_forces_a_call(tiny_backbone: Any, constrained: bool) -> None:
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.zeros(2, 64)))  # answers in text when free
    cfg = dict(constrained=constrained, max_calls=1, max_tokens_per_call=12, max_text_tokens=4, **FP32)
    free = dec.decode(QUERIES, DecodeConfig(**cfg))
    assert all(r.emitted_calls == 0 and r.generated_tokens for r in free)
    forced = dec.decode(QUERIES, DecodeConfig(require_call=True, **cfg))
    assert all(r.emitted_calls == 1 and r.text == "" for r in forced)
    only = dec.decode(QUERIES, DecodeConfig(require_call=True, allowed_tools=frozenset({"set_unit"}), **cfg))
    assert {c.name for r in only for c in r.calls} | {i.name for r in only for i in r.invalid} == {"set_unit"}


# -- one event stream: each call parsed once, no argument text decoded again ---------------------------
@pytest.mark.parametrize("constrained", [True, False])
def test_each_call_is_parsed_once_and_arguments_are_never_re_decoded(
    tiny_backbone: Any, h_dir: torch.Tensor, constrained: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokmem_agents.decode import batch

    parsed: list[int] = []
    real_parse = batch.parse_call
    monkeypatch.setattr(batch, "parse_call", lambda *a, **kw: (parsed.append(a[1]), real_parse(*a, **kw))[1])
    tok = tiny_backbone.tokenizer
    decoded: list[int] = []
    real_decode = tok.decode
    monkeypatch.setattr(tok, "decode", lambda ids, *a, **kw: (decoded.append(len(ids)), real_decode(ids, *a, **kw))[1])
    dec = Decoder(tiny_backbone, coupled(tiny_backbone, torch.stack([h_dir * 0.4, h_dir * 0.1])))  # get_weather: a free string
    dec.copy_index(Q)  # the copy vocabulary is built once per process (batch_decode, not decode)
    decoded.clear()
    cfg = DecodeConfig(constrained=constrained, max_calls=3, max_tokens_per_call=12, copy_bias=8.0, **FP32)
    results = dec.decode([Q, "hi"], cfg)
    assert sum(r.emitted_calls for r in results) >= 2
    assert len(parsed) == sum(r.emitted_calls for r in results)  # once per call, not per step or per read
    assert len(decoded) == len(results)  # only each answer's text; argument bytes come from the scanner
    assert [e.call for r in results for e in r.events if e.call is not None] == [c for r in results for c in r.calls]
