"""``tokmem-agent adapt``: train a backbone's LoRA adapter once, on the auxiliary corpus, then freeze it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from tokmem_agents.config import AdaptConfig

from .common import DebugOpt, DeviceOpt, DtypeOpt, ModelOpt, VerboseOpt, errors, out, resolve_globals, training_progress

_DEFAULTS = AdaptConfig()


def adapt_command(
    ctx: typer.Context,
    corpus: Annotated[
        Optional[Path],
        typer.Option(
            "--corpus",
            metavar="DIR",
            show_default=False,
            help="Auxiliary corpus directory (tools.json, compositional.jsonl, notool.jsonl). "
            "[default: the corpus shipped with the package]",
        ),
    ] = None,
    max_tools: Annotated[
        Optional[int], typer.Option("--max-tools", min=1, metavar="N", help="Use only the corpus's first N tools.")
    ] = None,
    rank: Annotated[int, typer.Option("--rank", min=1, metavar="R", help="LoRA rank.")] = _DEFAULTS.rank,
    alpha: Annotated[int, typer.Option("--alpha", min=1, metavar="A", help="LoRA alpha (scale alpha/rank).")] = _DEFAULTS.alpha,
    targets: Annotated[
        str, typer.Option("--targets", metavar="NAMES", help="Comma-separated module names LoRA is put on.")
    ] = ",".join(_DEFAULTS.targets),
    epochs: Annotated[int, typer.Option("--epochs", min=1, metavar="N", help="Passes over the corpus.")] = _DEFAULTS.epochs,
    lr: Annotated[float, typer.Option("--lr", min=1e-12, metavar="X", help="Learning rate of the LoRA weights.")] = _DEFAULTS.lr,
    memory_lr: Annotated[
        float, typer.Option("--memory-lr", min=1e-12, metavar="X", help="Learning rate of the temporary memory tokens.")
    ] = _DEFAULTS.memory_lr,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Random seed.")] = _DEFAULTS.seed,
    group_by_length: Annotated[
        bool,
        typer.Option(
            "--group-by-length/--no-group-by-length",
            help="Batch examples of similar length together (less padding; ~25% faster steps on a CPU).",
        ),
    ] = _DEFAULTS.group_by_length,
    paraphrases: Annotated[
        bool,
        typer.Option(
            "--paraphrases/--no-paraphrases",
            help="Also train on the corpus's paraphrased queries with the memory rows held fixed, so the "
            "adapter learns to route wordings the rows never saw.",
        ),
    ] = _DEFAULTS.paraphrases,
    negatives: Annotated[
        int, typer.Option("--negatives", min=0, metavar="N", help="No-tool queries added from the shipped negatives corpus.")
    ] = _DEFAULTS.negatives,
    decision_weight: Annotated[
        float,
        typer.Option(
            "--decision-weight",
            min=1e-6,
            metavar="W",
            help="Loss weight of each memory token and end token relative to one argument token.",
        ),
    ] = _DEFAULTS.decision_weight,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Adapt a backbone ("TokMem w/ adapt"): train a LoRA adapter with temporary memory tokens on the
    auxiliary corpus, then freeze it and drop the temporary tokens.

    Do this once per backbone; then learn your tools on it with `learn-tool --adapter ID`. The adapter
    is saved under $TOKMEM_HOME/models/adapters/ID; banks learned on it record ID and refuse to load
    on another adapter. CPU runs are not bit-reproducible, so a rerun gives a new ID.
    """
    g = resolve_globals(ctx, None, model, debug, verbose, device=device, dtype=dtype)
    with errors(g, interrupted="interrupted; no adapter was saved"):
        from tokmem_agents.training.adapt import adapt
        from tokmem_agents.training.corpus import load_corpus
        from tokmem_agents.model.backbone import load_backbone

        if not math.isfinite(decision_weight):
            raise typer.BadParameter("must be a finite number", param_hint="--decision-weight")
        names = tuple(t.strip() for t in targets.split(",") if t.strip())
        if not names:
            raise typer.BadParameter("give at least one module name", param_hint="--targets")
        config = AdaptConfig(
            rank=rank, alpha=alpha, targets=names, epochs=epochs, lr=lr, memory_lr=memory_lr, seed=seed,
            group_by_length=group_by_length, paraphrases=paraphrases, negatives=negatives,
            decision_weight=decision_weight,
        )
        aux = load_corpus(corpus) if corpus is not None else load_corpus()
        if max_tools is not None:
            aux = aux.subset(max_tools)
        with out.status("loading the model..."):
            backbone = load_backbone(g.model, adapter=None, device=g.device, dtype=g.dtype, verbose=g.verbose or g.debug)
        with training_progress("adapting") as update:
            adapter = adapt(backbone, aux, config, update)
        s = adapter.stats
        out.print(
            f"adapter {adapter.id}: {s.get('trainable_parameters')} LoRA parameters, {s.get('tools')} auxiliary tools, "
            f"{s.get('examples')} examples x {s.get('epochs')} epoch(s), {s.get('steps')} steps in {s.get('seconds')} s, "
            f"final loss {s.get('final_loss')}"
        )
        out.print(f"saved to {adapter.path}")
        out.print(f"learn tools on it: tokmem-agent learn-tool SPEC.json --bank DIR --adapter {adapter.id}")
