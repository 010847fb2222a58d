"""Tuning runs for issue 20 on the DEVELOPMENT split (``benchmarks/data/generalisation_dev/``), never on
the benchmark itself (``benchmarks/data/generalisation/`` is only for the final measurement).

One process loads the backbone once; each *variant* (a :class:`TrainConfig` / :class:`BankConfig`
change) learns every dev set into a fresh in-memory bank, then is scored at several call thresholds
at once: the first-position probability of "any memory token" is read for every held-out and
unrelated query, and the held-out queries are decoded once with ``require_call`` (what the call
would be if the decision fires). For a threshold ``t`` a held-out query counts as right when P >= t
and the forced call is right; an unrelated query is a false call when P >= t. ``argmax`` rows use
today's rule (the single most likely token is a memory token).

    python benchmarks/tune_generalisation.py --variants base neg30 aug2 ...   # see VARIANTS
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, setup_logging  # noqa: E402

from tokmem_agents.bank.memory import MemoryBank  # noqa: E402
from tokmem_agents.bank.records import load_jsonl  # noqa: E402
from tokmem_agents.bank.specs import load_specs  # noqa: E402
from tokmem_agents.config import BankConfig, DecodeConfig, TrainConfig  # noqa: E402
from tokmem_agents.decode.batch import DecodeBatch  # noqa: E402
from tokmem_agents.decode.decoder import Decoder  # noqa: E402
from tokmem_agents.evaluation.metrics import call_key  # noqa: E402
from tokmem_agents.model.backbone import load_backbone  # noqa: E402
from tokmem_agents.training.trainer import learn  # noqa: E402

log = logging.getLogger("benchmarks")
DEV = ROOT / "benchmarks" / "data" / "generalisation_dev"
THRESHOLDS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)

VARIANTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "base": ({}, {}),
    "neg20": ({"negative_share": 0.2}, {}),
    "neg35": ({"negative_share": 0.35}, {}),
    "neg50": ({"negative_share": 0.5}, {}),
    "neg35w2": ({"negative_share": 0.35, "no_tool_weight": 2.0}, {}),
    "aug2": ({"augment": 2}, {}),
    "aug4": ({"augment": 4}, {}),
    "spec": ({}, {"init": "spec"}),
    "e2": ({"epochs": 2}, {}),
    "lr5e3": ({"lr": 5e-3}, {}),
    "aug2e2": ({"augment": 2, "epochs": 2}, {}),
    "spece2": ({"epochs": 2}, {"init": "spec"}),
    "aug2e2neg35": ({"augment": 2, "epochs": 2, "negative_share": 0.35}, {}),
    "aug2e2neg35w2": ({"augment": 2, "epochs": 2, "negative_share": 0.35, "no_tool_weight": 2.0}, {}),
    "aug2e2neg20": ({"augment": 2, "epochs": 2, "negative_share": 0.2}, {}),
    "aug2e2neg35spec": ({"augment": 2, "epochs": 2, "negative_share": 0.35}, {"init": "spec"}),
    "aug2neg35": ({"augment": 2, "negative_share": 0.35}, {}),
    "aug2neg35spec": ({"augment": 2, "negative_share": 0.35}, {"init": "spec"}),
    "renorm1": ({"renormalize_first": True}, {}),
    "proto": ({}, {"init": "prototype"}),
    "protorenorm1": ({"renormalize_first": True}, {"init": "prototype"}),
    "protoe2": ({"epochs": 2}, {"init": "prototype"}),
    "protoe1": ({"epochs": 1}, {"init": "prototype"}),
    "specq5": ({"spec_queries": 5}, {}),
    "pert3": ({"perturbed_queries": 3}, {}),
    "decoupled": ({}, {"coupled": False}),
    "decoupledneg35": ({"negative_share": 0.35}, {"coupled": False}),
    "decoupledaug2e2neg35": ({"augment": 2, "epochs": 2, "negative_share": 0.35}, {"coupled": False}),
}
# The variants were measured while coupled rows were the default; each keeps the layout it was
# measured with (decoupled is the default since 2026-12-04), so its name keeps meaning that result.
VARIANTS = {name: (train, {"coupled": True, **bank}) for name, (train, bank) in VARIANTS.items()}


def first_position_p(decoder: Decoder, queries: Sequence[str], batch: int = 16) -> tuple[list[float], list[bool]]:
    """P(any memory token) at the first generated position, and whether the argmax is a memory token."""
    v = decoder.backbone.base_vocab
    config = DecodeConfig(copy_bias=0.0)
    ps: list[float] = []
    am: list[bool] = []
    for i in range(0, len(queries), batch):
        chunk = list(queries[i : i + batch])
        b = DecodeBatch(decoder, chunk, [decoder.backbone.prompt_ids(q) for q in chunk], config, None, 0)
        logits = b.logits.masked_fill(~b.base.to(b.logits.device), float("-inf"))
        prob = torch.softmax(logits, -1)
        ps.extend(prob[:, v:].sum(-1).tolist())
        am.extend((logits.argmax(-1) >= v).tolist())
    return ps, am


def score(decoder: Decoder, heldout: list[Any], unrelated: list[Any], styles: Sequence[str] = ()) -> dict[str, Any]:
    """Tool accuracy, full EM and false-call rate at each threshold (and for the argmax rule)."""
    p_in, am_in = first_position_p(decoder, [e.query for e in heldout])
    p_out, am_out = first_position_p(decoder, [e.query for e in unrelated])
    forced = decoder.decode([e.query for e in heldout], DecodeConfig(require_call=True))
    tools_right = [[c.name for c in r.calls] == e.tool_names for r, e in zip(forced, heldout)]
    exact = [sorted(map(call_key, r.calls)) == sorted(map(call_key, e.calls)) for r, e in zip(forced, heldout)]
    n_in, n_out = len(heldout), len(unrelated)
    rows: dict[str, Any] = {}
    rules: list[tuple[str, list[bool], list[bool]]] = [("argmax", am_in, am_out)]
    rules += [(f"t{t:g}", [p >= t for p in p_in], [p >= t for p in p_out]) for t in THRESHOLDS]
    for name, fire_in, fire_out in rules:
        rows[name] = {
            "tool_accuracy": sum(f and t for f, t in zip(fire_in, tools_right)) / n_in,
            "full_em": sum(f and x for f, x in zip(fire_in, exact)) / n_in,
            "recall": sum(fire_in) / n_in,
            "false_calls": sum(fire_out) / n_out,
        }
    rows["forced"] = {"tool_accuracy": sum(tools_right) / n_in, "full_em": sum(exact) / n_in}
    for style in sorted(set(styles)):
        idx = [i for i, s in enumerate(styles) if s == style]
        rows[f"forced:{style}"] = {"tool_accuracy": sum(tools_right[i] for i in idx) / len(idx)}
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """Run the variants on the dev sets and print one line per variant and rule."""
    setup_logging()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", nargs="+", default=["base"], choices=sorted(VARIANTS))
    ap.add_argument("--data", type=Path, default=DEV)
    ap.add_argument("--sets", nargs="*", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default=None)
    ap.add_argument("--adapter", default="auto", help="an adapter id, 'auto' (the model's default) or 'none'")
    ap.add_argument("--out", type=Path, default=None, help="append JSON lines of the results here")
    ap.add_argument("--keep", type=Path, default=None, help="save each learned bank under this directory")
    a = ap.parse_args(argv)
    if "generalisation_dev" not in str(a.data):
        raise SystemExit("tune on the development split only")
    manifest = json.loads((a.data / "MANIFEST.json").read_text(encoding="utf-8"))
    names = a.sets or sorted(manifest["sets"])
    unrelated = load_jsonl(a.data / "unrelated.jsonl")
    backbone = load_backbone(a.model, adapter=None if a.adapter == "none" else a.adapter)
    for variant in a.variants:
        train_opts, bank_opts = VARIANTS[variant]
        config = replace(TrainConfig(), seed=a.seed, **train_opts)
        per_set: dict[str, Any] = {}
        for name in names:
            info = manifest["sets"][name]
            specs = load_specs([a.data / info["files"]["tools"]])
            heldout = load_jsonl(a.data / info["files"]["heldout"])
            bank = MemoryBank(backbone.fingerprint, replace(BankConfig(), **bank_opts))
            t0 = time.perf_counter()
            stats = learn(backbone, bank, specs, config=config)
            learn_s = time.perf_counter() - t0
            style_of = {t: d["style"] for tool in info["per_tool"].values() for t, d in tool["heldout_templates"].items()}
            styles = [style_of[t] for t in info["heldout_template_per_line"]]
            per_set[name] = score(Decoder(backbone, bank), heldout, unrelated, styles)
            per_set[name]["learn_seconds"] = round(learn_s, 1)
            if a.keep:
                bank.save(a.keep / f"{variant}-s{a.seed}" / name)
            per_set[name]["examples"] = stats.examples
            log.info("%s/%s: learned %d examples in %.0f s", variant, name, stats.examples, learn_s)
        rules = [k for k in next(iter(per_set.values())) if k not in ("learn_seconds", "examples")]
        print(f"== {variant} (seed {a.seed}) learn s: {[per_set[n]['learn_seconds'] for n in names]}")
        for rule in rules:
            keys = per_set[names[0]][rule].keys()
            mean = {k: sum(per_set[n][rule][k] for n in names) / len(names) for k in keys}
            print(f"  {rule:8s} " + "  ".join(f"{k} {v:.3f}" for k, v in mean.items()))
        sys.stdout.flush()
        if a.out:
            with open(a.out, "a", encoding="utf-8") as f:
                f.write(json.dumps({"variant": variant, "seed": a.seed, "adapter": backbone.fingerprint.adapter, "sets": per_set}) + "\n")


if __name__ == "__main__":
    main()
