"""Assemble ``benchmarks/RESULTS.md`` from the JSON results of compare.py, scaling.py, synthesis.py,
generalisation.py, learn_one_tool.py, forgetting.py and serving.py.

    python benchmarks/report.py [--results benchmarks/results] [--out benchmarks/RESULTS.md]

Every number, command, machine and date in the report comes from the JSON files (rendered by the
same functions that wrote each run's Markdown fragment), so the report is never edited by hand:
rerun the benchmarks, then this script.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

SECTIONS: dict[str, tuple[str, Callable[[Mapping[str, Any]], str], str]] = {
    "compare": (
        "TokMem vs ICL, RAG and LoRA at the catalog's size",
        C.render_compare,
        "Same frozen backbone, same training data and step budget for TokMem and LoRA (LoRA trains on "
        "exactly the examples TokMem trains on, with the same epochs and batch size). ICL/RAG decode "
        "without a schema constraint (constrained decoding for them is not implemented); TokMem is shown "
        "with and without its constraint.",
    ),
    "serving": (
        "Serving: the in-process decoder vs vLLM",
        C.render_serving,
        "The shipped catalog bank, in process and exported to a standard checkpoint served by vLLM's CPU "
        "build, timed in one run on this machine (`benchmarks/serving.py`, in the environment "
        "`scripts/vllm_check.sh` makes).",
    ),
    "scaling": (
        "Scaling with the number of learned tools",
        C.render_scaling,
        "Each size is learned from scratch. TokMem's prompt is the bare query at every size; ICL's grows "
        "with every schema added.",
    ),
    "synthesis": (
        "Compositional synthesis from single-call examples",
        C.render_synthesis,
        "Whether `learn-tool --synthesize N` gives composition to users who write only single-call examples: "
        "the catalog learned with no multi-call data, with synthesised multi-call data, and (reference) with "
        "the hand-written `tools/compositional.jsonl`.",
    ),
    "generalisation": (
        "Generalisation: new phrasings and unrelated queries",
        C.render_generalisation,
        "Tool sets outside the catalog and the auxiliary corpus, learned with `learn-tool` defaults from 15 "
        "examples of 3 phrasing templates per tool; held-out queries from 5 other templates (question, terse, "
        "polite with lead-ins, other word order, other vocabulary) and other values; unrelated queries from "
        "many domains. The data was written before any result was seen (`benchmarks/generalisation_data.py`).",
    ),
    "learn_one_tool": (
        "Learning one more tool into a grown bank",
        C.render_learn_one_tool,
        "`learn-tool` with its defaults adds a 20-example tool the catalog does not have to a copy of the "
        "shipped bank; its held-out queries use other phrasings than its examples.",
    ),
    "forgetting": (
        "Continual learning: forgetting of earlier tools",
        C.render_forgetting,
        "TokMem trains only the new tools' rows each round (earlier rows stay bit-identical); LoRA "
        "fine-tunes one adapter sequentially.",
    ),
}


def load_results(results: Path) -> list[dict[str, Any]]:
    """Every results file in ``results`` with a known ``benchmark``, in section order then by name."""
    found = []
    for f in sorted(results.glob("*.json")):
        try:
            raw = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            C.log.warning("skipping %s: %s", f, e)
            continue
        if isinstance(raw, dict) and raw.get("benchmark") in SECTIONS:
            raw["_file"] = f
            found.append(raw)
    order = list(SECTIONS)
    return sorted(found, key=lambda r: (order.index(r["benchmark"]), r["_file"].name))


def machine_table(runs: Sequence[Mapping[str, Any]]) -> str:
    """One row per distinct machine/library setup, naming the runs measured on it."""
    rows: dict[str, list[Any]] = {}
    for r in runs:
        m = r.get("machine", {})
        v = m.get("versions", {})
        key = json.dumps(m, sort_keys=True)
        if key not in rows:
            rows[key] = [[], m.get("cpu", "?"), m.get("cores", "?"), m.get("ram_gb", "?"), m.get("torch_threads", "?"),
                         m.get("cuda") or "none", m.get("platform", "?"), m.get("python", "?"),
                         ", ".join(f"{k} {val}" for k, val in v.items() if val)]
        rows[key][0].append(r["_file"].stem)
    head = ["runs", "CPU", "cores", "RAM GB", "torch threads", "GPU", "OS", "Python", "libraries"]
    return C.md_table(head, [[", ".join(r[0]), *r[1:]] for r in rows.values()], "l" * len(head))


COMPARE_METRICS = (  # (eval set, metric, label, higher is better)
    ("single", "tool_f1", "single-call tool-F1", True),
    ("single", "full_em", "single-call full EM", True),
    ("multi", "tool_f1", "multi-call tool-F1", True),
    ("multi", "full_em", "multi-call full EM", True),
    ("multi", "paper_arg_f1", "multi-call argument F1 (paper)", True),
    ("notool", "no_tool_false_call_rate", "no-tool false-call rate", False),
)


def _tokmem_best(methods: Mapping[str, Any]) -> str | None:
    """The TokMem variant a user gets by default: with adapt when the run has it, else constrained."""
    return next((m for m in ("tokmem_adapt", "tokmem") if m in methods), None)


def findings(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Plain statements of where TokMem loses, computed from the results (one bullet each)."""
    out: list[str] = []
    for r in runs:
        if r["benchmark"] == "compare":
            methods = r["methods"]
            tm = _tokmem_best(methods)
            if tm is None:
                continue
            for set_name, key, what, higher in COMPARE_METRICS:
                mine = (methods[tm].get("sets", {}).get(set_name) or {}).get(key)
                if mine is None:
                    continue
                better = []
                for m, e in methods.items():
                    if m.startswith("tokmem"):
                        continue
                    theirs = (e.get("sets", {}).get(set_name) or {}).get(key)
                    if theirs is not None and (theirs > mine if higher else theirs < mine):
                        better.append(f"{C.label(m)} {C.f3(theirs)}")
                if better:
                    out.append(f"{what}: {C.label(tm)} {C.f3(mine)} is beaten by " + ", ".join(better) + ".")
        elif r["benchmark"] == "scaling" and len(r["sizes"]) >= 2:
            first, last = r["sizes"][0], r["sizes"][-1]
            a, b = (s["methods"].get("tokmem", {}).get("report") or {} for s in (first, last))
            if a and b:
                out.append(f"As tools are added, TokMem's tool-F1 falls from {C.f3(a.get('tool_f1'))} ({first['n_tools']} tools) "
                           f"to {C.f3(b.get('tool_f1'))} ({last['n_tools']} tools), full EM from {C.f3(a.get('full_em'))} "
                           f"to {C.f3(b.get('full_em'))}, and its no-tool false-call rate rises from "
                           f"{C.f3(a.get('no_tool_false_call_rate'))} to {C.f3(b.get('no_tool_false_call_rate'))}.")
            rag_better = [s["n_tools"] for s in r["sizes"]
                          if ((s["methods"].get("rag") or {}).get("report") or {}).get("full_em", -1)
                          > ((s["methods"].get("tokmem") or {}).get("report") or {}).get("full_em", 2)]
            if rag_better:
                out.append("RAG's full EM (no-tool queries answered without a call count as exact) is above TokMem's at "
                           + ", ".join(map(str, rag_better)) + " tools.")
        elif r["benchmark"] == "forgetting":
            v = r["variants"]
            for name in ("renorm_replay", "renorm", "none"):
                if name in v and "lora" in v and (v["lora"].get("final_mean") or 0) > (v[name].get("final_mean") or 0):
                    out.append(f"After the last round, LoRA's mean accuracy over all groups ({C.f3(v['lora']['final_mean'])}) "
                               f"is above {C.label(name)}'s ({C.f3(v[name]['final_mean'])}).")
            if "renorm_replay" in v and "none" in v and (v["renorm_replay"].get("avg_forgetting") or 0) > (v["none"].get("avg_forgetting") or 0):
                out.append(f"Renormalisation + replay forgot more ({C.f3(v['renorm_replay']['avg_forgetting'])}) than "
                           f"neither ({C.f3(v['none']['avg_forgetting'])}).")
            if "renorm_replay" in v and "none" in v and (v["renorm_replay"].get("final_mean") or 0) < (v["none"].get("final_mean") or 0):
                out.append(f"TokMem's default, renormalisation + replay, ends below TokMem with neither (mean accuracy "
                           f"{C.f3(v['renorm_replay']['final_mean'])} vs {C.f3(v['none']['final_mean'])}).")
            last_fc = {k: (e.get("rounds") or [{}])[-1].get("no_tool_false_call_rate") for k, e in v.items()}
            lora_fc = last_fc.get("lora")
            worse = [k for k in ("renorm_replay", "renorm", "none") if last_fc.get(k) is not None and lora_fc is not None
                     and last_fc[k] > lora_fc]
            if worse:
                out.append("After the last round TokMem fires a tool on more no-tool queries than LoRA ("
                           + ", ".join(f"{C.label(k)} {C.f3(last_fc[k])}" for k in worse) + f" vs {C.f3(lora_fc)}).")
    return out


def render(runs: Sequence[dict[str, Any]], out: Path) -> str:
    """The whole RESULTS.md."""
    parts = [
        "# Benchmark results\n\n",
        f"Generated by `python benchmarks/report.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} from "
        "the JSON files in `benchmarks/results/`. Do not edit by hand: every number below comes from those "
        "files; rerun the commands shown, then `report.py`.\n\n",
    ]
    if not runs:
        parts.append("No results yet: run `benchmarks/compare.py`, `benchmarks/scaling.py` and "
                     "`benchmarks/forgetting.py` first.\n")
        return "".join(parts)
    parts += ["## Machine\n\n", machine_table(runs), "\n"]
    losses = findings(runs)
    parts.append("## Where TokMem loses\n\n")
    parts.append("".join(f"- {x}\n" for x in losses) if losses else "Nowhere in these runs.\n")
    parts.append("\n(Computed from the results below by `report.py`.)\n\n")
    for r in runs:
        title, renderer, intro = SECTIONS[r["benchmark"]]
        name = r["_file"].stem
        parts.append(f"## {title}" + (f" (`{name}`)" if name != r["benchmark"] else "") + "\n\n")
        parts.append(f"{intro}\n\n")
        parts.append(f"Command (from the repository root, {r['date']}):\n\n```\n{r['command']}\n```\n\n")
        parts.append(renderer(r))
        if r.get("plot"):
            rel = os.path.relpath(r["_file"].parent / r["plot"], out.parent)
            parts.append(f"\n![{name} plot]({Path(rel).as_posix()})\n")
        parts.append("\n")
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> Path:
    C.setup_logging()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=C.RESULTS_DIR, help="directory of the JSON results")
    ap.add_argument("--out", type=Path, default=C.ROOT / "benchmarks" / "RESULTS.md")
    args = ap.parse_args(argv)
    from tokmem_agents.files import atomic_write_text

    runs = load_results(args.results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, render(runs, args.out))
    C.log.info("wrote %s from %d result file(s)", args.out, len(runs))
    return args.out


if __name__ == "__main__":
    main()
