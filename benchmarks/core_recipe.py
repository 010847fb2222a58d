"""Learn recipes on the core set: the 4 integration tools learned with each recipe, scored on their 40
held-out queries (in-domain phrasings: the numbers ``tests/integration/test_core_acceptance.py`` holds)
and on the development split's 199 unrelated queries (false calls). Used to choose ``learn`` defaults
(issue 20) without touching the generalisation benchmark.

    python benchmarks/core_recipe.py [--adapter ID|DIR|none|auto] [--recipes defaults neg] [--seed 0] [--predictions DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECIPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {  # (TrainConfig, BankConfig) changes
    "defaults": ({}, {}),  # decoupled rows since 2026-12-04
    "coupled": ({}, {"coupled": True}),  # the defaults before 2026-12-04
    "neg": ({"augment": 2, "epochs": 2, "negative_share": 0.35}, {"coupled": True}),
    "decoupled": ({}, {"coupled": False}),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default="auto")
    ap.add_argument("--model", default=None)
    ap.add_argument("--recipes", nargs="+", default=sorted(RECIPES), choices=sorted(RECIPES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--predictions", type=Path, default=None, help="write each held-out query's calls to DIR/<recipe>.jsonl")
    a = ap.parse_args()

    from tokmem_agents import BankConfig, DecodeConfig, TokMem, TrainConfig, load_jsonl, load_specs
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.evaluation.metrics import Prediction, evaluate
    from tokmem_agents.model.backbone import load_backbone

    data = ROOT / "tests" / "integration" / "data"
    held = load_jsonl(data / "heldout.jsonl")
    unrelated = load_jsonl(ROOT / "benchmarks" / "data" / "generalisation_dev" / "unrelated.jsonl")
    backbone = load_backbone(a.model, adapter=None if a.adapter == "none" else a.adapter)
    for name in a.recipes:
        train_opts, bank_opts = RECIPES[name]
        config = TrainConfig(seed=a.seed, **train_opts)
        with tempfile.TemporaryDirectory() as tmp:
            tm = TokMem(backbone, MemoryBank(backbone.fingerprint, BankConfig(**bank_opts)), Path(tmp) / "bank")
            t0 = time.perf_counter()
            tm.learn(load_specs([data / "four_tools.json"]), load_jsonl(data / "compose.jsonl"), config)
            learn_s = time.perf_counter() - t0
            results = tm.call_batch([e.query for e in held], DecodeConfig())
            preds = [Prediction(calls=r.calls, text=r.text, prompt_tokens=r.prompt_tokens, seconds=r.seconds) for r in results]
            report = evaluate(held, preds, tm.bank.specs).to_json()
            if a.predictions is not None:
                a.predictions.mkdir(parents=True, exist_ok=True)
                lines = [
                    json.dumps({"query": e.query, "expected": [c.to_json() for c in e.calls], "got": [c.to_json() for c in r.calls]})
                    for e, r in zip(held, results)
                ]
                (a.predictions / f"{name}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            false = sum(bool(r.calls) for r in tm.call_batch([e.query for e in unrelated], DecodeConfig()))
        row = {"recipe": name, "seed": a.seed, "adapter": backbone.fingerprint.adapter, "rule": "mass" if tm.bank.call_threshold else "argmax",
               **{k: round(report[k], 4) for k in ("tool_f1", "sequence_acc", "full_em", "schema_valid")},
               "false_calls": round(false / len(unrelated), 4), "learn_seconds": round(learn_s, 1)}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
