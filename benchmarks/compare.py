"""TokMem against ICL, RAG and LoRA at the catalog's size, on one backbone, in one run.

    python benchmarks/compare.py [--methods tokmem tokmem_free icl rag lora] [--epochs 5] [--limit N]

TokMem learns the catalog (``tools/*.json`` + ``tools/compositional.jsonl``) into a fresh in-memory
bank with the given epochs (or uses ``--bank DIR`` as is); LoRA trains on exactly the same examples
with the same epochs and batch size; ICL puts every schema in the prompt, RAG the top ``--k``
(MiniLM retriever). All are scored on ``tools/eval/{single,multi,notool}.jsonl`` with the metrics of
``tokmem_agents.evaluation.metrics``. ``tokmem_free`` is TokMem decoded without the schema constraint; ICL/RAG
are unconstrained only (their constrained decoding is not implemented). ``tokmem_adapt`` ("TokMem
w/ adapt") learns the same bank on the backbone with its frozen adapter merged (``--adapt-adapter``;
included by default when the model ships one). Every method runs on the plain backbone unless
``--adapter`` is given. Per method: the metrics per eval set, prompt tokens and seconds per query,
its own peak RSS (Linux), trainable parameters and training seconds. Writes ``<out>/<name>.json``
and ``<out>/<name>.md``; ``--update`` reruns only ``--methods`` and keeps the others' results.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

METHODS = ("tokmem", "tokmem_free", "tokmem_adapt", "icl", "rag", "lora")
DEFAULT_METHODS = ("tokmem", "tokmem_free", "icl", "rag", "lora")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    C.add_model_args(ap)
    ap.add_argument("--methods", nargs="+", choices=METHODS, default=None,
                    help="default: all but tokmem_adapt, plus tokmem_adapt when the model has a default adapter")
    ap.add_argument("--adapt-adapter", default="auto",
                    help="tokmem_adapt: the adapter (id or directory; auto: the model's shipped default)")
    ap.add_argument("--sets", nargs="+", choices=C.EVAL_SETS, default=list(C.EVAL_SETS))
    ap.add_argument("--limit-icl", type=int, default=None, metavar="N",
                    help="icl only: evaluate the first N queries of each set (its long prompts make it the slowest)")
    ap.add_argument("--bank", type=Path, default=None,
                    help="use this bank for tokmem instead of learning one in the run (its training time is then not measured)")
    ap.add_argument("--save-banks", type=Path, default=None, metavar="DIR",
                    help="save the banks learned in the run to DIR/tokmem and DIR/tokmem_adapt")
    ap.add_argument("--tools", type=int, default=None, metavar="N", help="only the first N catalog tools (quick runs)")
    ap.add_argument("--synthesize", type=int, default=0, help="compositional examples synthesised for training (both methods)")
    ap.add_argument("--name", default="compare", help="results file name (without extension)")
    ap.add_argument("--update", action="store_true",
                    help="rerun only --methods and keep the other methods of the existing results file "
                         "(same model, tools and eval sets; each method records its own run)")
    return ap.parse_args(argv)


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> dict[str, Any]:
    from tokmem_agents.evaluation.methods.icl import ICLMethod, RAGMethod
    from tokmem_agents.evaluation.methods.tokmem import TokMemMethod
    from tokmem_agents.evaluation.methods.lora import LoRAMethod, tokmem_training_set

    backbone = C.prepare(args)
    if args.methods is None:
        from tokmem_agents.model.adapters import default_adapter

        extra_adapt = ["tokmem_adapt"] if args.adapt_adapter != "auto" or default_adapter(backbone.model_id) else []
        args.methods = [*DEFAULT_METHODS[:2], *extra_adapt, *DEFAULT_METHODS[2:]]
    catalog = C.load_catalog(args.tools_dir, args.tools)
    specs = catalog.specs
    sets = {s: C.cap(catalog.eval_sets.get(s, []), args.limit) for s in args.sets}
    train = C.train_config(args, synthesize=args.synthesize)
    result = C.new_result("compare", "compare.py", argv, args, backbone)
    result["n_tools"] = len(specs)
    result["tools"] = catalog.names
    result["eval_sizes"] = {s: len(v) for s, v in sets.items()}
    result["methods"] = {}
    rss = C.PeakRSS()
    tm = None
    tm_entry: dict[str, Any] = {}
    for name in args.methods:
        log_name = C.label(name)
        C.log.info("== %s", log_name)
        rss.reset()
        entry: dict[str, Any] = {"rss_scope": rss.scope}
        if name == "tokmem_adapt":
            adapted = _adapted_backbone(args, backbone)
            atm, entry_adapt = _tokmem_bank(args, adapted, specs, catalog.compositional, train, use_bank=False)
            entry.update(entry_adapt)
            if args.save_banks is not None:
                atm.save(args.save_banks / "tokmem_adapt")
            entry["adapter"] = adapted.fingerprint.adapter
            entry["note"] = (f"backbone + frozen adapter {adapted.fingerprint.adapter} (trained once per backbone, not "
                             "counted in trainable params / train s); both backbones resident during this run")
            method = TokMemMethod(atm, C.decode_config(args))
            eval_specs = list(atm.bank.specs.values())
        elif name in ("tokmem", "tokmem_free"):
            if tm is None:
                tm, tm_entry = _tokmem_bank(args, backbone, specs, catalog.compositional, train)
                entry.update(tm_entry)
                if args.save_banks is not None and args.bank is None:
                    tm.save(args.save_banks / "tokmem")
            else:
                entry.update({k: v for k, v in tm_entry.items() if k != "train_seconds"})
                entry["note"] = "same bank as TokMem (constrained); training counted there"
            method: Any = TokMemMethod(tm, C.decode_config(args, constrained=name == "tokmem"))
            eval_specs = list(tm.bank.specs.values())
        elif name in ("icl", "rag"):
            cls = ICLMethod if name == "icl" else RAGMethod
            extra = {"k": args.k} if name == "rag" else {}
            method = cls(backbone.model, backbone.tokenizer, specs, **C.text_limits(args), **extra)
            entry.update(train_seconds=None, train_examples=0)
            eval_specs = specs
        else:
            lora_train = dataclasses.replace(train, epochs=tm_entry.get("epochs") or train.epochs)  # TokMem's budget
            method = LoRAMethod(backbone, specs, C.lora_config(args, lora_train), **C.text_limits(args))
            examples = tokmem_training_set(backbone, specs, catalog.compositional, lora_train)
            C.log.info("lora: %d training examples x %d epochs", len(examples), method.config.epochs)
            method.fit(examples, C.progress_logger("lora"))
            entry.update(train_seconds=round(method.train_seconds, 2), train_examples=len(examples),
                         train_steps=method.train_steps, epochs=method.config.epochs, lr=method.config.lr)
            eval_specs = specs
        method_sets = sets
        if name == "icl" and args.limit_icl is not None:
            method_sets = {s: C.cap(exs, args.limit_icl) for s, exs in sets.items()}
            entry["note"] = f"evaluated on the first {args.limit_icl} queries of each set only (--limit-icl)"
        entry["sets"] = {s: C.score(method, exs, eval_specs, backbone.model_id) for s, exs in method_sets.items()}
        entry["trainable_parameters"] = int(method.trainable_parameters)
        entry["peak_rss_mb"] = rss.peak_mb()
        entry["run"] = {"date": result["date"], "command": result["command"]}
        result["methods"][name] = entry
    if args.update:
        result = merge_previous(args.out / f"{args.name}.json", result)
    return result


def merge_previous(path: Path, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with the methods it did not run taken from the results file at ``path`` (``--update``).

    The two runs must share the model, adapter, tools and eval set sizes; a kept method keeps the
    date and command of the run that produced it (``entry["run"]``)."""
    import json

    if not path.is_file():
        raise SystemExit(f"--update: no previous results file {path}")
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        old_methods = dict(old["methods"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"--update: {path} is not a compare results file ({e})") from None
    for key in ("model", "adapter", "tools", "eval_sizes"):
        if old.get(key) != result.get(key):
            raise SystemExit(f"--update: {path} was run with another {key} ({old.get(key)!r} != {result.get(key)!r})")
    merged = {}
    for name, entry in old_methods.items():
        if name not in result["methods"]:
            merged[name] = {**entry, "run": entry.get("run") or {"date": old.get("date"), "command": old.get("command")}}
    merged.update(result["methods"])
    order = [m for m in METHODS if m in merged]
    return {**result, "methods": {m: merged[m] for m in order}}


def _adapted_backbone(args: argparse.Namespace, backbone: Any) -> Any:
    """The same model with the adapter of ``--adapt-adapter`` merged (a second backbone object)."""
    from tokmem_agents.model.adapters import default_adapter
    from tokmem_agents.model.backbone import load_backbone

    ref = default_adapter(backbone.model_id) if args.adapt_adapter == "auto" else args.adapt_adapter
    if not ref:
        raise SystemExit(f"tokmem_adapt: {backbone.model_id} has no default adapter; pass --adapt-adapter ID_OR_DIR")
    return load_backbone(args.model, adapter=ref)


def _tokmem_bank(
    args: argparse.Namespace, backbone: Any, specs: list, extra: list, train: Any, use_bank: bool = True
) -> tuple[Any, dict[str, Any]]:
    """Learn the catalog in this run (timed), or open ``--bank``."""
    if args.bank is not None and use_bank:
        from tokmem_agents.bank.memory import MemoryBank
        from tokmem_agents.tokmem import TokMem

        bank = MemoryBank.load(args.bank, backbone.fingerprint)
        epochs = {t.stats.get("epochs") for t in bank.tools}
        entry = {"train_seconds": None, "epochs": epochs.pop() if len(epochs) == 1 else None,
                 "note": f"pre-built bank {args.bank} (training time not measured here)"}
        missing = sorted({s.name for s in specs} - set(bank.names))
        if missing:
            raise SystemExit(f"{args.bank}: the bank lacks catalog tools {missing}")
        return TokMem(backbone, bank), entry
    t = time.perf_counter()
    tm, stats = C.learn_tokmem(backbone, specs, extra, train)
    C.log.info("tokmem: learned %d tools from %d examples in %.1f s", len(specs), stats.examples, time.perf_counter() - t)
    return tm, {"train_seconds": round(stats.seconds, 2), "train_examples": stats.examples, "train_steps": stats.steps,
                "epochs": train.epochs, "lr": train.lr}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return C.benchmark_main(argv, parse_args, run, C.render_compare)


if __name__ == "__main__":
    main()
