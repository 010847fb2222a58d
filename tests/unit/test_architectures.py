"""Model families (issue 21, section 1): tiny random models built locally from transformers configs
(no download) for Llama, Qwen2, Gemma, Mistral and Phi-3, with tied and untied heads and a
vocabulary padded past the tokenizer. Each learns two tools, decodes a constrained call, and its
export decodes the same calls with plain transformers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from _tiny import tool_spec
from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.config import DecodeConfig, TrainConfig
from tokmem_agents.export import ReferenceDecoder, export_model
from tokmem_agents.model.backbone import load_backbone
from tokmem_agents.tokmem import TokMem
from tokmem_agents.training.trainer import learn

SHAPE = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=1024)
# family -> (config class, model class, extra config, tied head, rows past the tokenizer)
FAMILIES = {
    "llama-tied": ("LlamaConfig", "LlamaForCausalLM", {}, True, 0),
    "qwen2-untied-padded": ("Qwen2Config", "Qwen2ForCausalLM", {}, False, 40),
    "gemma-tied": ("GemmaConfig", "GemmaForCausalLM", {"head_dim": 16}, True, 0),
    "mistral-untied": ("MistralConfig", "MistralForCausalLM", {"sliding_window": None}, False, 0),
    "phi3-untied-padded": ("Phi3Config", "Phi3ForCausalLM", {"pad_token_id": 0}, False, 24),
}
PING = tool_spec("ping", "host", examples=[(f"ping {h}", h) for h in ("a.com", "b.org", "c.net", "d.io")])
COUNT = tool_spec("count", "n", "integer", examples=[(f"count to {n}", n) for n in (3, 7, 12, 40)])


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def family_dir(request: Any, smol_tokenizer: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import transformers

    config_cls, model_cls, extra, tied, pad = FAMILIES[request.param]
    torch.manual_seed(0)
    cfg = getattr(transformers, config_cls)(
        vocab_size=len(smol_tokenizer) + pad, tie_word_embeddings=tied, bos_token_id=smol_tokenizer.bos_token_id,
        eos_token_id=smol_tokenizer.eos_token_id, **{**SHAPE, **extra},
    )
    model = getattr(transformers, model_cls)(cfg)
    out = tmp_path_factory.mktemp(request.param)
    model.save_pretrained(out)
    smol_tokenizer.save_pretrained(out)
    return out


def test_a_family_learns_decodes_and_exports(family_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    from test_export import QUERIES as ENUM_QUERIES
    from test_export import _firing_bank, _in_process

    bb = load_backbone(str(family_dir), adapter=None, device="cpu")
    model = AutoModelForCausalLM.from_pretrained(family_dir)
    tied = model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert tied == bool(model.config.tie_word_embeddings)
    # learning: two tools, finite rows, a constrained call (closed by the grammar if the random model rambles)
    bank = MemoryBank(bb.fingerprint)
    stats = learn(bb, bank, [PING, COUNT], config=TrainConfig(epochs=3, synthesize=0, precision="fp32"))
    assert bank.names == ["ping", "count"] and stats.steps > 0 and torch.isfinite(bank.input_vectors).all()
    forced = TokMem(bb, bank).call("ping e.com", DecodeConfig(require_call=True, precision="fp32", max_tokens_per_call=12))
    assert len(forced.calls) >= 1 and not forced.invalid
    first = forced.calls[0]
    assert first.name in ("ping", "count") and set(first.arguments) == set(bank.specs[first.name].parameters["properties"])
    # export: closed-choice tools, so every call ends within the limits on both sides
    enum_bank = _firing_bank(bb)
    export_model(bb, enum_bank, tmp_path / "out")
    ref = ReferenceDecoder(tmp_path / "out")
    ids = torch.tensor(list(ref.manifest.token_ids.values()))
    with torch.no_grad():  # what the model reads and scores for a memory token is the bank's row (Gemma scales inputs)
        assert torch.allclose(ref.model.get_input_embeddings()(ids), enum_bank.input_vectors, atol=1e-5)
        assert torch.allclose(ref.model.get_output_embeddings().weight[ids], enum_bank.out_vectors, atol=1e-6)
    mine = _in_process(bb, enum_bank)
    assert [ref.decode(q, max_text_tokens=1).turn.calls for q in ENUM_QUERIES] == mine
    assert sum(len(c) for c in mine) >= 2  # calls, not only text, were compared
