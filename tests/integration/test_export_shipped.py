"""Issue 21, section 2 on the embedded model: the shipped catalog bank exported as a checkpoint and
decoded with plain transformers under ``tools.lark`` gives the same calls as ``TokMem.call`` with copy
bias 0 (a slice of ``tools/eval`` here; ``scripts/verify_export.py`` runs all of it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokmem_agents import DecodeConfig, TokMem, load_jsonl

pytestmark = pytest.mark.integration
EVAL = Path(__file__).resolve().parents[2] / "tools" / "eval"


def test_the_exported_catalog_bank_decodes_like_the_bank(tmp_path: Path, tokmem_home: Path) -> None:
    from transformers import AutoModelForCausalLM

    from tokmem_agents.export import ReferenceDecoder

    examples = load_jsonl(EVAL / "single.jsonl")[:8] + load_jsonl(EVAL / "multi.jsonl")[:6] + load_jsonl(EVAL / "notool.jsonl")[:4]
    tm = TokMem.open()  # an empty TOKMEM_HOME: the shipped catalog bank stands in for the default bank
    assert len(tm.bank) >= 20
    manifest = tm.export_model(tmp_path / "export")
    plain = AutoModelForCausalLM.from_pretrained(tmp_path / "export")
    assert plain.get_input_embeddings().weight.shape[0] == max(manifest.token_ids.values()) + 1
    mine = [r.calls for r in tm.call_batch([e.query for e in examples], DecodeConfig(copy_bias=0.0))]
    ref = ReferenceDecoder(tmp_path / "export")
    theirs = [ref.decode(e.query, max_text_tokens=1).turn.calls for e in examples]
    same = sum(m == t for m, t in zip(mine, theirs))
    print({"queries": len(examples), "identical": same})
    assert same == len(examples), [(e.query, m, t) for e, m, t in zip(examples, mine, theirs) if m != t]
    assert sum(bool(m) for m in mine) >= 12  # the slice exercises calls, not only text
