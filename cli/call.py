"""``tokmem-agent call``: one query -> the tool calls its memory tokens produce (optionally run them)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    DeviceOpt,
    DtypeOpt,
    BankOpt,
    CallThresholdOpt,
    CopyBiasOpt,
    DecisionOpt,
    DebugOpt,
    MaxCallsOpt,
    MaxTokensPerCallOpt,
    ModelOpt,
    NoConstrainOpt,
    TimeBudgetOpt,
    VerboseOpt,
    decode_config,
    err,
    errors,
    open_tokmem,
    out,
    print_json,
    resolve_globals,
)

if TYPE_CHECKING:
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.bank.records import ToolCall
    from tokmem_agents.config import DecodeConfig
    from tokmem_agents.decode.results import DecodeResult
    from tokmem_agents.registry import ProcedureRegistry, ProcedureResult


def stop_line(result: "DecodeResult", config: "DecodeConfig") -> str | None:
    """Which decoding limit ended the answer, in words (None when the model finished on its own)."""
    reason = result.stop_reason
    if reason == "end":
        return None
    if reason == "max_calls":
        return f"stopped early: reached the limit of {config.max_calls} call(s) per query (--max-calls); later calls were not decoded"
    if reason == "max_tokens" and not result.emitted_calls:
        return f"stopped early: the text answer reached its limit of {config.max_text_tokens} tokens"
    if reason == "max_tokens":
        return f"stopped early: a call reached the limit of {config.max_tokens_per_call} tokens per call (--max-tokens-per-call)"
    if reason == "time_budget":
        budget = f" of {config.time_budget:g} s" if config.time_budget is not None else ""
        return f"stopped early: the time budget{budget} ran out (--time-budget)"
    if reason == "repetition":
        return "stopped early: a call kept repeating itself and was cut (repetition guard)"
    return f"stopped early: {reason}"


def describe_result(result: "DecodeResult", bank: "MemoryBank", base_vocab: int, config: "DecodeConfig") -> list[str]:
    """Readable lines for one decode with ``config``: each memory token that fired and with what (valid,
    invalid or truncated at a limit, the last two never run), or the text answer, then the limit that stopped it."""
    from tokmem_agents.bank.memory import token_label

    lines: list[str] = []
    for ev in result.events:
        token = f"{token_label(ev.name)} (id {base_vocab + bank.index(ev.name)})" if ev.name in bank else token_label(ev.name)
        if ev.call is not None:
            shown = f"{ev.name}({json.dumps(ev.call.arguments, ensure_ascii=False)})"
        else:
            shown = f"arguments {ev.invalid.raw[:80]!r}" if ev.invalid is not None else "(no arguments)"
        mark = "truncated" if ev.truncated else "invalid" if ev.invalid is not None else "call"
        lines.append(f"{mark} {token}  {shown}")
        if ev.truncated:
            why = ev.invalid.errors[0] if ev.invalid is not None else "its arguments were closed by the decoder, not written by the model"
            lines.append(f"  not run: cut at a decoding limit; {why}")
        elif ev.invalid is not None:
            lines.append(f"  not run: {ev.invalid.errors[0]}")
    if not result.emitted_calls:
        lines.append(f"answer (no tool): {result.text}" if result.text else "answer (no tool): (empty)")
    stop = stop_line(result, config)
    if stop is not None:
        lines.append(stop)
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
        typer.Option("--json", metavar="", help='Print only a JSON array of {"name", "arguments"} (valid, complete calls) on stdout; the rest goes to stderr.'),
    ] = False,
    execute: Annotated[bool, typer.Option("--execute", metavar="", help="Run the procedures of the calls and print their results.")] = False,
    no_constrain: NoConstrainOpt = False,
    max_calls: MaxCallsOpt = None,
    max_tokens_per_call: MaxTokensPerCallOpt = None,
    time_budget: TimeBudgetOpt = None,
    copy_bias: CopyBiasOpt = None,
    decision: DecisionOpt = None,
    call_threshold: CallThresholdOpt = None,
    bank: BankOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Turn one request into tool calls with the bank's memory tokens.

    Shows which memory token fired and its arguments, or the plain-text answer when no tool fits.
    Calls whose arguments do not validate, and calls cut at a decoding limit (--max-tokens-per-call,
    --time-budget), are reported and never run; so is the limit that stopped decoding. With --execute,
    exits 1 when a procedure fails.
    """
    g = resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)
    with errors(g):
        config = decode_config(no_constrain, max_calls, max_tokens_per_call, time_budget, copy_bias, decision, call_threshold)
        tm = open_tokmem(g)
        if len(tm.bank) == 0:
            err.print(f"warning: the bank {tm.path} holds no tools yet (learn some with `tokmem-agent learn-tool`)")
        result = tm.call(query, config)
        calls = result.valid_calls
        results = execute_calls(calls, tm.bank, _registry()) if execute else []
        if as_json:
            for ev in result.events:
                if ev.truncated:
                    err.print(f"truncated call of {ev.name} (not in the output): cut at a decoding limit")
                elif ev.invalid is not None:
                    err.print(f"invalid call of {ev.name} (not in the output): {ev.invalid.errors[0]}")
            if not result.emitted_calls and result.text:
                err.print(f"answer (no tool): {result.text}")
            stop = stop_line(result, config)
            if stop is not None:
                err.print(stop)
            rows: list[dict[str, Any]] = [c.to_json() for c in calls]
            for row, r in zip(rows, results):
                row["result"] = {k: v for k, v in r.to_json().items() if k != "name"}
            print_json(rows)
        else:
            for line in describe_result(result, tm.bank, tm.backbone.base_vocab, config):
                out.print(line, markup=False)
            for r in results:
                out.print(describe_procedure(r), markup=False)
        if any(not r.ok for r in results):
            raise typer.Exit(1)


def _registry() -> "ProcedureRegistry":
    from tokmem_agents.registry import default_registry

    return default_registry()
