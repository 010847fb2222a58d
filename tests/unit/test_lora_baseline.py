"""The lora baseline on the tiny random model: it trains and predicts, counts its parameters, and
leaves the shared backbone exactly as it found it."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from _tiny import tool_spec
from tokmem_agents.evaluation.methods.prompting import parse_calls
from tokmem_agents.config import TrainConfig
from tokmem_agents.bank.records import Example, ToolCall, spec_examples
from tokmem_agents.evaluation.harness import run_eval
from tokmem_agents.evaluation.methods import get_method
from tokmem_agents.config import LoRAConfig
from tokmem_agents.evaluation.methods.lora import LoRAMethod, target_text, tokmem_training_set
from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.evaluation.metrics import Prediction
from tokmem_agents.tokmem import TokMem

LAMP = tool_spec("dim_lamp", "room", examples=[(f"dim the lamp in the {r}", r) for r in ("hall", "den", "attic")])
PUMP = tool_spec("start_pump", "litres", "integer", examples=[(f"pump {n} litres", n) for n in (3, 40, 7)])
MIXED = [Example("dim the lamp in the den, then pump 9 litres",
                 (ToolCall("dim_lamp", {"room": "den"}), ToolCall("start_pump", {"litres": 9})))]
NOTOOL = [Example("tell me a joke", ())]
FAST = LoRAConfig(epochs=2, lr=5e-2, batch_size=4, precision="fp32")
# 2 layers x (q_proj: 64 -> 64, v_proj: 64 -> 32) at rank 8
LORA_PARAMS = 2 * 8 * ((64 + 64) + (64 + 32))


def _snapshot(model: Any) -> dict[str, Any]:
    return {
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "types": {n: type(m) for n, m in model.named_modules()},
        "attrs": set(vars(model)),
    }


@pytest.fixture(scope="module")
def trained(tiny_backbone: Any) -> dict[str, Any]:
    before = _snapshot(tiny_backbone.model)
    lora = LoRAMethod(tiny_backbone, [LAMP, PUMP], FAST, max_new_tokens=6, batch_size=2)
    examples = [*spec_examples(LAMP), *spec_examples(PUMP), *MIXED, *NOTOOL]
    stats = lora.fit(examples)
    preds = lora.predict(["dim the lamp in the kitchen", "pump 5 litres", "hello"])
    return {"before": before, "lora": lora, "stats": stats, "preds": preds, "examples": examples}


def test_backbone_is_restored_after_training_and_prediction(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    model, before = tiny_backbone.model, trained["before"]
    after = model.state_dict()
    assert after.keys() == before["state"].keys()
    assert all(torch.equal(after[k], v) for k, v in before["state"].items())
    assert {n: type(m) for n, m in model.named_modules()} == before["types"]
    assert type(model.model.layers[0].self_attn.q_proj) is torch.nn.Linear
    assert set(vars(model)) == before["attrs"] and not model.training
    assert not any(p.requires_grad for p in model.parameters())


def test_trainable_parameters_are_the_lora_weights(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    lora = trained["lora"]
    assert lora.state and all("lora_" in k for k in lora.state)
    assert lora.trainable_parameters == sum(v.numel() for v in lora.state.values()) == LORA_PARAMS
    with lora.attached() as peft_model:  # peft's own count agrees
        assert sum(p.numel() for p in peft_model.parameters() if p.requires_grad) == LORA_PARAMS
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in lora.state.items()), "lora_B never moved from zero"


def test_training_stats_follow_the_step_budget(trained: dict[str, Any]) -> None:
    stats, lora = trained["stats"], trained["lora"]
    n = len(trained["examples"])  # 8 examples, batch 4, 2 epochs
    assert stats.examples == n and stats.steps == 4 and stats.epochs == 2 and stats.seconds > 0
    assert stats.tools == ["dim_lamp", "start_pump"]
    assert lora.train_seconds == pytest.approx(stats.seconds) and lora.train_steps == 4


def test_predictions_have_every_field(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    preds = trained["preds"]
    assert len(preds) == 3 and all(isinstance(p, Prediction) for p in preds)
    for p, q in zip(preds, ["dim the lamp in the kitchen", "pump 5 litres", "hello"]):
        assert isinstance(p.text, str) and isinstance(p.calls, list) and isinstance(p.invalid, list)
        assert p.prompt_tokens == len(tiny_backbone.prompt_ids(q))  # no tool text in the prompt
        assert p.seconds > 0


def test_training_lowers_the_loss(tiny_backbone: Any) -> None:
    lora = LoRAMethod(tiny_backbone, [LAMP], LoRAConfig(epochs=4, lr=5e-2, precision="fp32"))
    batch = [lora.encode(e) for e in spec_examples(LAMP)]
    with lora.attached(), torch.no_grad():
        start = float(lora.batch_loss(batch))
    lora.fit(spec_examples(LAMP))
    first_state = {k: v.clone() for k, v in lora.state.items()}
    with lora.attached(), torch.no_grad():
        end = float(lora.batch_loss(batch))
    assert end < start
    lora.fit(spec_examples(LAMP))  # sequential fine-tuning continues from the trained weights
    assert lora.train_steps == 2 * 4
    assert any(not torch.equal(first_state[k], v) for k, v in lora.state.items())


def test_no_tool_loss_is_minus_log_one_minus_p_marker(tiny_backbone: Any) -> None:
    lora = LoRAMethod(tiny_backbone, [LAMP], FAST)
    enc = lora.encode(NOTOOL[0])
    assert enc.no_tool and len(enc.ids) == enc.prompt_len
    with lora.attached(), torch.no_grad():
        loss = float(lora.batch_loss([enc]))
        logits = tiny_backbone.model(input_ids=torch.tensor([enc.ids])).logits[0, -1].float()
    p = torch.softmax(logits, -1)[lora.marker_id]
    assert loss == pytest.approx(float(-torch.log1p(-p)), rel=1e-4)


def test_target_text_round_trips_through_the_call_parser() -> None:
    calls = MIXED[0].calls
    text = target_text(calls, {LAMP.name: LAMP, PUMP.name: PUMP})
    assert text.count("\n") == 1 and text.startswith("<tool_call>{")
    assert parse_calls(text) == (list(calls), [])


def test_training_set_matches_tokmem_and_get_method_builds_lora(tiny_backbone: Any) -> None:
    train = TrainConfig(epochs=1, synthesize=2, precision="fp32", augment=0, negative_share=0)
    exs = tokmem_training_set(tiny_backbone, [LAMP, PUMP], MIXED, train)
    assert exs[:7] == [*spec_examples(LAMP), *spec_examples(PUMP), *MIXED] and len(exs) == 9
    bank = MemoryBank(tiny_backbone.fingerprint)
    tm = TokMem(tiny_backbone, bank)
    tm.learn([LAMP, PUMP], MIXED, TrainConfig(epochs=1, synthesize=0, precision="fp32", augment=0, negative_share=0), save=False)
    lora = get_method("lora", tm, data=MIXED, train=TrainConfig(epochs=1, synthesize=0, precision="fp32", augment=0, negative_share=0), max_new_tokens=4)
    assert lora.name == "lora" and lora.train_steps == 2  # 7 examples, batch 4, 1 epoch: as TokMem
    report = run_eval(lora, [*spec_examples(LAMP)[:1], *NOTOOL], tm.bank.specs)
    assert report["method"] == "lora" and report["trainable_parameters"] == LORA_PARAMS
    assert report["train_seconds"] > 0 and report["n"] == 2
