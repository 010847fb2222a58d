"""The catalog bank shipped in the package matches the catalog specs and the embedded backbone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokmem_agents.bank.memory import BANK_FILE, MemoryBank
from tokmem_agents.bank.specs import load_specs
from tokmem_agents.bank.location import SHIPPED_BANK

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _shipped() -> MemoryBank:
    assert (SHIPPED_BANK / BANK_FILE).is_file(), "build it with scripts/build_default_bank.sh"
    return MemoryBank.from_bytes((SHIPPED_BANK / BANK_FILE).read_bytes(), (SHIPPED_BANK / "memory.safetensors").read_bytes())


def test_shipped_bank_holds_exactly_the_catalog_with_its_schemas() -> None:
    bank = _shipped()
    specs = {s.name: s for s in load_specs(sorted(TOOLS.glob("*.json")))}
    assert sorted(bank.names) == sorted(specs)
    for tool in bank.tools:
        assert tool.spec.parameters == specs[tool.name].parameters, tool.name
        assert tool.spec.description == specs[tool.name].description, tool.name


def test_shipped_bank_records_the_embedded_backbone() -> None:
    raw = json.loads((SHIPPED_BANK / BANK_FILE).read_text())
    assert raw["backbone"]["model_id"] == "embedded:SmolLM2-135M-Instruct"
    assert raw["backbone"]["hidden_size"] == 576
    from tokmem_agents.model.adapters import default_adapter

    # learned on the embedded model's default (shipped) adapter
    assert raw["backbone"]["adapter"] == default_adapter("embedded:SmolLM2-135M-Instruct")


@pytest.mark.integration
def test_shipped_bank_fingerprint_matches_the_embedded_model() -> None:
    from tokmem_agents.model.backbone import load_backbone

    backbone = load_backbone()  # the embedded model with its default adapter
    MemoryBank.load(SHIPPED_BANK, backbone.fingerprint)  # raises BackboneMismatchError otherwise


@pytest.mark.integration
def test_default_bank_falls_back_to_the_shipped_one(tokmem_home: Path) -> None:
    from tokmem_agents.home import default_bank_dir
    from tokmem_agents.tokmem import TokMem

    tm = TokMem.open()
    assert sorted(tm.bank.names) == sorted(_shipped().names)
    assert tm.path == default_bank_dir()
    assert not default_bank_dir().exists()  # copied into TOKMEM_HOME only on the first write
