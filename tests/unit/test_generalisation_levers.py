"""Issue 20's levers on the tiny model: phrasing augmentation keeps arguments, shipped and stored
negatives are mixed in at their share, the bank keeps its users' negatives, the "mass" call decision
compares total probabilities, and the spec initialisation reads the description."""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch

from _tiny import tool_spec
from tokmem_agents.bank.memory import LearnedTool, MemoryBank
from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.config import BankConfig, DecodeConfig, TrainConfig
from tokmem_agents.decode.decoder import Decoder
from tokmem_agents.errors import BankError
from tokmem_agents.model.lm import MemoryLM
from tokmem_agents.training.augment import augment, variant
from tokmem_agents.training.init import init_vectors
from tokmem_agents.training.negatives import draw_negatives, shipped_negatives
from tokmem_agents.training.plan import plan_examples

NOTE = tool_spec(
    "add_note", "text",
    examples=[("Add a note saying Buy milk", "Buy milk"), ("Note down Call Anna", "Call Anna"), ("remember: USB cable", "USB cable")],
)


def _ex(query: str, **args: Any) -> Example:
    return Example(query, (ToolCall("add_note", args),))


# -- augmentation ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_a_variant_keeps_the_calls_and_spells_every_value_verbatim(seed: int) -> None:
    ex = _ex("Add a note saying Buy milk at Tesco.", text="Buy milk at Tesco.")
    v = variant(ex, random.Random(seed))
    assert v.calls == ex.calls
    assert "Buy milk at Tesco." in v.query


def test_a_value_at_the_start_is_never_recased_or_wrapped() -> None:
    ex = _ex("Buy milk, note it", text="Buy milk")
    for seed in range(60):
        v = variant(ex, random.Random(seed))
        assert "Buy milk" in v.query, v.query


@pytest.mark.parametrize(
    "query,args",
    [
        ("Remind me about foo bar Baz", {"a": "foo bar", "b": "bar Baz"}),  # overlapping values
        ("Reply Sorry to Ann", {"m": "Sorry"}),  # a value a lead-in could spell
        ("Text Sam: Hey", {"m": "Hey"}),
        ("Note: buy milk ", {"t": "buy milk "}),  # the value keeps its own trailing space
        ("Log Ünïcode ÄÖ now", {"x": "ÄÖ"}),
        ("Paris", {"c": "Paris"}),
        ("Send it to NYC office", {"to": ["NYC office"], "meta": {"who": "NYC"}}),
    ],
)
def test_every_value_survives_verbatim_and_as_often(query: str, args: dict[str, Any]) -> None:
    ex = Example(query, (ToolCall("t", args),))
    values: list[str] = []
    stack: list[Any] = [args]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            values.append(v)
        else:
            stack.extend(v.values() if isinstance(v, dict) else v)
    for seed in range(150):
        v = variant(ex, random.Random(seed))
        assert v.calls == ex.calls
        for p in values:
            assert v.query.count(p) == query.count(p), (query, v.query, p)


def test_request_wrappers_only_wrap_commands() -> None:
    ex = _ex("weather in Paris", text="Paris")
    assert not any(variant(ex, random.Random(s)).query.lower().startswith(("can you", "could you", "please")) for s in range(100))


def test_augment_is_deterministic_distinct_and_skips_no_tool_examples() -> None:
    exs = [_ex("Add a note saying hello", text="hello"), Example("what is a note?")]
    a, b = augment(exs, 3, seed=1), augment(exs, 3, seed=1)
    assert a == b and len(a) == 3
    assert len({e.query for e in a} | {e.query for e in exs}) == len(a) + len(exs)
    assert all(e.calls for e in a)
    assert augment(exs, 0, seed=1) == []


# -- negatives -------------------------------------------------------------------------------------
def test_the_shipped_negatives_are_many_and_have_no_calls() -> None:
    neg = shipped_negatives()
    assert len(neg) >= 1500 and all(not e.calls for e in neg)


def test_draw_negatives_excludes_given_queries_and_is_deterministic() -> None:
    pool = [Example(f"question {i}?") for i in range(20)]
    got = draw_negatives(5, pool, {"question 3?"}, seed=2)
    assert got == draw_negatives(5, pool, {"question 3?"}, seed=2)
    assert len(got) == 5 and Example("question 3?") not in got
    assert len(draw_negatives(50, pool, set(), seed=0)) == 20


def test_plan_mixes_negatives_at_their_share(tiny_backbone: Any) -> None:
    bank = MemoryBank(tiny_backbone.fingerprint)
    examples, _ = plan_examples(bank, [NOTE], [], TrainConfig(synthesize=0, negative_share=0.4, augment=2))
    calls = [e for e in examples if e.calls]
    neg = [e for e in examples if not e.calls]
    assert len(calls) == 3 + 6
    assert len(neg) == round(len(calls) * 0.4 / 0.6)
    shipped = {e.query for e in shipped_negatives()}
    assert all(e.query in shipped for e in neg)


def test_stored_negatives_are_replayed_first(tiny_backbone: Any) -> None:
    bank = MemoryBank(tiny_backbone.fingerprint, negatives=[Example("is a note a letter?"), Example("hi there")])
    examples, _ = plan_examples(bank, [NOTE], [], TrainConfig(synthesize=0, augment=0, negative_share=0.5))
    neg = [e.query for e in examples if not e.calls]
    assert {"is a note a letter?", "hi there"} <= set(neg) and len(neg) == 3
    off, _ = plan_examples(bank, [NOTE], [], TrainConfig(synthesize=0, augment=0, replay=False, negative_share=0.5))
    assert not {"is a note a letter?", "hi there"} & {e.query for e in off}


def test_a_negative_never_repeats_a_call_query(tiny_backbone: Any) -> None:
    shipped = shipped_negatives()[0]
    called = Example(shipped.query.lower(), (ToolCall("add_note", {"text": "x"}),))
    bank = MemoryBank(tiny_backbone.fingerprint, negatives=[Example(shipped.query)])
    examples, _ = plan_examples(bank, [NOTE], [called], TrainConfig(synthesize=0, augment=0, negative_share=0.9))
    assert not [e for e in examples if not e.calls and e.query.lower() == shipped.query.lower()]


def test_a_stored_negative_is_dropped_once_it_is_called(tiny_backbone: Any) -> None:
    from tokmem_agents.training.trainer import learn

    bank = MemoryBank(tiny_backbone.fingerprint, negatives=[Example("jot this down"), Example("hello")])
    called = Example("Jot this down", (ToolCall("add_note", {"text": "this"}),))
    learn(tiny_backbone, bank, [NOTE], [called], TrainConfig(epochs=1, synthesize=0))
    assert [e.query for e in bank.negatives] == ["hello"]


def test_the_threshold_is_recorded_only_when_negatives_were_learned(tiny_backbone: Any) -> None:
    from tokmem_agents.training.trainer import learn

    fast = dict(epochs=1, synthesize=0, augment=0)
    with_neg = MemoryBank(tiny_backbone.fingerprint)
    learn(tiny_backbone, with_neg, [NOTE], config=TrainConfig(negative_share=0.5, **fast))
    assert with_neg.call_threshold == TrainConfig().call_threshold
    too_few = MemoryBank(tiny_backbone.fingerprint)  # 3 call examples at 2%: no negative drawn
    learn(tiny_backbone, too_few, [NOTE], config=TrainConfig(negative_share=0.02, **fast))
    assert too_few.call_threshold is None
    later = tool_spec("ping", "x", examples=[("ping x", "x")])
    learn(tiny_backbone, with_neg, [later], config=TrainConfig(**fast))  # a bank keeps its rule
    assert with_neg.call_threshold == TrainConfig().call_threshold


def test_a_bank_warns_when_tools_are_learned_for_another_call_rule(tiny_backbone: Any, caplog: Any) -> None:
    from tokmem_agents.training.trainer import learn

    fast = dict(epochs=1, synthesize=0)
    argmax_bank = MemoryBank(tiny_backbone.fingerprint)
    learn(tiny_backbone, argmax_bank, [NOTE], config=TrainConfig(**fast))
    with caplog.at_level("WARNING", logger="tokmem_agents.training.trainer"):
        learn(tiny_backbone, argmax_bank, [tool_spec("ping", "x", examples=[("ping x", "x")])],
              config=TrainConfig(negative_share=0.5, **fast))
    assert argmax_bank.call_threshold is None
    assert any("argmax" in r.getMessage() and "ping" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="tokmem_agents.training.trainer"):  # same recipe: no warning
        learn(tiny_backbone, argmax_bank, [tool_spec("pong", "x", examples=[("pong x", "x")])], config=TrainConfig(**fast))
    assert not caplog.records


def test_forgetting_every_tool_drops_the_call_threshold(tiny_backbone: Any) -> None:
    bank = MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=True), [LearnedTool(NOTE), LearnedTool(tool_spec("ping", "x"))],
                      torch.zeros(2, 64), call_threshold=0.02, negatives=[Example("hello")])
    bank.forget("ping")
    assert bank.call_threshold == 0.02
    bank.forget("add_note")
    assert bank.call_threshold is None and [e.query for e in bank.negatives] == ["hello"]  # users' negatives stay


def test_exported_tools_carry_their_call_rule(tiny_backbone: Any, tmp_path: Any, caplog: Any) -> None:
    fp = tiny_backbone.fingerprint
    mass = MemoryBank(fp, BankConfig(coupled=True), [LearnedTool(NOTE)], torch.randn(1, 64) * 0.1, call_threshold=0.02)
    mass.export_tool("add_note", tmp_path / "note.tool")
    empty = MemoryBank(fp, BankConfig(coupled=True))
    empty.import_tool(tmp_path / "note.tool")
    assert empty.call_threshold == 0.02
    argmax = MemoryBank(fp, BankConfig(coupled=True), [LearnedTool(tool_spec("ping", "x"))], torch.zeros(1, 64))
    with caplog.at_level("WARNING", logger="tokmem_agents.bank.memory"):
        argmax.import_tool(tmp_path / "note.tool")
    assert argmax.call_threshold is None and "add_note" in argmax
    assert any("mass >= 0.02" in r.getMessage() for r in caplog.records)
    replaced = MemoryBank(fp, BankConfig(coupled=True), [LearnedTool(NOTE)], torch.zeros(1, 64))
    replaced.import_tool(tmp_path / "note.tool", replace_existing=True)  # its only tool replaced: the file's rule
    assert replaced.call_threshold == 0.02


def test_a_corrupt_call_rule_in_a_tool_file_is_a_bank_error(tiny_backbone: Any, tmp_path: Any) -> None:
    from safetensors import safe_open
    from safetensors.torch import save_file

    mass = MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=True), [LearnedTool(NOTE)], torch.randn(1, 64) * 0.1, call_threshold=0.02)
    mass.export_tool("add_note", tmp_path / "note.tool")
    with safe_open(str(tmp_path / "note.tool"), "pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    for bad in ("1.5", "nan", "lots"):
        save_file(tensors, str(tmp_path / "bad.tool"), metadata={**meta, "call_threshold": bad})
        with pytest.raises(BankError, match="call_threshold"):
            MemoryBank(tiny_backbone.fingerprint).import_tool(tmp_path / "bad.tool")


def test_share_and_weights_are_validated() -> None:
    for bad in ({"negative_share": 1.0}, {"negative_share": -0.1}, {"augment": -1}, {"no_tool_weight": 0}, {"stored_negatives": -1}, {"spec_queries": -1}, {"spec_queries": True}, {"perturbed_queries": -2}, {"perturbed_queries": 1.5}):
        with pytest.raises(ValueError):
            TrainConfig(**bad)


def test_the_bank_keeps_and_saves_its_users_negatives(tiny_backbone: Any, tmp_path: Any) -> None:
    from tokmem_agents.training.trainer import learn

    bank = MemoryBank(tiny_backbone.fingerprint)
    extra = [Example("what is a note?"), Example("what is a note?"), Example("tell me a joke")]
    learn(tiny_backbone, bank, [NOTE], extra, TrainConfig(epochs=1, synthesize=0, stored_negatives=8))
    assert [e.query for e in bank.negatives] == ["what is a note?", "tell me a joke"]
    bank.save(tmp_path / "b")
    assert MemoryBank.load(tmp_path / "b").negatives == bank.negatives


def test_malformed_stored_negatives_are_a_bank_error(tiny_backbone: Any) -> None:
    import json

    bank = MemoryBank(tiny_backbone.fingerprint, negatives=[Example("hello")])
    meta, mem = bank.to_bytes()
    raw = json.loads(meta)
    raw["negatives"] = [3]
    with pytest.raises(BankError, match="negatives"):
        MemoryBank.from_bytes(json.dumps(raw).encode(), mem)


# -- the call decision -------------------------------------------------------------------------------
def _first_logits(bb: Any, bank: MemoryBank, query: str) -> torch.Tensor:
    lm = MemoryLM(bb, bank.input_vectors)
    with torch.no_grad():
        h, _ = lm.hidden(torch.tensor([bb.prompt_ids(query)]))
        return lm.logits(h[0, -1]).float()


def test_mass_decision_compares_total_probabilities(tiny_backbone: Any) -> None:
    """Rows are scaled until one memory token is the argmax, yet all memory tokens together hold
    less probability than the text tokens (and the reverse): the two rules must then disagree."""
    q = "What's the weather in Paris?"
    lm = MemoryLM(tiny_backbone, torch.zeros(0, 64))
    with torch.no_grad():
        h, _ = lm.hidden(torch.tensor([tiny_backbone.prompt_ids(q)]))
    d = h[0, -1] / h[0, -1].norm()
    specs = [tool_spec(f"t{i}", "x") for i in range(2)]
    v = tiny_backbone.base_vocab
    for scale in torch.linspace(0.0, 3.0, 301):
        rows = torch.stack([d * scale, -d])
        bank = MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=True), [LearnedTool(s) for s in specs], rows)
        logits = _first_logits(tiny_backbone, bank, q)[: tiny_backbone.base_vocab + 2]
        logits[tiny_backbone.text_vocab : v] = float("-inf")
        p = torch.softmax(logits, -1)
        if int(logits.argmax()) >= v and float(p[v:].sum()) < 0.5:
            break
    else:  # pragma: no cover - the tiny model's text distribution is flat enough for this
        pytest.skip("no scale makes the argmax a memory token with P(memory) < 0.5")
    dec = Decoder(tiny_backbone, bank)
    argmax = dec(q, DecodeConfig(decision="argmax", constrained=False, max_tokens_per_call=2, precision="fp32"))
    mass = dec(q, DecodeConfig(decision="mass", constrained=False, max_text_tokens=2, precision="fp32"))
    assert argmax.calls or argmax.invalid  # a memory token fired
    assert not mass.calls and not mass.invalid  # the same logits: plain text
    low = dec(q, DecodeConfig(decision="mass", call_threshold=float(p[v:].sum()) / 2, constrained=False, max_tokens_per_call=2, precision="fp32"))
    assert low.calls or low.invalid


def test_auto_follows_the_bank_or_a_given_threshold(tiny_backbone: Any) -> None:
    from tokmem_agents.decode.batch import DecodeBatch

    specs = [tool_spec("t0", "x")]
    q = "hello there"

    def threshold(bank_threshold: Any, **opts: Any) -> Any:
        bank = MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=True), [LearnedTool(s) for s in specs], torch.zeros(1, 64),
                          call_threshold=bank_threshold)
        dec = Decoder(tiny_backbone, bank)
        return DecodeBatch(dec, [q], [tiny_backbone.prompt_ids(q)], DecodeConfig(precision="fp32", **opts), None, 0).threshold

    assert threshold(None) is None  # argmax
    assert threshold(0.02) == 0.02
    assert threshold(None, call_threshold=0.3) == 0.3
    assert threshold(0.02, call_threshold=0.3) == 0.3
    assert threshold(0.02, decision="argmax") is None
    assert threshold(None, decision="mass") == 0.5


@pytest.mark.parametrize(
    "bad", [{"decision": "vote"}, {"call_threshold": 0.0}, {"continue_threshold": 1.0}, {"decision": "argmax", "call_threshold": 0.2}]
)
def test_decision_options_are_validated(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DecodeConfig(**bad)


# -- spec initialisation ---------------------------------------------------------------------------
def test_spec_init_reads_the_description(tiny_backbone: Any) -> None:
    emb = tiny_backbone.model.get_input_embeddings().weight
    gen = torch.Generator().manual_seed(0)
    by_name = init_vectors(emb, ["add_note"], tiny_backbone.tokenizer, "name", gen)
    a = init_vectors(emb, ["add_note"], tiny_backbone.tokenizer, "spec", gen, ["Save a short note."])
    b = init_vectors(emb, ["add_note"], tiny_backbone.tokenizer, "spec", gen, ["Delete every file."])
    assert not torch.equal(a, b) and not torch.equal(a, by_name)
    assert BankConfig.from_json({"coupled": True, "init": "spec"}).init == "spec"


# -- prototype initialisation and first renormalisation --------------------------------------------
def test_prototype_rows_point_from_the_reference_to_each_tools_states() -> None:
    from tokmem_agents.training.init import prototype_vectors

    states = torch.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0]])
    rows = prototype_vectors(states, [0, 0, 1], 2, torch.tensor([[0.0, 0.0], [0.0, 0.0]]), norm=5.0)
    assert torch.allclose(rows, torch.tensor([[5.0, 0.0], [0.0, 5.0]]))
    shifted = prototype_vectors(states, [0, 0, 1], 2, torch.tensor([[2.0, 2.0]]), norm=1.0)
    assert torch.allclose(shifted[0], torch.tensor([0.0, -1.0]))  # (2, 0) - (2, 2)
    with pytest.raises(ValueError, match="no decision state"):
        prototype_vectors(states, [0, 0, 0], 2, states, norm=1.0)
    with pytest.raises(ValueError, match="prototype_vectors"):
        init_vectors(torch.zeros(4, 2), ["a"], None, "prototype", torch.Generator())


def test_prototype_init_learns_and_depends_on_the_examples(tiny_backbone: Any) -> None:
    from tokmem_agents.training.trainer import learn

    fast = dict(epochs=1, synthesize=0, lr=1e-9)  # a negligible step: the rows are (nearly) their initial values
    other = tool_spec("add_note", "text", examples=[("Jot down a line about the garage", "garage")])
    rows = []
    for spec in (NOTE, other):
        bank = MemoryBank(tiny_backbone.fingerprint, BankConfig(init="prototype"))
        learn(tiny_backbone, bank, [spec], config=TrainConfig(**fast))
        rows.append(bank.input_vectors[0])
    emb_norm = tiny_backbone.model.get_input_embeddings().weight.float().norm(dim=1).mean()
    assert torch.allclose(rows[0].norm(), emb_norm, rtol=1e-3)
    assert not torch.allclose(rows[0], rows[1])
    assert BankConfig.from_json({"coupled": True, "init": "prototype"}).init == "prototype"


def test_renormalize_first_holds_a_new_banks_rows_at_the_embedding_norm(tiny_backbone: Any) -> None:
    from tokmem_agents.training.trainer import learn

    emb_norm = tiny_backbone.model.get_input_embeddings().weight.float().norm(dim=1).mean()
    norms = {}
    for flag in (False, True):
        bank = MemoryBank(tiny_backbone.fingerprint)
        learn(tiny_backbone, bank, [NOTE], config=TrainConfig(epochs=3, synthesize=0, lr=0.5, renormalize_first=flag))
        norms[flag] = float(bank.input_vectors[0].norm())
    assert norms[True] == pytest.approx(float(emb_norm), rel=1e-4)
    assert norms[False] != pytest.approx(float(emb_norm), rel=1e-2)
