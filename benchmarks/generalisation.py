"""Generalisation: do learned tools survive new phrasings, and is "no tool" the answer to unrelated queries?

Data: ``benchmarks/data/generalisation/`` (written by ``benchmarks/generalisation_data.py`` before any
result was seen): tool sets of everyday tools that are neither in the catalog nor in the auxiliary
corpus, each tool learned from 15 examples of 3 phrasing templates; held-out queries from 5 *other*
templates per tool (a question, a terse form, a polite form with lead-in and trailing words, another
word order, other vocabulary) with other argument values; 274 unrelated queries (general questions,
advice, chit-chat, coding, ... and near misses of the sets' domains).

Everything goes through the CLI a user runs, with its defaults: ``tokmem-agent learn-tool
sets/<set>/tools.json --bank B`` into a fresh bank, then ``tokmem-agent eval ... --bank B --json``
on the held-out queries and on the unrelated ones, and ``eval`` of the unrelated queries on the
shipped catalog bank. Reported per set and averaged over the sets: tool accuracy (the tool sequence
is right), in-domain tool recall, full-call EM, and the false-call rate on unrelated queries; plus
accuracy by held-out phrasing style. Issue 20's targets: tool accuracy >= 0.95, full EM >= 0.85,
false calls <= 5% on every bank with in-domain recall >= 0.95.

    python benchmarks/generalisation.py                  # all sets, ~15-20 min on 2 CPU cores
    python benchmarks/generalisation.py --sets money     # one set
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, ROOT, bank_header, benchmark_main, eval_cli, new_result, render_generalisation, run_cli  # noqa: E402

log = logging.getLogger("benchmarks")

DATA = ROOT / "benchmarks" / "data" / "generalisation"
TARGETS = {"tool_accuracy": 0.95, "full_em": 0.85, "false_call_rate": 0.05, "tool_recall": 0.95}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the generated data directory")
    ap.add_argument("--sets", nargs="*", default=None, help="set names (default: every set of the manifest)")
    ap.add_argument("--no-catalog", action="store_true", help="skip the unrelated queries on the shipped catalog bank")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    ap.add_argument("--name", default="generalisation")
    ap.add_argument("--keep", type=Path, default=None, help="keep the banks and predictions in this directory")
    ap.add_argument("--model", default=None, help="learn on this backbone instead of the default (tests use a tiny one)")
    ap.add_argument("--seed", type=int, default=None, help="pass --seed N to learn-tool (default: its own default)")
    return ap.parse_args(argv)


def _by_style(predictions: Path, templates: Sequence[str], styles: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Tool accuracy and full EM per held-out phrasing style (the manifest's template of each line)."""
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict[str, list[tuple[bool, bool]]] = {}
    for row, template in zip(rows, templates):
        out.setdefault(styles[template], []).append((row["tools_right"], row["exact"]))
    return {s: {"n": len(v), "tool_accuracy": sum(a for a, _ in v) / len(v), "full_em": sum(b for _, b in v) / len(v)} for s, v in sorted(out.items())}


def run(args: argparse.Namespace, argv: Sequence[str] | None) -> dict[str, Any]:
    """Learn each set into a fresh bank through the CLI and evaluate it; returns the results."""
    manifest = json.loads((args.data / "MANIFEST.json").read_text(encoding="utf-8"))
    names = args.sets or sorted(manifest["sets"])
    unknown = sorted(set(names) - set(manifest["sets"]))
    if unknown:
        raise SystemExit(f"unknown set(s) {unknown}; the manifest has {sorted(manifest['sets'])}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="tokmem-generalisation-"))
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    unrelated = args.data / "unrelated.jsonl"
    sets: dict[str, Any] = {}
    backbone = None
    for name in names:
        info = manifest["sets"][name]
        bank = work / "banks" / name
        log.info("%s: learning %d tools from %d examples", name, info["counts"]["tools"], info["counts"]["train_examples"])
        started = time.perf_counter()
        extra = [*(["--model", args.model] if args.model else []), *(["--seed", args.seed] if args.seed is not None else [])]
        run_cli(home, "learn-tool", args.data / info["files"]["tools"], "--bank", bank, *extra)
        learn_seconds = time.perf_counter() - started
        recorded = json.loads((bank / "bank.json").read_text(encoding="utf-8"))
        backbone = backbone or recorded["backbone"]
        heldout = eval_cli(home, args.data / info["files"]["heldout"], bank, work / f"{name}.heldout.pred.jsonl")
        styles = {t: d["style"] for tool in info["per_tool"].values() for t, d in tool["heldout_templates"].items()}
        off = eval_cli(home, unrelated, bank, work / f"{name}.unrelated.pred.jsonl")
        sets[name] = {
            "tools": info["counts"]["tools"],
            "train_examples": info["counts"]["train_examples"],
            "learn_seconds": round(learn_seconds, 1),
            "tool_accuracy": heldout["sequence_acc"],
            "tool_recall": heldout["tool_recall"],
            "tool_f1": heldout["tool_f1"],
            "full_em": heldout["full_em"],
            "call_em_aligned": heldout["call_em_aligned"],
            "schema_valid": heldout["schema_valid"],
            "heldout_n": heldout["n"],
            "false_call_rate": off["no_tool_false_call_rate"],
            "unrelated_n": off["n"],
            "by_style": _by_style(work / f"{name}.heldout.pred.jsonl", info["heldout_template_per_line"], styles),
            "seconds_per_query": heldout["seconds_per_query"],
        }
        log.info("%s: tool accuracy %.3f, full EM %.3f, false calls %.3f", name, sets[name]["tool_accuracy"], sets[name]["full_em"], sets[name]["false_call_rate"])
    catalog = None
    if not args.no_catalog and args.model is None:
        off = eval_cli(home, unrelated, None, work / "catalog.unrelated.pred.jsonl")
        catalog = {"false_call_rate": off["no_tool_false_call_rate"], "unrelated_n": off["n"]}
        log.info("catalog bank: false calls %.3f on unrelated queries", catalog["false_call_rate"])
    mean = {k: sum(s[k] for s in sets.values()) / len(sets) for k in ("tool_accuracy", "tool_recall", "full_em", "false_call_rate")}
    styles_all: dict[str, list[float]] = {}
    for s in sets.values():
        for style, v in s["by_style"].items():
            styles_all.setdefault(style, []).append(v["tool_accuracy"])
    result = new_result("generalisation", "generalisation.py", argv, args, bank_header(backbone))
    result.update(
        sets=sets,
        mean=mean,
        by_style={k: sum(v) / len(v) for k, v in sorted(styles_all.items())},
        catalog=catalog,
        targets=TARGETS,
        data_manifest={"generator": manifest.get("generator"), "seed": manifest.get("seed"), "totals": manifest.get("totals")},
    )
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write ``<out>/<name>.json`` and ``.md``."""
    return benchmark_main(argv, parse_args, run, render_generalisation)


if __name__ == "__main__":
    main()
