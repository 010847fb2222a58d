"""Accuracy and cost as the number of learned tools grows (e.g. 8, 24, 50, 100 tools).

    python benchmarks/scaling.py [--sizes 8 24 50 100] [--methods tokmem icl rag lora] [--skip-icl-above 24]

At each size N the tools are the first catalog tools (``tools/*.json`` by file name), then, past
the catalog's size, synthetic tools from ``scripts.auxiliary.generate_corpus`` (a seed other
than the adaptation corpus's, and never a tool of the shipped adaptation corpus). Each synthetic
tool trains on ``--train-per-tool`` generated examples and is evaluated on ``--heldout-per-tool``
other generated queries; generated multi-call examples are split the same way. Catalog tools train
on their specs + ``tools/compositional.jsonl`` and are evaluated on ``tools/eval``. Every size is
learned from scratch: TokMem (a fresh bank) and LoRA (a fresh adapter) on the same examples and
step budget. ICL's prompt tokens are measured at every size; its accuracy is skipped above
``--skip-icl-above`` tools (context length), and the skip is recorded. Writes ``<out>/<name>.json``,
``.md`` and ``.png``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

METHODS = ("tokmem", "icl", "rag", "lora")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    C.add_model_args(ap)
    ap.set_defaults(epochs=3)
    ap.add_argument("--sizes", nargs="+", type=int, default=[8, 24, 50, 100])
    ap.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    ap.add_argument("--skip-icl-above", type=int, default=24, metavar="N",
                    help="evaluate ICL accuracy only up to N tools (prompt tokens are always measured)")
    ap.add_argument("--limit-prompted", type=int, default=None, metavar="N",
                    help="icl and rag only: evaluate the first N queries of each subset (their long prompts make them slow)")
    ap.add_argument("--catalog-tools", type=int, default=None, metavar="N",
                    help="use only the first N catalog tools before synthetic ones (default: all)")
    ap.add_argument("--train-per-tool", type=int, default=20, help="generated training examples per synthetic tool")
    ap.add_argument("--heldout-per-tool", type=int, default=3, help="generated held-out queries per synthetic tool")
    ap.add_argument("--multi-per-tool", type=float, default=4.0,
                    help="generated multi-call training examples per synthetic tool (one more in five is held out)")
    ap.add_argument("--synthetic-seed", type=int, default=1, help="seed of the synthetic tools (the adaptation corpus uses 0)")
    ap.add_argument("--name", default="scaling", help="results file name (without extension)")
    return ap.parse_args(argv)


def synthetic_tools(args: argparse.Namespace, n: int) -> dict[str, Any]:
    """``n`` synthetic tools (none of the adaptation corpus's) with train/held-out splits."""
    from scripts import auxiliary
    from tokmem_agents.bank.records import Example, ToolCall

    if n <= 0:
        return {"specs": [], "heldout_single": [], "multi_train": [], "multi_heldout": []}
    try:
        avoid = {s.name for s in auxiliary.load_corpus().specs}
    except Exception as e:  # no shipped corpus: nothing to avoid
        C.log.info("no adaptation corpus to exclude (%s)", e)
        avoid = set()
    per_tool = args.train_per_tool + args.heldout_per_tool
    total_multi = int(round(args.multi_per_tool * 1.25 * n))
    want = n
    while True:
        corpus = auxiliary.generate_corpus(
            n_tools=want, examples_per_tool=per_tool, n_multi=max(total_multi, 1), n_notool=1, seed=args.synthetic_seed
        )
        kept = [s for s in corpus.specs if s.name not in avoid]
        if len(kept) >= n or want >= auxiliary.max_tools():
            break
        want += n - len(kept)
    kept = kept[:n]
    if len(kept) < n:
        raise SystemExit(f"only {len(kept)} synthetic tools available, {n} needed")
    specs, heldout = [], []
    for s in kept:
        exs = list(s.examples)
        specs.append(s.model_copy(update={"examples": tuple(exs[: args.train_per_tool])}))
        heldout.extend(Example(e.query, (ToolCall(s.name, dict(e.arguments)),)) for e in exs[args.train_per_tool :])
    names = {s.name for s in kept}
    multi = C.restrict(corpus.compositional, names, require_calls=True)
    cut = int(len(multi) * 0.8)
    return {"specs": specs, "heldout_single": heldout, "multi_train": multi[:cut], "multi_heldout": multi[cut:]}


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> dict[str, Any]:
    from tokmem_agents.evaluation.methods.icl import ICLMethod, RAGMethod
    from tokmem_agents.evaluation.methods.tokmem import TokMemMethod
    from tokmem_agents.evaluation.methods.lora import LoRAMethod, tokmem_training_set

    backbone = C.prepare(args)
    catalog = C.load_catalog(args.tools_dir, args.catalog_tools)
    sizes = sorted(set(args.sizes))
    n_cat = len(catalog.specs)
    synth = synthetic_tools(args, max(sizes) - n_cat)
    context = getattr(backbone.model.config, "max_position_embeddings", None)
    result = C.new_result("scaling", "scaling.py", argv, args, backbone)
    result.update(catalog_size=n_cat, context_length=context, sizes=[])
    rss = C.PeakRSS()
    train = C.train_config(args)
    for n in sizes:
        cat_specs = catalog.specs[: min(n, n_cat)]
        syn_specs = synth["specs"][: max(0, n - n_cat)]
        specs = [*cat_specs, *syn_specs]
        names = {s.name for s in specs}
        syn_names = {s.name for s in syn_specs}
        extra = [*C.restrict(catalog.compositional, names), *C.restrict(synth["multi_train"], syn_names, require_calls=True)]
        subsets = {
            "catalog_single": C.cap(C.restrict(catalog.eval_sets.get("single", []), names, True), args.limit),
            "catalog_multi": C.cap(C.restrict(catalog.eval_sets.get("multi", []), names, True), args.limit),
            "notool": C.cap(catalog.eval_sets.get("notool", []), args.limit),
            "synthetic_single": C.cap(C.restrict(synth["heldout_single"], syn_names, True), args.limit),
            "synthetic_multi": C.cap(C.restrict(synth["multi_heldout"], syn_names, True), args.limit),
        }
        queries = [e.query for exs in subsets.values() for e in exs]
        train_set = tokmem_training_set(backbone, specs, extra, train)
        C.log.info("== %d tools (%d catalog + %d synthetic): %d training examples, %d eval queries",
                   n, len(cat_specs), len(syn_specs), len(train_set), len(queries))
        size: dict[str, Any] = {"n_tools": n, "n_catalog": len(cat_specs), "n_synthetic": len(syn_specs),
                                "train_examples": len(train_set), "eval_sizes": {k: len(v) for k, v in subsets.items()},
                                "methods": {}}
        for name in args.methods:
            rss.reset()
            entry: dict[str, Any] = {"rss_scope": rss.scope}
            if name == "tokmem":
                tm, stats = C.learn_tokmem(backbone, specs, extra, train)
                method: Any = TokMemMethod(tm, C.decode_config(args))
                entry.update(train_seconds=round(stats.seconds, 2), train_steps=stats.steps)
            elif name == "lora":
                method = LoRAMethod(backbone, specs, C.lora_config(args, train), **C.text_limits(args))
                method.fit(train_set, C.progress_logger("lora"))
                entry.update(train_seconds=round(method.train_seconds, 2), train_steps=method.train_steps)
            else:
                cls = ICLMethod if name == "icl" else RAGMethod
                method = cls(backbone.model, backbone.tokenizer, specs, **C.text_limits(args),
                             **({"k": args.k} if name == "rag" else {}))
                entry["train_seconds"] = None
                if name == "icl":
                    entry["prompt_tokens_per_query"] = round(C.mean_prompt_tokens(backbone.tokenizer, method.prompts(queries)), 1)
                    if n > args.skip_icl_above:
                        entry["skipped"] = f"above --skip-icl-above {args.skip_icl_above}"
                        if context and entry["prompt_tokens_per_query"] > context:
                            entry["skipped"] += f"; prompts exceed the {context}-token context"
            entry["trainable_parameters"] = int(method.trainable_parameters)
            method_subsets = subsets
            if name in ("icl", "rag") and args.limit_prompted is not None:
                method_subsets = {k: C.cap(v, args.limit_prompted) for k, v in subsets.items()}
                entry["note"] = f"first {args.limit_prompted} queries of each subset only (--limit-prompted)"
            if not entry.get("skipped"):
                reports = C.score_subsets(method, method_subsets, specs)
                entry["report"] = reports.get("all")
                entry["subsets"] = {k: v for k, v in reports.items() if k != "all"}
            entry["peak_rss_mb"] = rss.peak_mb()
            size["methods"][name] = entry
        result["sizes"].append(size)
    return result


def plot(result: dict[str, Any], path: Path) -> None:
    """Four panels against the number of tools: tool-F1, full EM, prompt tokens/query, seconds/query."""
    plt = C.pyplot()
    panels = [("tool_f1", "tool-F1", False), ("full_em", "full EM", False),
              ("prompt_tokens_per_query", "prompt tokens / query", True), ("seconds_per_query", "seconds / query", True)]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    methods = sorted({m for s in result["sizes"] for m in s["methods"]}, key=list(METHODS).index)
    for ax, (key, title, logy) in zip(axes.flat, panels):
        for m in methods:
            xs, ys = [], []
            for s in result["sizes"]:
                e = s["methods"].get(m)
                if not e:
                    continue
                value = (e.get("report") or {}).get(key)
                if value is None and key == "prompt_tokens_per_query":
                    value = e.get("prompt_tokens_per_query")
                if value is not None:
                    xs.append(s["n_tools"])
                    ys.append(value)
            if xs:
                ax.plot(xs, ys, marker="o", label=C.label(m))
        ax.set_title(title)
        ax.set_xlabel("learned tools")
        ax.set_xticks([s["n_tools"] for s in result["sizes"]])
        if logy:
            ax.set_yscale("log")
        else:
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    if result.get("catalog_size"):
        for ax in axes.flat:
            ax.axvline(result["catalog_size"], color="grey", ls=":", lw=1)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Scaling on {Path(str(result['model'])).name} (dotted: catalog size; beyond it synthetic tools)", fontsize=10)
    C.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return C.benchmark_main(argv, parse_args, run, C.render_scaling, plot, "scaling")


if __name__ == "__main__":
    main()
