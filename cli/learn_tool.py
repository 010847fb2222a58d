"""``tokmem-agent learn-tool``: validate specs and data, then train one memory token per new tool."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from tokmem_agents.config import SYNTHESIZE_PER_NEW_TOOL, TrainConfig

from .common import (
    DeviceOpt,
    DtypeOpt,
    AdapterOpt,
    BankOpt,
    DebugOpt,
    ModelOpt,
    VerboseOpt,
    bank_location,
    err,
    errors,
    open_tokmem,
    out,
    resolve_globals,
    training_progress,
)

if TYPE_CHECKING:
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.bank.records import Example
    from tokmem_agents.bank.specs import ToolSpec
    from tokmem_agents.training.trainer import TrainStats

_DEFAULTS = TrainConfig()


def _positive(value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise typer.BadParameter(f"{value} is not a positive finite number")
    return value


def _share(value: float) -> float:
    if not (math.isfinite(value) and 0 <= value <= 0.95):
        raise typer.BadParameter(f"{value} is not a share in [0, 0.95]")
    return value


def validate_inputs(
    bank: "MemoryBank | None", spec_files: list[Path], data_files: list[Path], retrain: bool
) -> tuple[list["ToolSpec"], list["Example"], list[str]]:
    """Read and check every spec and data file against ``bank`` (None: a new bank) without loading the model.

    Returns the specs, the extra examples, and the names that will be learned (new to the bank, or
    all named ones with ``retrain``). Raises SpecError/DataError naming the file, tool and field.
    """
    from tokmem_agents.bank.records import check_examples, load_jsonl
    from tokmem_agents.bank.specs import check_unique, load_spec_file
    from tokmem_agents.errors import SpecError

    specs: list[ToolSpec] = []
    origin: dict[str, Path] = {}
    for path in spec_files:
        for spec in load_spec_file(path):
            if spec.name in origin:
                raise SpecError(f"{path}: tool {spec.name!r} is also defined in {origin[spec.name]}")
            origin[spec.name] = path
            specs.append(spec)
    check_unique(specs)
    known = {**(bank.specs if bank is not None else {}), **{s.name: s for s in specs}}
    extra: list[Example] = []
    for path in data_files:
        examples = load_jsonl(path)
        check_examples(examples, known, source=str(path))
        extra.extend(examples)
    todo = [s.name for s in specs if retrain or bank is None or s.name not in bank]
    in_data = {n for e in extra for n in e.tool_names}
    for spec in specs:
        if spec.name in todo and not spec.examples and spec.name not in in_data:
            raise SpecError(
                f"{origin[spec.name]}: tool {spec.name!r}: field \"examples\": the tool has no examples; "
                "add some to the spec or calls of it in a --data file"
            )
    return specs, extra, todo


def _summary(stats: "TrainStats", bank: str) -> None:
    table = Table(title=f"learned {len(stats.tools)} tool(s)", title_justify="left")
    table.add_column("tool", no_wrap=True)
    table.add_column("examples", justify="right")
    table.add_column("final loss", justify="right")
    table.add_column("seconds", justify="right")
    for name in stats.tools:
        row = stats.per_tool.get(name, {})
        loss = row.get("final_loss")
        table.add_row(
            name,
            str(row.get("examples", "")),
            "-" if loss is None else f"{loss:.4f}",
            f"{row.get('seconds', 0):.1f}",
        )
    out.print(table)
    out.print(
        f"{stats.examples} examples x {stats.epochs} epoch(s), {stats.steps} steps in {stats.seconds:.1f} s "
        f"({stats.examples_per_second:.1f} examples/s); saved to {bank}"
    )


def learn_tool(
    ctx: typer.Context,
    specs: Annotated[
        list[Path],
        typer.Argument(metavar="SPEC.json", show_default=False, help="Tool spec files (one tool or a list of tools each)."),
    ],
    data: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--data",
            metavar="EXTRA.jsonl",
            show_default=False,
            help="Extra (multi-call) examples, one JSON object per line: {\"query\", \"calls\"}. Repeatable.",
        ),
    ] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, metavar="N", help="Passes over the training examples.")] = _DEFAULTS.epochs,
    lr: Annotated[float, typer.Option("--lr", callback=_positive, metavar="X", help="Learning rate (AdamW).")] = _DEFAULTS.lr,
    replay: Annotated[
        bool,
        typer.Option("--replay/--no-replay", metavar="", help="Replay stored examples of tools already learned, so new tokens do not fire on them."),
    ] = _DEFAULTS.replay,
    synthesize: Annotated[
        Optional[int],
        typer.Option(
            "--synthesize",
            min=0,
            metavar="N",
            show_default=False,
            help="Add N multi-call examples (2-4 calls joined by connectors such as 'Then, ') made from single-call "
            f"examples of the new tools and the bank's stored ones; 0: none. [default: {SYNTHESIZE_PER_NEW_TOOL} per new tool]",
        ),
    ] = None,
    augment: Annotated[
        int,
        typer.Option("--augment", min=0, max=16, metavar="N", help="Phrasing variants made of each spec example (lead-ins, request forms, trailing words, casing); 0: none."),
    ] = _DEFAULTS.augment,
    negative_share: Annotated[
        float,
        typer.Option(
            "--negative-share", callback=_share, metavar="X",
            help="Add no-tool queries (the bank's stored ones, then the shipped corpus) until they are X of the examples "
            "(no-tool lines of --data come on top); a new bank learned with them then decides by total memory probability "
            "at a recorded threshold. 0: none.",
        ),
    ] = _DEFAULTS.negative_share,
    seed: Annotated[int, typer.Option("--seed", min=0, metavar="N", help="Seed of the initial noise, batch order, variants and negatives drawn.")] = _DEFAULTS.seed,
    retrain: Annotated[bool, typer.Option("--retrain", metavar="", help="Learn the named tools again even if the bank has them.")] = False,
    adapter: AdapterOpt = None,
    bank: BankOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Learn tools from spec files: each new tool becomes one trained memory token.

    Every spec and --data example is validated before the model is loaded; when anything is wrong,
    nothing is trained and nothing is written. Tools already in the bank are skipped unless
    --retrain is given. The bank is saved atomically; Ctrl-C leaves it unchanged.
    """
    g = resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)
    with errors(g, interrupted="interrupted; the bank was left unchanged"):
        location = bank_location(g)
        existing = location.load()
        tool_specs, extra, todo = validate_inputs(existing, specs, data or [], retrain)
        skipped = [s.name for s in tool_specs if s.name not in todo]
        if not todo:
            out.print(
                f"nothing new to learn: {', '.join(skipped)} already in {location.target} "
                "(use --retrain to learn them again)"
            )
            raise typer.Exit(0)
        if skipped:
            err.print(f"skipping {len(skipped)} tool(s) already in the bank: {', '.join(skipped)} (use --retrain)")
        config = TrainConfig(
            epochs=epochs, lr=lr, replay=replay, synthesize=synthesize, augment=augment, negative_share=negative_share,
            seed=seed,
        )
        tm = open_tokmem(g, location=location, bank=existing, adapter=adapter, create=True)
        with training_progress("training") as update:
            stats = tm.learn(tool_specs, extra, config, retrain=retrain, progress=update)
        if stats is None:  # another process learned them meanwhile
            out.print(f"nothing new to learn: every tool is already in {location.target}")
            raise typer.Exit(0)
        _summary(stats, str(tm.path))
