"""Exporting a bank as a standard checkpoint (issue 21, section 2) on tiny random models: plain
transformers loads it, the memory rows sit at the new token ids (tied, untied and padded heads), the
grammar decodes the same calls as the in-process decoder, and bad targets are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from cli_support import learned_bank, run  # noqa: F401, F811 - learned_bank is a fixture
from tokmem_agents.bank.memory import LearnedTool, MemoryBank
from tokmem_agents.bank.records import ToolCall
from tokmem_agents.bank.specs import parse_spec
from tokmem_agents.config import BankConfig, DecodeConfig
from tokmem_agents.errors import BankError, ExportError
from tokmem_agents.export import ExportManifest, ReferenceDecoder, export_model
from tokmem_agents.tokmem import TokMem


def _enum_tool(name: str, values: list[str]) -> Any:
    """A tool whose arguments are one closed choice: any model finishes its JSON in a few tokens."""
    return parse_spec({
        "name": name, "description": f"the {name} tool",
        "parameters": {"type": "object", "properties": {"mode": {"enum": values}, "on": {"type": "boolean"}}, "required": ["mode", "on"]},
    })


TOOLS = [_enum_tool("set_fan", ["low", "high"]), _enum_tool("set_lamp", ["warm", "cold", "off"]), _enum_tool("set_pump", ["eco", "max"])]
QUERIES = ["turn the fan up", "hello there", "lamp warm please", "what is 2+2?", "pump on max", "fan low and lamp off",
           "good morning", "switch everything off"]


def _bank(bb: Any, scale: float, coupled: bool = True, seed: int = 0) -> MemoryBank:
    g = torch.Generator().manual_seed(seed)
    d = bb.hidden_size
    rows = torch.randn(len(TOOLS), d, generator=g) * scale
    outs = None if coupled else torch.randn(len(TOOLS), d, generator=g) * scale
    return MemoryBank(bb.fingerprint, BankConfig(coupled=coupled), [LearnedTool(s) for s in TOOLS], rows, outs)


def _firing_bank(bb: Any, coupled: bool = True) -> MemoryBank:
    """Random rows that make memory tokens fire on at least 2 of the queries (a random model's last
    hidden states are much alike, so some seeds point every row away from them)."""
    banks = (_bank(bb, scale, coupled, seed) for seed in range(8) for scale in (3.0, 30.0))
    return next(b for b in banks if sum(len(c) for c in _in_process(bb, b)) >= 2)


def _in_process(bb: Any, bank: MemoryBank) -> list[list[ToolCall]]:
    tm = TokMem(bb, bank)
    return [r.calls for r in tm.call_batch(QUERIES, DecodeConfig(copy_bias=0.0, precision="fp32"))]


def _reference(path: Path) -> list[list[ToolCall]]:
    ref = ReferenceDecoder(path)
    return [ref.decode(q, max_text_tokens=1).turn.calls for q in QUERIES]


@pytest.mark.parametrize("firing", [False, True])
def test_the_export_loads_in_plain_transformers_and_decodes_the_same_calls(tiny_backbone: Any, tmp_path: Path, firing: bool) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    bank = _firing_bank(tiny_backbone) if firing else _bank(tiny_backbone, 0.2)
    manifest = export_model(tiny_backbone, bank, tmp_path / "out")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out")
    tok = AutoTokenizer.from_pretrained(tmp_path / "out")
    ids = [tok.convert_tokens_to_ids(f"<|tool:{s.name}|>") for s in TOOLS]
    assert ids == [t.token_id for t in manifest.tools] == list(range(len(tiny_backbone.tokenizer), len(tiny_backbone.tokenizer) + 3))
    emb = model.get_input_embeddings().weight
    assert torch.allclose(emb[ids], bank.input_vectors) and model.get_output_embeddings().weight.data_ptr() == emb.data_ptr()
    base = tiny_backbone.model.get_input_embeddings().weight
    assert torch.equal(emb[: base.shape[0]], base)  # the vocabulary is untouched
    assert ExportManifest.read(tmp_path / "out").token_ids == {s.name: i for s, i in zip(TOOLS, ids)}
    assert (tmp_path / "out" / "tools.lark").read_text().startswith("start: TEXT | call{1,8}")
    mine, theirs = _in_process(tiny_backbone, bank), _reference(tmp_path / "out")
    assert theirs == mine
    if firing:  # the comparison covers calls, not only text
        assert sum(len(c) for c in mine) >= 2


def test_a_decoupled_bank_unties_the_head(tiny_backbone: Any, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    bank = _firing_bank(tiny_backbone, coupled=False)
    export_model(tiny_backbone, bank, tmp_path / "out")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out")
    ids = [t.token_id for t in ExportManifest.read(tmp_path / "out").tools]
    emb, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    assert emb.data_ptr() != head.data_ptr()
    assert torch.allclose(emb[ids], bank.input_vectors) and torch.allclose(head[ids], bank.out_vectors)
    base = tiny_backbone.model.get_input_embeddings().weight
    assert torch.equal(head[: base.shape[0]], base)  # the untied head starts as the tied one
    assert _reference(tmp_path / "out") == _in_process(tiny_backbone, bank)


def test_a_padded_vocabulary_reuses_its_padding_rows(smol_tokenizer: Any, tmp_path: Path) -> None:
    """An untied model whose embedding has 16 rows past the tokenizer: the memory tokens take the
    first padding rows, nothing is resized, and decoding still matches."""
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    from tokmem_agents.model.backbone import load_backbone

    torch.manual_seed(1)
    cfg = LlamaConfig(vocab_size=len(smol_tokenizer) + 16, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False,
                      bos_token_id=smol_tokenizer.bos_token_id, eos_token_id=smol_tokenizer.eos_token_id)
    LlamaForCausalLM(cfg).save_pretrained(tmp_path / "padded")
    smol_tokenizer.save_pretrained(tmp_path / "padded")
    bb = load_backbone(str(tmp_path / "padded"), adapter=None, device="cpu")
    bank = _firing_bank(bb)
    manifest = export_model(bb, bank, tmp_path / "out")
    ids = [t.token_id for t in manifest.tools]
    assert ids == [len(smol_tokenizer) + i for i in range(3)]
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out")
    assert model.get_input_embeddings().weight.shape[0] == len(smol_tokenizer) + 16
    assert torch.allclose(model.get_output_embeddings().weight[ids], bank.input_vectors)
    assert _reference(tmp_path / "out") == _in_process(bb, bank)


def test_what_the_export_cannot_carry_is_listed(tiny_backbone: Any, tmp_path: Path) -> None:
    bank = _bank(tiny_backbone, 0.2)
    bank.call_threshold = 0.02
    manifest = export_model(tiny_backbone, bank, tmp_path / "out")
    assert any("copy_bias" in s for s in manifest.not_carried) and any("call_threshold 0.02" in s for s in manifest.not_carried)


def test_a_non_empty_target_or_an_empty_bank_is_refused(tiny_backbone: Any, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not an empty directory"):
        export_model(tiny_backbone, _bank(tiny_backbone, 1.0), tmp_path / "full")
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]
    with pytest.raises(ExportError, match="no tools"):
        export_model(tiny_backbone, MemoryBank(tiny_backbone.fingerprint), tmp_path / "new")
    (tmp_path / "empty").mkdir()  # an empty directory is fine
    export_model(tiny_backbone, _bank(tiny_backbone, 1.0), tmp_path / "empty")
    assert (tmp_path / "empty" / "tokmem.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "full"]  # no staging left behind


def test_the_cli_exports_and_refuses_a_used_directory(learned_bank: Path, tmp_path: Path) -> None:
    res = run("export-model", tmp_path / "out", "--json", "--bank", learned_bank)
    assert res.exit_code == 0, res.output
    manifest = json.loads(res.stdout)
    assert {t["name"] for t in manifest["tools"]} >= {"ping"} and (tmp_path / "out" / "tools.lark").is_file()
    res = run("export-model", tmp_path / "out", "--bank", learned_bank)
    assert res.exit_code == 2 and "not an empty directory" in res.stderr and res.stdout == ""


def test_the_manifest_reads_calls_back_from_text(tiny_backbone: Any, tmp_path: Path) -> None:
    manifest = export_model(tiny_backbone, _bank(tiny_backbone, 1.0), tmp_path / "out")
    turn = manifest.parse('<|tool:set_fan|>{"mode": "low", "on": true}<|tool:set_lamp|> {"mode": "off", "on": false}<|im_end|>')
    assert turn.calls == [ToolCall("set_fan", {"mode": "low", "on": True}), ToolCall("set_lamp", {"mode": "off", "on": False})]
    assert manifest.parse("Just text.").calls == [] and manifest.parse("Just text.").text == "Just text."
    bad = manifest.parse('<|tool:set_fan|>{"mode": "lo')
    assert bad.calls == [] and "not JSON" in bad.errors[0]
    assert manifest.parse("<|tool:unknown|>{}").calls == []  # not a token of this export


@pytest.mark.parametrize("change", [{"kind": "other"}, {"format_version": 9}, {"tools": []}, {"tools": [{"name": "x"}]}])
def test_a_malformed_manifest_is_a_bank_error(tiny_backbone: Any, tmp_path: Path, change: dict[str, Any]) -> None:
    manifest = export_model(tiny_backbone, _bank(tiny_backbone, 1.0), tmp_path / "out")
    with pytest.raises(BankError):
        ExportManifest.from_json({**manifest.to_json(), **change}, "tokmem.json")


def test_a_memory_token_the_vocabulary_already_has_is_refused(tiny_backbone: Any, tmp_path: Path) -> None:
    import copy

    bb = copy.copy(tiny_backbone)
    bb.tokenizer = copy.deepcopy(tiny_backbone.tokenizer)
    from tokenizers import AddedToken

    bb.tokenizer.add_tokens([AddedToken("<|tool:set_fan|>", special=True)], special_tokens=True)
    with pytest.raises(BankError, match="already has the token"):
        export_model(bb, _bank(tiny_backbone, 1.0), tmp_path / "out")
    assert not (tmp_path / "out").exists()
