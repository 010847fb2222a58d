"""Continual learning in rounds: learn the catalog's tools group by group, re-test every earlier group.

    python benchmarks/forgetting.py [--groups 4] [--variants renorm_replay renorm none lora]

The catalog's tools (``tools/*.json`` by file name, the first ``--tools`` if given) are cut into
``--groups`` groups. Round r learns group r from its specs' examples plus the compositional
examples (``tools/compositional.jsonl``) that use a tool of group r and only tools learned by then,
plus the no-tool examples; then every group learned so far is evaluated on its held-out queries in
``tools/eval`` (single and multi-call queries whose tools all belong to the group) and the no-tool
set. TokMem variants (each its own bank, only the new rows train each round): ``renorm_replay``
(renormalisation + replay of stored examples of earlier tools, the default), ``renorm``, ``none``.
LoRA: one adapter fine-tuned sequentially on each round's data (``lora``), optionally replaying
``--replay-per-tool`` single-call examples of each earlier tool (``lora_replay``, the same number of
examples TokMem replays). Writes ``<out>/<name>.json``, ``.md`` and ``.png``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

VARIANTS = ("renorm_replay", "renorm", "none", "lora", "lora_replay")
TOKMEM_VARIANTS = {"renorm_replay": (True, True), "renorm": (True, False), "none": (False, False)}
METRICS = ("tool_f1", "sequence_acc", "full_em", "paper_tool_f1", "paper_arg_f1")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    C.add_model_args(ap)
    ap.add_argument("--groups", type=int, default=4, help="number of rounds (groups of tools)")
    ap.add_argument("--tools", type=int, default=None, metavar="N", help="only the first N catalog tools")
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=["renorm_replay", "renorm", "none", "lora"])
    ap.add_argument("--metric", choices=METRICS, default="tool_f1", help="the accuracy in the tables and the plot")
    ap.add_argument("--replay-per-tool", type=int, default=4, help="replayed examples per earlier tool (TokMem and lora_replay)")
    ap.add_argument("--name", default="forgetting", help="results file name (without extension)")
    return ap.parse_args(argv)


def split_groups(names: Sequence[str], k: int) -> list[list[str]]:
    """``names`` in ``k`` contiguous groups whose sizes differ by at most one."""
    if not 1 <= k <= len(names):
        raise SystemExit(f"--groups must be between 1 and the number of tools ({len(names)}), got {k}")
    q, r = divmod(len(names), k)
    out, start = [], 0
    for i in range(k):
        end = start + q + (i < r)
        out.append(list(names[start:end]))
        start = end
    return out


def round_data(catalog: C.Catalog, groups: list[list[str]], r: int) -> list[C.Example]:
    """Round ``r``'s extra training data: compositional examples using group ``r`` and only tools
    learned by then, and every no-tool example."""
    learned = {n for g in groups[: r + 1] for n in g}
    new = set(groups[r])
    return [e for e in catalog.compositional
            if not e.calls or (all(c.name in learned for c in e.calls) and any(c.name in new for c in e.calls))]


def forgetting(acc: list[list[float | None]]) -> tuple[float | None, float | None]:
    """Average and maximum forgetting: for each group but the last, its best accuracy before the last
    round minus its accuracy after the last round."""
    last = acc[-1]
    drops = []
    for g in range(len(last) - 1):
        earlier = [row[g] for row in acc[:-1] if g < len(row) and row[g] is not None]
        if earlier and last[g] is not None:
            drops.append(max(earlier) - last[g])
    return (sum(drops) / len(drops), max(drops)) if drops else (None, None)


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> dict[str, Any]:
    from tokmem_agents.bank.records import spec_examples
    from tokmem_agents.evaluation.methods.tokmem import TokMemMethod
    from tokmem_agents.evaluation.methods.lora import LoRAMethod

    backbone = C.prepare(args)
    catalog = C.load_catalog(args.tools_dir, args.tools)
    by_name = {s.name: s for s in catalog.specs}
    groups = split_groups(catalog.names, args.groups)
    evals = catalog.eval_sets.get("single", []) + catalog.eval_sets.get("multi", [])
    group_eval = [C.cap(C.restrict(evals, g, require_calls=True), args.limit) for g in groups]
    notool = C.cap(catalog.eval_sets.get("notool", []), args.limit)
    result = C.new_result("forgetting", "forgetting.py", argv, args, backbone)
    result.update(groups=groups, metric=args.metric, eval_sizes=[len(g) for g in group_eval], n_notool=len(notool),
                  variants={})
    for variant in args.variants:
        C.log.info("== %s", C.label(variant))
        tm = None
        lora = None
        rounds: list[dict[str, Any]] = []
        train_seconds = 0.0
        rng = random.Random(args.seed)
        for r, group in enumerate(groups):
            new_specs = [by_name[n] for n in group]
            extra = round_data(catalog, groups, r)
            if variant in TOKMEM_VARIANTS:
                renorm, replay = TOKMEM_VARIANTS[variant]
                config = C.train_config(args, renormalize=renorm, replay=replay, replay_per_tool=args.replay_per_tool)
                tm, stats = C.learn_tokmem(backbone, new_specs, extra, config, tm)
                method: Any = TokMemMethod(tm, C.decode_config(args))
                seconds, n_train = stats.seconds, stats.examples
            else:
                if lora is None:
                    lora = LoRAMethod(backbone, catalog.specs, C.lora_config(args, C.train_config(args)), **C.text_limits(args))
                examples = [e for s in new_specs for e in spec_examples(s)] + extra
                if variant == "lora_replay":
                    for name in (n for g in groups[:r] for n in g):
                        pool = spec_examples(by_name[name])
                        examples += rng.sample(pool, min(args.replay_per_tool, len(pool)))
                before = lora.train_seconds
                lora.fit(examples, C.progress_logger(f"lora round {r + 1}"))
                method, seconds, n_train = lora, lora.train_seconds - before, len(examples)
            train_seconds += seconds
            learned_specs = [by_name[n] for g in groups[: r + 1] for n in g]
            subsets = {f"group{g + 1}": group_eval[g] for g in range(r + 1)}
            subsets["notool"] = notool
            reports = C.score_subsets(method, subsets, learned_specs)
            accuracy = [reports[f"group{g + 1}"][args.metric] if f"group{g + 1}" in reports else None for g in range(r + 1)]
            rounds.append({
                "round": r + 1, "tools": group, "train_examples": n_train, "train_seconds": round(seconds, 2),
                "accuracy": accuracy,
                "no_tool_false_call_rate": reports["notool"]["no_tool_false_call_rate"] if "notool" in reports else None,
                "reports": reports,
            })
            C.log.info("%s round %d: %s = %s", variant, r + 1, args.metric, ", ".join(C.f3(a) for a in accuracy))
        avg, worst = forgetting([rd["accuracy"] for rd in rounds])
        final = [a for a in rounds[-1]["accuracy"] if a is not None]
        result["variants"][variant] = {
            "rounds": rounds,
            "final_mean": sum(final) / len(final) if final else None,
            "avg_forgetting": avg,
            "max_forgetting": worst,
            "train_seconds": round(train_seconds, 2),
            "trainable_parameters": int(method.trainable_parameters),
        }
    return result


def plot(result: dict[str, Any], path: Path) -> None:
    """One panel per variant: each group's accuracy after every round since it was learned."""
    plt = C.pyplot()
    variants = list(result["variants"])
    n = len(variants)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    n_groups = len(result["groups"])
    for ax, v in zip(axes.flat, variants):
        rounds = result["variants"][v]["rounds"]
        for g in range(n_groups):
            xs = [rd["round"] for rd in rounds if g < len(rd["accuracy"]) and rd["accuracy"][g] is not None]
            ys = [rd["accuracy"][g] for rd in rounds if g < len(rd["accuracy"]) and rd["accuracy"][g] is not None]
            if xs:
                ax.plot(xs, ys, marker="o", label=f"group {g + 1}")
        ax.set_title(C.label(v), fontsize=10)
        ax.set_xlabel("after round")
        ax.set_xticks(range(1, n_groups + 1))
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].set_ylabel(result["metric"])
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Forgetting on {Path(str(result['model'])).name}: {result['metric']} of each group after each round", fontsize=10)
    C.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return C.benchmark_main(argv, parse_args, run, C.render_forgetting, plot, "forgetting")


if __name__ == "__main__":
    main()
