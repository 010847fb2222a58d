"""Backbone adaptation on the tiny random model: LoRA trains with temporary tokens and is removed
again, a saved adapter merges into a freshly loaded backbone under its own fingerprint, banks record
it, and a corrupt or foreign adapter is a clear error."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import torch

from _tiny import make_tiny_model, tool_spec
from tokmem_agents.training.adapt import adapt, train_adapter
from tokmem_agents.model.adapters import WEIGHTS_FILE, adapter_id, apply_adapter, find_adapter, read_adapter
from tokmem_agents.model.backbone import load_backbone
from tokmem_agents.config import AdaptConfig, TrainConfig
from tokmem_agents.bank.records import Example, ToolCall, spec_examples
from tokmem_agents.errors import BackboneError, BackboneMismatchError
from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.tokmem import TokMem
from tokmem_agents.training.trainer import learn

LAMP = tool_spec("dim_lamp", "room", examples=[(f"dim the lamp in the {r}", r) for r in ("hall", "den", "attic")])
PUMP = tool_spec("start_pump", "litres", "integer", examples=[(f"pump {n} litres", n) for n in (3, 40, 7)])
FAST = AdaptConfig(epochs=2, lr=5e-2, memory_lr=5e-2, batch_size=4, precision="fp32", negatives=0, paraphrases=False,
                   rank=8, alpha=16, targets=("q_proj", "v_proj"))


@dataclass(frozen=True)
class Corpus:
    specs: list[Any]
    examples: list[Example]
    compositional: list[Example] = field(default_factory=list)
    notool: list[Example] = field(default_factory=list)
    paraphrases: list[Example] = field(default_factory=list)


CORPUS = Corpus(
    specs=[LAMP, PUMP],
    examples=[e for s in (LAMP, PUMP) for e in spec_examples(s)],
    compositional=[Example("dim the lamp in the den, then pump 9 litres", [ToolCall("dim_lamp", {"room": "den"}), ToolCall("start_pump", {"litres": 9})])],
    notool=[Example("tell me a joke", [])],
)


@pytest.fixture(scope="module")
def trained(tiny_backbone: Any) -> dict[str, Any]:
    before = {k: v.detach().clone() for k, v in tiny_backbone.model.state_dict().items()}
    types = {n: type(m) for n, m in tiny_backbone.model.named_modules()}
    state, stats = train_adapter(tiny_backbone, CORPUS, FAST)
    return {"before": before, "types": types, "state": state, "stats": stats}


def test_training_leaves_the_shared_backbone_untouched(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    after = tiny_backbone.model.state_dict()
    assert after.keys() == trained["before"].keys()
    assert all(torch.equal(after[k], v) for k, v in trained["before"].items())
    assert {n: type(m) for n, m in tiny_backbone.model.named_modules()} == trained["types"]
    assert not any(p.requires_grad for p in tiny_backbone.model.parameters())


def test_lora_weights_are_trained_and_counted(trained: dict[str, Any]) -> None:
    state, stats = trained["state"], trained["stats"]
    assert state and all("lora_" in k for k in state)
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in state.items()), "lora_B never moved from zero"
    # 2 layers x (q: 64->64, v: 64->32) at rank 8
    assert stats["trainable_parameters"] == sum(v.numel() for v in state.values()) == 2 * 8 * (64 + 64 + 64 + 32)
    assert stats["tools"] == 2 and stats["examples"] == 8 and stats["temporary_tokens"] == 2


def test_adapter_id_is_a_content_hash(trained: dict[str, Any]) -> None:
    state = trained["state"]
    assert adapter_id(state) == adapter_id({k: v.clone() for k, v in reversed(list(state.items()))})
    changed = dict(state)
    k = next(iter(changed))
    changed[k] = changed[k] + 1e-3
    assert adapter_id(changed) != adapter_id(state)


def test_saved_adapter_merges_into_a_fresh_backbone(tiny_model_dir: Path, tokmem_home: Path, trained: dict[str, Any]) -> None:
    base = load_backbone(str(tiny_model_dir), device="cpu", adapter=None)
    from tokmem_agents.model.adapters import save_adapter

    saved = save_adapter(trained["state"], FAST, base.fingerprint, trained["stats"])
    assert saved.path == tokmem_home / "models" / "adapters" / saved.id
    assert find_adapter(saved.id) == saved.path and read_adapter(saved.path).id == saved.id
    adapted = load_backbone(str(tiny_model_dir), device="cpu", adapter=saved.id)
    assert adapted is not base and adapted.fingerprint.adapter == saved.id
    assert adapted.fingerprint.embedding_sha256 == base.fingerprint.embedding_sha256
    assert not adapted.fingerprint.same_weights(base.fingerprint)
    q_base = base.model.model.layers[0].self_attn.q_proj.weight
    q_adapted = adapted.model.model.layers[0].self_attn.q_proj.weight
    a = next(v for k, v in trained["state"].items() if "layers.0.self_attn.q_proj.lora_A" in k)
    b = next(v for k, v in trained["state"].items() if "layers.0.self_attn.q_proj.lora_B" in k)
    torch.testing.assert_close(q_adapted, q_base + (b @ a) * (FAST.alpha / FAST.rank))
    assert type(adapted.model.model.layers[0].self_attn.q_proj) is torch.nn.Linear
    assert not any(p.requires_grad for p in adapted.model.parameters())
    assert load_backbone(str(tiny_model_dir), device="cpu", adapter=str(saved.path)) is adapted


def test_banks_record_the_adapter_and_refuse_another(tiny_model_dir: Path, tokmem_home: Path, tmp_path: Path) -> None:
    base = load_backbone(str(tiny_model_dir), device="cpu", adapter=None)
    ad = adapt(base, CORPUS, FAST)
    bank_dir = tmp_path / "bank"
    tm = TokMem.open(bank_dir, str(tiny_model_dir), adapter=ad.id)
    assert tm.backbone.fingerprint.adapter == ad.id
    tm.learn([tool_spec("ring_bell", "times", "integer", examples=[("ring twice", 2), ("ring 5 times", 5)])],
             config=TrainConfig(epochs=1, precision="fp32"))
    reopened = TokMem.open(bank_dir)  # the recorded model + adapter are loaded
    assert reopened.backbone.fingerprint.adapter == ad.id and reopened.bank.names == ["ring_bell"]
    with pytest.raises(BackboneMismatchError, match="adapter"):
        TokMem.open(bank_dir, adapter=None)
    # continual learning on the adapted backbone: earlier rows and the adapter stay bit-identical
    rows = reopened.bank.input_vectors.clone()
    weights = (ad.path / WEIGHTS_FILE).read_bytes()
    reopened.learn([tool_spec("feed_cat", "grams", "integer", examples=[("feed the cat 40 grams", 40)])],
                   config=TrainConfig(epochs=1, precision="fp32"))
    assert torch.equal(reopened.bank.input_vectors[:1], rows)
    assert (ad.path / WEIGHTS_FILE).read_bytes() == weights


def test_corrupt_or_foreign_adapters_are_clear_errors(tiny_model_dir: Path, tokmem_home: Path, tmp_path: Path, trained: dict[str, Any]) -> None:
    from tokmem_agents.model.adapters import save_adapter

    base = load_backbone(str(tiny_model_dir), device="cpu", adapter=None)
    saved = save_adapter(trained["state"], FAST, base.fingerprint, trained["stats"])
    with pytest.raises(BackboneError, match="not found"):
        load_backbone(str(tiny_model_dir), device="cpu", adapter="0123456789abcdef")
    other_dir = make_tiny_model(tmp_path / "other", tiny_model_dir, seed=11)
    with pytest.raises(BackboneMismatchError):
        load_backbone(str(other_dir), device="cpu", adapter=saved.id)
    # flip bytes in the weights: the content hash no longer matches the id
    f = saved.path / WEIGHTS_FILE
    raw = bytearray(f.read_bytes())
    raw[-8:] = bytes(8)
    f.write_bytes(bytes(raw))
    fresh = make_tiny_model(tmp_path / "copy", tiny_model_dir, seed=0)
    from tokmem_agents.model.backbone import freeze
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(fresh)
    with pytest.raises(BackboneError, match="do not match its id|unreadable"):
        apply_adapter(model, read_adapter(saved.path), base.fingerprint)
    (saved.path / "tokmem-adapter.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BackboneError, match="not a valid adapter"):
        read_adapter(saved.path)
    del freeze


def test_adapting_an_adapted_backbone_is_refused(tiny_model_dir: Path, tokmem_home: Path) -> None:
    base = load_backbone(str(tiny_model_dir), device="cpu", adapter=None)
    ad = adapt(base, CORPUS, FAST)
    adapted = load_backbone(str(tiny_model_dir), device="cpu", adapter=ad.id)
    with pytest.raises(BackboneError, match="already adapted"):
        train_adapter(adapted, CORPUS, FAST)


def test_shipped_default_adapters_are_intact() -> None:
    """Every default adapter named in the shipped ``defaults.json`` is shipped, and its weights hash to its id."""
    import json

    from safetensors.torch import load_file

    from tokmem_agents.model.adapters import SHIPPED_ADAPTERS, default_adapter
    from tokmem_agents.model.sources import EMBEDDED_ID

    table = json.loads((SHIPPED_ADAPTERS / "defaults.json").read_text(encoding="utf-8"))
    assert default_adapter(EMBEDDED_ID) == table.get(EMBEDDED_ID)
    for model_id, ident in table.items():
        ad = read_adapter(SHIPPED_ADAPTERS / ident)
        assert ad.id == ident and ad.base.model_id == model_id and ad.base.adapter is None
        assert adapter_id(load_file(str(ad.path / WEIGHTS_FILE))) == ident
        assert ad.stats["trainable_parameters"] > 0 and ad.stats["tools"] >= 24


def test_adapt_defaults_are_the_shipped_adapters_recipe() -> None:
    """``tokmem-agent adapt`` with no options trains what the embedded model ships (seed and loop aside)."""
    from dataclasses import asdict

    from tokmem_agents.model.adapters import SHIPPED_ADAPTERS, default_adapter
    from tokmem_agents.model.sources import EMBEDDED_ID

    shipped = asdict(read_adapter(SHIPPED_ADAPTERS / default_adapter(EMBEDDED_ID)).config)
    defaults = asdict(AdaptConfig())
    recipe = ("rank", "alpha", "targets", "dropout", "epochs", "lr", "memory_lr", "paraphrases", "negatives", "decision_weight")
    assert {k: shipped[k] for k in recipe} == {k: defaults[k] for k in recipe}


@pytest.mark.parametrize("value", ["not-an-id", "94186690C275F25F", "94186690c275f25", 12, ["x"], "a" * 5000])
def test_a_bank_whose_adapter_is_not_an_id_is_a_clear_error(value: Any) -> None:
    from tokmem_agents.model.fingerprint import Fingerprint
    from tokmem_agents.errors import BankError

    raw = {"model_id": "m", "hidden_size": 4, "vocab_size": 8, "embedding_sha256": "0" * 64, "adapter": value}
    with pytest.raises(BankError, match='field "backbone": adapter must be null or an adapter id') as e:
        Fingerprint.from_json(raw)
    assert len(str(e.value)) < 200
    assert Fingerprint.from_json({**raw, "adapter": "94186690c275f25f"}).adapter == "94186690c275f25f"


def test_adapter_training_is_deterministic_with_a_seed(tiny_backbone: Any, trained: dict[str, Any]) -> None:
    again, _ = train_adapter(tiny_backbone, CORPUS, FAST)
    assert adapter_id(again) == adapter_id(trained["state"])
    other, _ = train_adapter(tiny_backbone, CORPUS, replace(FAST, seed=1))
    assert adapter_id(other) != adapter_id(trained["state"])


def test_paraphrases_train_the_adapter_but_never_the_rows(tiny_backbone: Any) -> None:
    """``AdaptConfig.paraphrases``: a paraphrase's gradient reaches the LoRA weights only; in a mixed
    batch the rows get exactly the gradient of the plain examples (scaled by their share)."""
    from tokmem_agents.model.adapters import attach_lora
    from tokmem_agents.model.lm import MemoryLM
    from tokmem_agents.training.adapt import adaptation_loss
    from tokmem_agents.training.encoding import encode_example
    from tokmem_agents.training.loss import batch_loss

    specs = {s.name: s for s in (LAMP, PUMP)}
    index = {n: i for i, n in enumerate(specs)}
    plain = [encode_example(tiny_backbone, e, index, specs) for e in CORPUS.examples[:2]]
    para = [encode_example(tiny_backbone, Example("switch the hall light lower", [ToolCall("dim_lamp", {"room": "hall"})]), index, specs)]
    fixed = {id(e) for e in para}
    rows = torch.nn.Parameter(torch.randn(2, tiny_backbone.model.get_input_embeddings().weight.shape[1]) * 0.02)
    peft_model = attach_lora(tiny_backbone.model, FAST)
    try:
        lora = [p for p in tiny_backbone.model.parameters() if p.requires_grad]
        lm = MemoryLM(tiny_backbone, rows)
        loss, _ = adaptation_loss(lm, rows, para, 0, fixed)
        loss.backward()
        assert rows.grad is None or not rows.grad.any()
        assert any(p.grad is not None and p.grad.any() for p in lora)
        for p in [*lora, rows]:
            p.grad = None
        loss, _ = adaptation_loss(lm, rows, [*plain, *para], 0, fixed)
        loss.backward()
        mixed = rows.grad.clone()
        rows.grad = None
        (batch_loss(lm, plain, 0)[0] * 2 / 3).backward()
        assert torch.allclose(mixed, rows.grad, atol=1e-6) and mixed.any()
        assert lm.embedding.rows is rows  # the rows are put back
    finally:
        peft_model.unload()
        tiny_backbone.model.requires_grad_(False)


def test_adapting_with_paraphrases_and_negatives(tiny_backbone: Any) -> None:
    """Both options change the training set the stats report; a corpus without paraphrases trains
    without them."""
    with_para = replace(CORPUS, paraphrases=[Example("switch the hall light lower", [ToolCall("dim_lamp", {"room": "hall"})])])
    _, stats = train_adapter(tiny_backbone, with_para, replace(FAST, epochs=1, paraphrases=True, negatives=3))
    assert stats["examples"] == 8 + 3 and stats["paraphrases"] == 1
    _, stats = train_adapter(tiny_backbone, with_para, replace(FAST, epochs=1))  # off by default
    assert stats["paraphrases"] == 0
    _, stats = train_adapter(tiny_backbone, CORPUS, replace(FAST, epochs=1, paraphrases=True))
    assert stats["paraphrases"] == 0 and stats["examples"] == 8


def test_the_decision_weight_is_recorded_and_older_adapters_read_as_one(tokmem_home: Path, trained: dict[str, Any], tiny_backbone: Any) -> None:
    import json

    from tokmem_agents.model.adapters import META_FILE, save_adapter

    saved = save_adapter(trained["state"], replace(FAST, decision_weight=2.5), tiny_backbone.fingerprint, trained["stats"])
    assert read_adapter(saved.path).config.decision_weight == 2.5
    meta = saved.path / META_FILE
    raw = json.loads(meta.read_text(encoding="utf-8"))
    del raw["config"]["decision_weight"]  # as written before the option existed
    meta.write_text(json.dumps(raw), encoding="utf-8")
    assert read_adapter(saved.path).config.decision_weight == 1.0
    with pytest.raises(ValueError, match="decision_weight must be positive"):
        AdaptConfig(decision_weight=0)


def test_no_shipped_data_file_is_over_5_mb() -> None:
    """Model weights stay out of git: shipped adapters are float16 (``scripts/ship_adapter.py``), banks are small."""
    from tokmem_agents.model.adapters import SHIPPED_ADAPTERS

    data = SHIPPED_ADAPTERS.parent
    big = [str(p.relative_to(data)) for p in data.rglob("*") if p.is_file() and p.stat().st_size > 5_000_000]
    assert big == []
