"""Issue 21 §1 on the embedded model: the shipped catalog bank (learned on fp32 weights) loads on bf16
weights through the CLI with one warning per artefact and routes catalog queries as it does on fp32
(pooled ``tools/eval``: tool-F1 0.904 fp32 vs 0.911 bf16, ``benchmarks/results/precision``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.app import app
from tokmem_agents import load_jsonl

pytestmark = pytest.mark.integration
EVAL = Path(__file__).resolve().parents[2] / "tools" / "eval"


def test_the_shipped_bank_routes_the_same_on_bf16_weights(tokmem_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from tokmem_agents.model import fingerprint

    monkeypatch.setattr(fingerprint, "_WARNED", set())
    queries = [e.query for e in load_jsonl(EVAL / "single.jsonl")[:6]]
    names: dict[str, list[list[str]]] = {"fp32": [], "bf16": []}
    warnings: dict[str, str] = {"fp32": "", "bf16": ""}
    for dtype in names:
        for q in queries:
            res = CliRunner().invoke(app, ["call", q, "--json", "--dtype", dtype])
            assert res.exit_code == 0, res.stderr
            names[dtype].append([c["name"] for c in json.loads(res.stdout)])
            warnings[dtype] += res.stderr
    assert names["fp32"] == names["bf16"] and all(names["fp32"]), names
    assert "learned on float32 weights" not in warnings["fp32"]
    said = [line for line in warnings["bf16"].splitlines() if "learned on float32 weights" in line]
    assert len(said) == 2 and "adapter" in said[0] and "bank" in said[1], said  # once each, not per check
