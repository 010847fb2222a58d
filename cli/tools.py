"""``tokmem-agent tools list|show|forget|export|import``: manage the learned tools of a bank.

``list``, ``show`` and ``export`` only read the bank (no model is loaded); ``forget`` and ``import``
go through :class:`~tokmem_agents.tokmem.TokMem`, which locks, reloads and saves atomically.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator

import typer
from rich.table import Table

from .common import (
    DeviceOpt,
    DtypeOpt,
    BankOpt,
    DebugOpt,
    Globals,
    ModelOpt,
    VerboseOpt,
    bank_location,
    errors,
    open_tokmem,
    out,
    print_json,
    require_bank,
    resolve_globals,
)

if TYPE_CHECKING:
    from tokmem_agents.bank.location import BankLocation
    from tokmem_agents.bank.memory import MemoryBank

app = typer.Typer(
    name="tools",
    help="List, show, forget, export and import the learned tools of a bank.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)


@app.callback()
def _group(ctx: typer.Context, bank: BankOpt = None, model: ModelOpt = None, device: DeviceOpt = None,
    dtype: DtypeOpt = None, debug: DebugOpt = False, verbose: VerboseOpt = False) -> None:
    """List, show, forget, export and import the learned tools of a bank."""
    resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)


NameArg = Annotated[str, typer.Argument(metavar="NAME", show_default=False, help="Tool name.")]


@contextmanager
def _existing_bank(
    ctx: typer.Context, bank: Path | None, model: str | None, debug: bool, verbose: bool
) -> "Iterator[tuple[Globals, BankLocation, MemoryBank]]":
    """The resolved options, the location and the bank as stored (no model loaded), inside
    :func:`errors`: no bank yet is a usage error naming the directory (exit 2)."""
    g = resolve_globals(ctx, bank, model, debug, verbose)
    with errors(g):
        location, b = require_bank(g)
        yield g, location, b


def _fmt_loss(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, (int, float)) else "-"


@app.command("list")
def list_tools(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", metavar="", help="Print a JSON array instead of a table.")] = False,
    bank: BankOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """List the learned tools: name, memory token id, examples, final loss, description."""
    with _existing_bank(ctx, bank, model, debug, verbose) as (_, location, b):
        base = b.fingerprint.vocab_size
        rows = [
            {
                "name": t.name,
                "token_id": base + i,
                "examples": t.stats.get("examples"),
                "final_loss": t.stats.get("final_loss"),
                "description": t.spec.description,
            }
            for i, t in enumerate(b.tools)
        ]
        if as_json:
            print_json(rows)
            return
        if not rows:
            out.print(f"no tools yet: the bank at {location.target} holds none (learn some with `tokmem-agent learn-tool`)")
            return
        table = Table(title=f"{len(rows)} tool(s) in {location.target} (backbone {b.fingerprint.model_id})", title_justify="left")
        table.add_column("name", no_wrap=True)
        table.add_column("token id", justify="right")
        table.add_column("examples", justify="right")
        table.add_column("final loss", justify="right")
        table.add_column("description")
        for r in rows:
            table.add_row(r["name"], str(r["token_id"]), str(r["examples"] or "-"), _fmt_loss(r["final_loss"]), r["description"])
        out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    name: NameArg,
    bank: BankOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Print a learned tool as JSON: its spec (with examples), memory token and training stats."""
    from tokmem_agents.bank.memory import token_label

    with _existing_bank(ctx, bank, model, debug, verbose) as (_, _, b):
        i = b.index(name)
        t = b.tools[i]
        import json

        out.file.write(
            json.dumps(
                {
                    "name": t.name,
                    "token": token_label(t.name),
                    "token_id": b.fingerprint.vocab_size + i,
                    "spec": t.spec.to_json(),
                    "stats": t.stats,
                    "stored_examples": len(t.examples),
                    "backbone": b.fingerprint.model_id,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )


@app.command("forget")
def forget(
    ctx: typer.Context,
    name: NameArg,
    bank: BankOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Remove a learned tool from the bank (saved atomically)."""
    with _existing_bank(ctx, bank, model, debug, verbose) as (g, location, b):
        b.index(name)  # unknown tool: fail before loading the model
        tm = open_tokmem(g, location=location, bank=b)
        tm.forget(name)
        out.print(f"forgot {name}; {len(tm.bank)} tool(s) left in {tm.path}")


@app.command("export")
def export(
    ctx: typer.Context,
    name: NameArg,
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False, help="File to write (e.g. NAME.tokmem).")],
    bank: BankOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write one learned tool to a portable file: vector, spec, stats and backbone fingerprint."""
    with _existing_bank(ctx, bank, model, debug, verbose) as (_, _, b):
        b.export_tool(name, file)
        out.print(f"exported {name} to {file} (backbone {b.fingerprint.model_id})")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False, help="A file written by `tools export`.")],
    replace: Annotated[bool, typer.Option("--replace", metavar="", help="Replace a tool of the same name already in the bank.")] = False,
    bank: BankOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Import an exported tool into the bank (same backbone only; saved atomically).

    A new bank is created on the backbone (and adapter) the tool was trained on (unless --model says otherwise).
    """
    from tokmem_agents.bank.location import recorded_backbone
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.errors import BackboneMismatchError

    g = resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)
    with errors(g):
        tool, fp, _, _ = MemoryBank.read_tool_file(file)
        location = bank_location(g)
        existing = location.load()
        if existing is not None and not existing.fingerprint.same_weights_at_some_precision(fp):
            raise BackboneMismatchError(
                f"refused: {file} ({tool.name}) was learned on backbone {fp.model_id} (hidden {fp.hidden_size}), "
                f"but the bank {location.target} is on backbone {existing.fingerprint.model_id} "
                f"(hidden {existing.fingerprint.hidden_size}); a memory token only works on the backbone it was "
                "trained on: learn the tool again on this bank instead"
            )
        model_id, adapter = recorded_backbone(fp if existing is None else None, g.model)  # a new bank: the tool's backbone
        tm = open_tokmem(g, location=location, bank=existing, model=model_id, adapter=adapter, create=True)
        name = tm.import_tool(file, replace_existing=replace)
        out.print(f"imported {name} into {tm.path}; {len(tm.bank)} tool(s) in the bank")
