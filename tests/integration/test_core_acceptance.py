"""The core engine on the embedded model: 4 tools learned from <= 20 examples each (plus a few
two-call examples), evaluated on 40 held-out queries with unseen argument values.

Issue 2's target is >= 95% tool-selection accuracy and >= 80% full-call exact match. Measured on
2026-11-26 on the embedded model with its shipped adapter db8004c8f18c6221, the default TrainConfig
(5 epochs, lr 2e-2, 8 synthesised two-call examples per tool, seed 0) and the default DecodeConfig
(copy bias 8): tool-F1 0.989, sequence accuracy 0.975, full EM 0.825. Seeds 1 and 2 gave tool-F1
0.938 / 0.979, sequence accuracy 0.925 / 0.95, full EM 0.775 / 0.775: the seed-0 margin over 0.80 is
within the seed spread. The thresholds below are the issue's targets, checked on seed 0. On the
2026-12-04 defaults (adapter 108713d5bd2fbbf5, decoupled rows) the test passes; its numbers were
not re-recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tokmem_agents import DecodeConfig, TokMem, TrainConfig, load_jsonl, load_specs
from tokmem_agents.evaluation.metrics import Prediction, evaluate

DATA = Path(__file__).parent / "data"
TRAIN = TrainConfig()
MIN_TOOL_F1 = 0.95
MIN_SEQUENCE_ACC = 0.95
MIN_FULL_EM = 0.80

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def learned(four_tool_bank, train_config):
    """The session's 4-tool bank (tests/integration/conftest.py), trained once with ``TRAIN``."""
    assert train_config == TRAIN
    return four_tool_bank


def test_heldout_accuracy(learned):
    tm, _ = learned
    held = load_jsonl(DATA / "heldout.jsonl")
    assert len(held) == 40
    train_values = {str(v) for s in load_specs([DATA / "four_tools.json"]) for e in s.examples for v in e.arguments.values()}
    train_values |= {str(v) for e in load_jsonl(DATA / "compose.jsonl") for c in e.calls for v in c.arguments.values()}
    enum = {"French", "Spanish", "German", "Italian"}
    assert not [v for e in held for c in e.calls for v in c.arguments.values() if str(v) in train_values - enum]
    results = tm.call_batch([e.query for e in held], DecodeConfig())
    preds = [Prediction(calls=r.calls, text=r.text, prompt_tokens=r.prompt_tokens, seconds=r.seconds) for r in results]
    report = evaluate(held, preds, tm.bank.specs).to_json()
    print({k: report[k] for k in ("tool_f1", "sequence_acc", "full_em", "schema_valid")})
    assert report["tool_f1"] >= MIN_TOOL_F1, report
    assert report["sequence_acc"] >= MIN_SEQUENCE_ACC, report
    assert report["full_em"] >= MIN_FULL_EM, report
    assert report["schema_valid"] == 1.0


def test_constraint_guarantees_validity(learned):
    """Issue 3: with the constraint every emitted call validates; without it, report the rate."""
    tm, _ = learned
    held = load_jsonl(DATA / "heldout.jsonl")
    out = {}
    for constrained in (True, False):
        results = tm.call_batch([e.query for e in held], DecodeConfig(constrained=constrained, max_tokens_per_call=64))
        preds = [Prediction(calls=r.calls, text=r.text, invalid=[i.raw for i in r.invalid if i.call_index is None]) for r in results]
        out[constrained] = evaluate(held, preds, tm.bank.specs).to_json()
    print("constrained", {k: out[True][k] for k in ("schema_valid", "full_em")},
          "unconstrained", {k: out[False][k] for k in ("schema_valid", "full_em")})
    assert out[True]["schema_valid"] == 1.0
    assert out[True]["schema_valid"] >= out[False]["schema_valid"]


def test_bank_reloads_identically(learned, tmp_path):
    tm, _ = learned
    again = TokMem.open(tm.path)
    assert again.bank.names == tm.bank.names
    q = "What's the weather in Amsterdam?"
    assert again.call(q).calls == tm.call(q).calls
