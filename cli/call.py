"""``tokmem-agent call``: one query -> the tool calls its memory tokens produce (optionally run them)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import BankOpt, DebugOpt, ModelOpt, NoConstrainOpt, err, errors, open_tokmem, out, print_json, resolve_globals

if TYPE_CHECKING:
    from tokmem_agents.decoding import DecodeResult
    from tokmem_agents.memory import MemoryBank
    from tokmem_agents.registry import ProcedureRegistry, ProcedureResult
    from tokmem_agents.data import ToolCall


def describe_result(result: "DecodeResult", bank: "MemoryBank", base_vocab: int) -> list[str]:
    """Readable lines for one decode: which memory token fired and with what, or the text answer."""
    from tokmem_agents.memory import token_label

    lines: list[str] = []
    bad = {i.call_index: i for i in result.invalid if i.call_index is not None}
    for k, call in enumerate(result.calls):
        token = f"{token_label(call.name)} (id {base_vocab + bank.index(call.name)})" if call.name in bank else token_label(call.name)
        mark = "invalid" if k in bad else "call"
        lines.append(f"{mark} {token}  {call.name}({json.dumps(call.arguments, ensure_ascii=False)})")
        if k in bad:
            lines.append(f"  not run: {bad[k].errors[0]}")
    for inv in result.invalid:
        if inv.call_index is None:
            lines.append(f"invalid {token_label(inv.name)}  arguments {inv.raw[:80]!r}: {inv.errors[0]}")
    if not result.calls and not result.invalid:
        lines.append(f"answer (no tool): {result.text}" if result.text else "answer (no tool): (empty)")
    if result.stop_reason != "end":
        lines.append(f"(stopped early: {result.stop_reason})")
    return lines


def execute_calls(
    calls: list["ToolCall"], bank: "MemoryBank", registry: "ProcedureRegistry"
) -> list["ProcedureResult"]:
    """Run each call's procedure (arguments are validated against the tool's spec first)."""
    from tokmem_agents.registry import ProcedureResult

    results = []
    for c in calls:
        spec = bank.specs.get(c.name)
        if spec is None:
            results.append(ProcedureResult(c.name, False, error=f"tool {c.name!r} is not in the bank"))
        else:
            results.append(registry.execute(c, spec))
    return results


def describe_procedure(result: "ProcedureResult") -> str:
    """One readable line for a procedure's outcome."""
    if result.ok:
        value = result.value if isinstance(result.value, str) else json.dumps(result.value, ensure_ascii=False)
        return f"result {result.name}: {value}"
    return f"failed {result.name}: {result.error}"


def call(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(metavar="QUERY", show_default=False, help="The request, in plain language.")],
    as_json: Annotated[
        bool,
        typer.Option("--json", metavar="", help='Print only a JSON array of {"name", "arguments"} (valid calls) on stdout.'),
    ] = False,
    execute: Annotated[bool, typer.Option("--execute", metavar="", help="Run the procedures of the calls and print their results.")] = False,
    no_constrain: NoConstrainOpt = False,
    bank: BankOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Turn one request into tool calls with the bank's memory tokens.

    Shows which memory token fired and its arguments, or the plain-text answer when no tool fits.
    Calls whose arguments do not validate are reported and never run. With --execute, exits 1 when
    a procedure fails.
    """
    g = resolve_globals(ctx, bank, model, debug)
    with errors(g):
        from tokmem_agents.config import DecodeConfig

        tm = open_tokmem(g)
        if len(tm.bank) == 0:
            err.print(f"warning: the bank {tm.path} holds no tools yet (learn some with `tokmem-agent learn-tool`)")
        result = tm.call(query, DecodeConfig(constrained=not no_constrain))
        calls = result.valid_calls
        results = execute_calls(calls, tm.bank, _registry()) if execute else []
        if as_json:
            for inv in result.invalid:
                err.print(f"invalid call of {inv.name} (not in the output): {inv.errors[0]}")
            if not result.calls and not result.invalid and result.text:
                err.print(f"answer (no tool): {result.text}")
            rows: list[dict[str, Any]] = [c.to_json() for c in calls]
            for row, r in zip(rows, results):
                row["result"] = {k: v for k, v in r.to_json().items() if k != "name"}
            print_json(rows)
        else:
            for line in describe_result(result, tm.bank, tm.backbone.base_vocab):
                out.print(line, markup=False)
            for r in results:
                out.print(describe_procedure(r), markup=False)
        if any(not r.ok for r in results):
            raise typer.Exit(1)


def _registry() -> "ProcedureRegistry":
    from tokmem_agents.registry import default_registry

    return default_registry()
