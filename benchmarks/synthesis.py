"""Compositional synthesis: does it give composition to users who write only single-call examples?

    python benchmarks/synthesis.py [--synthesize 0 192] [--with-data] [--adapter auto]

The catalog is learned into a fresh bank once per variant, on the same backbone (by default the
embedded model with its shipped adapter, the default of ``learn-tool``), with ``learn-tool``'s
default training settings unless ``--epochs``/``--lr`` are given. Every variant trains on the
specs' single-call examples plus the no-tool examples of ``tools/compositional.jsonl``; the
multi-call examples of that file are left out. ``--synthesize N`` adds N multi-call examples
synthesised from the single-call ones (``TrainConfig.synthesize``; 0: no multi-call data at all);
``--with-data`` adds the hand-written multi-call examples as a reference. All variants are scored
on ``tools/eval/{single,multi,notool}.jsonl``. Writes ``<out>/<name>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from tokmem_agents.config import TrainConfig

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    C.add_model_args(ap)
    ap.set_defaults(adapter="auto", epochs=TrainConfig.epochs, lr=TrainConfig.lr)
    ap.add_argument("--synthesize", nargs="+", type=int, default=[0, 192],
                    help="one variant per count of synthesised multi-call examples (0: none)")
    ap.add_argument("--with-data", action="store_true",
                    help="also a variant trained with the hand-written multi-call examples (the reference)")
    ap.add_argument("--tools", type=int, default=None, metavar="N", help="only the first N catalog tools (quick runs)")
    ap.add_argument("--name", default="synthesis", help="results file name (without extension)")
    args = ap.parse_args(argv)
    if any(n < 0 for n in args.synthesize):
        ap.error("--synthesize counts must be >= 0")
    return args


def variant_name(synthesize: int, hand_written: bool) -> str:
    if hand_written:
        return "handwritten"
    return f"synthesized_{synthesize}" if synthesize else "single_only"


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> dict[str, Any]:
    from tokmem_agents.evaluation.methods.tokmem import TokMemMethod

    backbone = C.prepare(args)
    catalog = C.load_catalog(args.tools_dir, args.tools)
    no_tool = [e for e in catalog.compositional if not e.calls]
    multi = [e for e in catalog.compositional if e.calls]
    sets = {s: C.cap(v, args.limit) for s, v in catalog.eval_sets.items()}
    result = C.new_result("synthesis", "synthesis.py", argv, args, backbone)
    result.update(n_tools=len(catalog.specs), handwritten_multi=len(multi), eval_sizes={s: len(v) for s, v in sets.items()},
                  variants={})
    plan = [(n, False) for n in args.synthesize] + ([(0, True)] if args.with_data else [])
    for n, hand in plan:
        name = variant_name(n, hand)
        C.log.info("== %s", name)
        train = C.train_config(args, synthesize=n)
        tm, stats = C.learn_tokmem(backbone, catalog.specs, [*no_tool, *(multi if hand else [])], train)
        method = TokMemMethod(tm, C.decode_config(args))
        specs = list(tm.bank.specs.values())
        result["variants"][name] = {
            "synthesized": n, "handwritten_multi": len(multi) if hand else 0, "train_examples": stats.examples,
            "train_steps": stats.steps, "train_seconds": round(stats.seconds, 2), "epochs": train.epochs, "lr": train.lr,
            "sets": {s: C.score(method, exs, specs, backbone.model_id) for s, exs in sets.items()},
        }
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return C.benchmark_main(argv, parse_args, run, C.render_synthesis)


if __name__ == "__main__":
    main()
