"""Learning tools on the tiny random model: only memory rows change, continual learning is safe,
training is deterministic, bad input fails before any training, and the loss goes down."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from _tiny import tool_spec
from tokmem_agents.config import BankConfig, TrainConfig
from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.errors import BackboneMismatchError, BankError, DataError, SpecError, TrainingDivergedError
from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.model.lm import MemoryLM
from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.training.encoding import encode_example
from tokmem_agents.training.loop import TrainProgress
from tokmem_agents.training.loss import batch_loss
from tokmem_agents.training.plan import plan_examples
from tokmem_agents.training.trainer import learn

WEATHER = tool_spec("get_weather", "city", examples=[(f"What's the weather in {c}?", c) for c in ("Paris", "Rome", "Oslo", "Lima")])
TIMER = tool_spec("set_timer", "minutes", "integer", examples=[(f"Set a timer for {m} minutes", m) for m in (1, 5, 10, 25)])
MAIL = tool_spec("send_mail", "to", examples=[("Email Bob", "bob"), ("Send a mail to Amy", "amy")])
FAST = TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=1, lr=5e-2, batch_size=4, precision="fp32")


@pytest.fixture(scope="module")
def trained(tiny_backbone: Any) -> dict[str, Any]:
    """A bank that learned two tools with a high lr; the backbone state before and after, progress."""
    before = {k: v.detach().clone() for k, v in tiny_backbone.model.state_dict().items()}
    bank = MemoryBank(tiny_backbone.fingerprint)
    seen: list[TrainProgress] = []
    stats = learn(tiny_backbone, bank, [WEATHER, TIMER], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=6, lr=5e-2, batch_size=3, precision="fp32"), progress=seen.append)
    return {"bank": bank, "before": before, "progress": seen, "stats": stats}


def first_token_probs(backbone: Any, bank: MemoryBank, query: str) -> torch.Tensor:
    """Probabilities of the first assistant token over vocabulary + memory tokens."""
    lm = MemoryLM(backbone, bank.input_vectors, bank.output_vectors)
    ids = torch.tensor([backbone.prompt_ids(query)])
    with torch.no_grad():
        h, _ = lm.hidden(ids)
        return lm.logits(h[0, -1]).float().softmax(-1)


# -- only memory rows learn ----------------------------------------------------------------------
def test_backbone_is_bit_identical_after_training(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    after = tiny_backbone.model.state_dict()
    assert after.keys() == trained["before"].keys()
    for k, v in trained["before"].items():
        assert torch.equal(after[k], v), f"backbone parameter {k} changed"
    assert all(p.grad is None and not p.requires_grad for p in tiny_backbone.model.parameters())


def test_learned_tools_are_in_the_bank_with_stats(trained: dict[str, Any]) -> None:
    bank, stats = trained["bank"], trained["stats"]
    assert bank.names == ["get_weather", "set_timer"]
    assert bank.input_vectors.shape == (2, 64) and torch.isfinite(bank.input_vectors).all()
    assert stats.tools == ["get_weather", "set_timer"] and stats.examples == 8 and stats.epochs == 6
    assert stats.steps == 6 * math.ceil(8 / 3)
    assert stats.examples_per_second > 0
    for name in bank.names:
        s = bank.tool(name).stats
        assert s["examples"] == 4 and s["epochs"] == 6 and s["lr"] == 5e-2
        assert s["final_loss"] is not None and math.isfinite(s["final_loss"])
        stored = bank.tool(name).examples
        assert 1 <= len(stored) <= TrainConfig().stored_examples_per_tool
        assert all(e.tool_names == [name] for e in stored)


def test_the_loss_goes_down(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    losses = [p.loss for p in trained["progress"]]
    per_epoch = math.ceil(8 / 3)
    first, last = losses[:per_epoch], losses[-per_epoch:]
    assert sum(last) / len(last) < sum(first) / len(first) - 0.3, losses
    # and the memory tokens took over the first assistant token of the training queries
    bank = trained["bank"]
    v = tiny_backbone.base_vocab
    for q in ("What's the weather in Paris?", "Set a timer for 5 minutes"):
        assert first_token_probs(tiny_backbone, bank, q)[v:].sum() > 0.5


def test_progress_callback_reports_sane_numbers(trained: dict[str, Any]) -> None:
    seen: list[TrainProgress] = trained["progress"]
    total = 6 * math.ceil(8 / 3)
    assert [p.step for p in seen] == list(range(1, total + 1))
    assert all(p.total_steps == total for p in seen)
    assert [p.epoch for p in seen] == [e for e in range(1, 7) for _ in range(3)]
    assert all(math.isfinite(p.loss) and p.loss > 0 for p in seen)
    assert all(a.elapsed <= b.elapsed for a, b in zip(seen, seen[1:]))
    assert all(a.examples_done < b.examples_done for a, b in zip(seen, seen[1:]))
    assert all(0 < p.examples_done <= p.total_examples for p in seen)
    assert seen[-1].examples_per_second > 0


def test_progress_counts_real_examples(trained: dict[str, Any]) -> None:
    seen: list[TrainProgress] = trained["progress"]
    assert seen[-1].total_examples == 8 * 6
    assert seen[-1].examples_done == 8 * 6
    assert seen[2].examples_done == 8  # end of the first epoch


# -- continual learning --------------------------------------------------------------------------
def test_new_tools_leave_existing_rows_bit_identical_and_are_renormalised(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    bank = trained["bank"].copy()
    old = bank.input_vectors.clone()
    learn(tiny_backbone, bank, [MAIL], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=2, lr=5e-2, replay_per_tool=2, precision="fp32"))
    assert bank.names == ["get_weather", "set_timer", "send_mail"]
    assert torch.equal(bank.input_vectors[:2], old)
    target = old.norm(dim=1).mean()
    assert torch.allclose(bank.input_vectors[2].norm(), target, rtol=1e-5)
    assert bank.tool("get_weather") == trained["bank"].tool("get_weather")  # records untouched too

    raw = trained["bank"].copy()
    learn(tiny_backbone, raw, [MAIL], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=2, lr=5e-2, renormalize=False, replay=False, precision="fp32"))
    assert torch.equal(raw.input_vectors[:2], old)
    assert not torch.allclose(raw.input_vectors[2].norm(), target, rtol=1e-3)


def test_decoupled_bank_trains_only_new_input_and_output_rows(tiny_backbone: Any) -> None:
    bank = MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=False))
    learn(tiny_backbone, bank, [WEATHER], config=FAST)
    assert bank.output_vectors is not None and not torch.equal(bank.input_vectors, bank.output_vectors)
    old_in, old_out = bank.input_vectors.clone(), bank.output_vectors.clone()
    learn(tiny_backbone, bank, [TIMER], config=FAST)
    assert torch.equal(bank.input_vectors[:1], old_in) and torch.equal(bank.output_vectors[:1], old_out)
    assert torch.allclose(bank.output_vectors[1].norm(), old_out.norm(dim=1).mean(), rtol=1e-5)


def test_replay_includes_stored_examples_of_existing_tools(trained: dict[str, Any]) -> None:
    bank = trained["bank"]
    examples, per_tool = plan_examples(bank, [MAIL], [], TrainConfig(augment=0, negative_share=0, synthesize=0, replay_per_tool=2))
    stored = [e for t in bank.tools for e in t.examples]
    replayed = [e for e in examples if e in stored]
    assert len(replayed) == 4
    assert sorted(n for e in replayed for n in e.tool_names) == ["get_weather"] * 2 + ["set_timer"] * 2
    assert list(per_tool) == ["send_mail"] and len(per_tool["send_mail"]) == 2
    off, _ = plan_examples(bank, [MAIL], [], TrainConfig(augment=0, negative_share=0, synthesize=0, replay=False))
    assert [e.tool_names for e in off] == [["send_mail"]] * 2


def test_replay_examples_are_trained_on(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    bank = trained["bank"].copy()
    stats = learn(tiny_backbone, bank, [MAIL], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=1, replay_per_tool=3, precision="fp32"))
    assert stats.examples == 2 + 2 * 3
    assert bank.tool("send_mail").stats["examples"] == 2


@pytest.mark.parametrize("value", [-1, 1.5, True, "auto"])
def test_synthesize_must_be_none_or_a_count(value: Any) -> None:
    with pytest.raises(ValueError, match="synthesize"):
        TrainConfig(augment=0, negative_share=0, synthesize=value)


def test_synthesis_defaults_to_a_few_per_new_tool() -> None:
    from tokmem_agents.config import SYNTHESIZE_PER_NEW_TOOL

    assert TrainConfig().synthesize is None
    assert TrainConfig().synthesized_examples(3) == 3 * SYNTHESIZE_PER_NEW_TOOL == 24
    assert TrainConfig(augment=0, negative_share=0, synthesize=0).synthesized_examples(3) == 0
    assert TrainConfig(augment=0, negative_share=0, synthesize=5).synthesized_examples(3) == 5


def test_synthesised_examples_mix_new_and_old_tools(trained: dict[str, Any]) -> None:
    examples, _ = plan_examples(trained["bank"], [MAIL], [], TrainConfig(augment=0, negative_share=0, replay=False, synthesize=6))
    multi = [e for e in examples if len(e.calls) > 1]
    assert len(multi) == 6 and all("send_mail" in e.tool_names for e in multi)


def test_forgotten_tool_in_a_stored_multi_call_example(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    """A stored example 'weather then mail' must not break learning after get_weather is forgotten."""
    bank = trained["bank"].copy()
    combo = Example("Weather in Rome, then email Bob", (ToolCall("get_weather", {"city": "Rome"}), ToolCall("send_mail", {"to": "bob"})))
    learn(tiny_backbone, bank, [MAIL], [combo], config=FAST)
    assert combo in bank.tool("send_mail").examples
    bank.forget("get_weather")
    other = tool_spec("play_song", "title", examples=[("Play Yesterday", "Yesterday")])
    learn(tiny_backbone, bank, [other], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=1, replay_per_tool=16, precision="fp32"))
    assert bank.names == ["set_timer", "send_mail", "play_song"]


# -- determinism ---------------------------------------------------------------------------------
def test_same_seed_gives_bit_identical_rows(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    runs = []
    for seed in (3, 3, 4):
        bank = trained["bank"].copy()
        learn(tiny_backbone, bank, [MAIL], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=2, lr=5e-2, batch_size=2, seed=seed, replay_per_tool=1, renormalize=False))
        runs.append(bank.input_vectors[-1].clone())
    assert torch.equal(runs[0], runs[1])
    assert not torch.equal(runs[0], runs[2])


# -- no-tool examples ----------------------------------------------------------------------------
@pytest.mark.parametrize("coupled", [False, True])
def test_no_tool_examples_teach_the_bank_not_to_fire(tiny_backbone: Any, coupled: bool) -> None:
    chat = ["Tell me a joke", "How are you today?", "What is love?", "Write a haiku about rain"]
    no_tool = [Example(q) for q in chat]
    # one batch per epoch in both runs, so both take the same optimiser steps; 12 epochs, since a
    # decoupled output row needs that many on the tiny model before the tool's examples raise its mass
    plain = MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=coupled))
    learn(tiny_backbone, plain, [WEATHER], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=12, lr=5e-2, batch_size=4, precision="fp32"))
    taught = MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=coupled))
    stats = learn(tiny_backbone, taught, [WEATHER], no_tool, config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=12, lr=5e-2, batch_size=8, precision="fp32"))
    assert stats.examples == 8
    v = tiny_backbone.base_vocab
    fire_plain = sum(float(first_token_probs(tiny_backbone, plain, q)[v:].sum()) for q in chat)
    fire_taught = sum(float(first_token_probs(tiny_backbone, taught, q)[v:].sum()) for q in chat)
    assert fire_taught < fire_plain


def test_no_tool_loss_is_minus_log_probability_of_not_firing(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    bank = trained["bank"]
    lm = MemoryLM(tiny_backbone, bank.input_vectors, bank.output_vectors)
    q = "Tell me a joke"
    enc = encode_example(tiny_backbone, Example(q), {})
    with torch.no_grad():
        _, per_example = batch_loss(lm, [enc], tiny_backbone.tokenizer.pad_token_id)
    p_fire = float(first_token_probs(tiny_backbone, bank, q)[tiny_backbone.base_vocab :].sum())
    assert per_example[0].item() == pytest.approx(-math.log(1 - p_fire), rel=1e-3, abs=1e-5)



def test_decision_weight_weighs_memory_and_end_tokens_only(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    """With weight w the loss is (w * sum of decision terms + sum of argument terms) / (w * n_dec + n_arg),
    where the decision terms are the memory token and the end token of each call; w = 1 is the plain mean."""
    bank = trained["bank"]
    lm = MemoryLM(tiny_backbone, bank.input_vectors)
    two = encode_example(
        tiny_backbone,
        Example("weather then timer", (ToolCall("get_weather", {"city": "Rome"}), ToolCall("set_timer", {"minutes": 5}))),
        {"get_weather": 0, "set_timer": 1},
    )
    one = encode_example(tiny_backbone, Example("weather", (ToolCall("get_weather", {"city": "Oslo"}),)), {"get_weather": 0})
    pad = tiny_backbone.tokenizer.pad_token_id
    terms: list[float] = []
    decision: list[bool] = []
    with torch.no_grad():
        for e in (two, one):
            logits = lm.logits(lm.hidden(torch.tensor([e.ids]))[0][0])
            for p in range(e.prompt_len - 1, len(e.ids) - 1):
                terms.append(float(F.cross_entropy(logits[p].float(), torch.tensor(e.ids[p + 1]))))
                decision.append(e.ids[p + 1] >= tiny_backbone.base_vocab or p == len(e.ids) - 2)
        assert sum(decision) == 5  # two memory tokens + end, one memory token + end
        for w in (1.0, 4.0):
            got, _ = batch_loss(lm, [two, one], pad, decision_weight=w)
            want = sum(t * (w if d else 1.0) for t, d in zip(terms, decision)) / sum(w if d else 1.0 for d in decision)
            assert got.item() == pytest.approx(want, rel=1e-4)


def test_no_tool_example_encodes_the_prompt_only(tiny_backbone: Any) -> None:
    enc = encode_example(tiny_backbone, Example("hi there"), {})
    assert enc.no_tool and enc.ids == tiny_backbone.prompt_ids("hi there") and enc.prompt_len == len(enc.ids)
    call = encode_example(tiny_backbone, Example("weather", (ToolCall("get_weather", {"city": "Rome"}),)), {"get_weather": 0})
    v = tiny_backbone.base_vocab
    target = call.ids[call.prompt_len :]
    assert target[0] == v and target[-1] == tiny_backbone.end_token_ids[0]
    assert tiny_backbone.tokenizer.decode(target[1:-1]) == '{"city": "Rome"}'
    assert call.decisions == {call.prompt_len, len(call.ids) - 1} and enc.decisions == frozenset()


# -- bad input fails before any training -----------------------------------------------------------
BAD_CASES = [
    ([], [], SpecError, "no tools to learn"),
    ([tool_spec("lonely")], [], SpecError, "have no examples"),
    ([MAIL, MAIL], [], SpecError, "defined twice"),
    ([MAIL], [Example("q", (ToolCall("nope", {}),))], DataError, "unknown tool 'nope'"),
    ([MAIL], [Example("q", (ToolCall("send_mail", {"to": 3}),))], DataError, "3 is not of type 'string'"),
    ([MAIL], [Example("q", (ToolCall("send_mail", {"cc": "x", "to": "y"}),))], DataError, "Additional properties"),
    ([WEATHER], [], BankError, "already learned"),
]


@pytest.mark.parametrize("specs, extra, error, message", BAD_CASES)
def test_invalid_input_fails_before_training(tiny_backbone: Any, trained: dict[str, Any], specs: Any, extra: Any, error: type, message: str) -> None:
    bank = trained["bank"].copy()
    calls: list[TrainProgress] = []
    with pytest.raises(error, match=message):
        learn(tiny_backbone, bank, specs, extra, config=FAST, progress=calls.append)
    assert calls == []
    assert bank.names == trained["bank"].names and torch.equal(bank.input_vectors, trained["bank"].input_vectors)


def test_bank_of_another_backbone_is_refused(tiny_backbone: Any) -> None:
    fp = tiny_backbone.fingerprint
    bank = MemoryBank(Fingerprint("other", fp.hidden_size, fp.vocab_size, "0" * 64))
    with pytest.raises(BackboneMismatchError):
        learn(tiny_backbone, bank, [MAIL], config=FAST)
    assert len(bank) == 0


def test_bad_train_config_is_refused() -> None:
    for kw in ({"epochs": 0}, {"batch_size": 0}, {"lr": 0.0}, {"lr": -1.0}):
        with pytest.raises(ValueError):
            TrainConfig(**kw)


def test_interrupted_training_leaves_the_bank_unchanged(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    bank = trained["bank"].copy()

    def stop(p: TrainProgress) -> None:
        if p.step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        learn(tiny_backbone, bank, [MAIL], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=3, batch_size=1, precision="fp32"), progress=stop)
    assert bank.names == ["get_weather", "set_timer"]
    assert torch.equal(bank.input_vectors, trained["bank"].input_vectors)


@pytest.mark.parametrize("coupled", [True, False])
def test_diverged_training_is_refused_and_leaves_the_bank_unchanged(tiny_backbone: Any, trained: dict[str, Any], coupled: bool) -> None:
    bank = trained["bank"].copy() if coupled else MemoryBank(tiny_backbone.fingerprint, BankConfig(coupled=False))
    before = bank.copy()
    with pytest.raises(TrainingDivergedError, match=r"send_mail.*smaller learning rate \(--lr, was 1e\+30\)") as info:
        learn(tiny_backbone, bank, [MAIL], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=1, lr=1e30, batch_size=2, precision="fp32"))
    assert info.value.exit_code == 2 and "\n" not in str(info.value)
    assert bank.names == before.names and torch.equal(bank.input_vectors, before.input_vectors)


@pytest.mark.parametrize("breakage", ["zero", "nan", "explode"])
def test_a_broken_row_after_training_is_refused(tiny_backbone: Any, monkeypatch: pytest.MonkeyPatch, breakage: str) -> None:
    import tokmem_agents.training.trainer as trainer

    real = trainer.optimise

    def breaking(lm, encoded, params, *args, **kw):  # type: ignore[no-untyped-def]
        out = real(lm, encoded, params, *args, **kw)
        with torch.no_grad():  # the second new tool's row breaks; the first is fine
            row = params[0][1]
            row.zero_() if breakage == "zero" else row.fill_(math.nan) if breakage == "nan" else row.mul_(1e7)
        return out

    monkeypatch.setattr(trainer, "optimise", breaking)
    bank = MemoryBank(tiny_backbone.fingerprint)
    with pytest.raises(TrainingDivergedError, match="of set_timer came out") as info:
        learn(tiny_backbone, bank, [WEATHER, TIMER], config=FAST)
    assert "get_weather" not in str(info.value)
    assert len(bank) == 0


def test_batch_order_without_grouping_is_the_plain_shuffle() -> None:
    import random

    from tokmem_agents.training.loop import batch_order

    order, rng, ref_rng = list(range(10)), random.Random(3), random.Random(3)
    ref = list(range(10))
    for _ in range(2):  # each epoch reshuffles the previous order
        ref_rng.shuffle(ref)
        assert batch_order(order, [1] * 10, 4, rng) == [ref[0:4], ref[4:8], ref[8:10]]


def test_grouped_batches_cover_every_example_with_less_padding() -> None:
    import random

    from tokmem_agents.training.loop import batch_order

    rng = random.Random(0)
    lengths = [rng.randint(5, 400) for _ in range(1000)]
    pad = lambda batches: sum(max(lengths[i] for i in b) * len(b) for b in batches)  # noqa: E731
    plain = batch_order(list(range(1000)), lengths, 4, random.Random(1))
    grouped = batch_order(list(range(1000)), lengths, 4, random.Random(1), group_by_length=True)
    assert sorted(i for b in grouped for i in b) == list(range(1000)) and len(grouped) == len(plain) == 250
    assert all(len(b) == 4 for b in grouped)
    assert pad(grouped) < 0.8 * pad(plain)
    assert grouped != sorted(grouped, key=lambda b: lengths[b[0]])  # batches are not served shortest first
    assert batch_order(list(range(1000)), lengths, 4, random.Random(1), group_by_length=True) == grouped
