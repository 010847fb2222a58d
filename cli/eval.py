"""``tokmem-agent eval``: score a method (tokmem, icl, rag) on a JSONL evaluation set."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from .common import (
    DeviceOpt,
    DtypeOpt,
    EXIT_USAGE,
    BankOpt,
    CallThresholdOpt,
    CopyBiasOpt,
    DecisionOpt,
    DebugOpt,
    MaxCallsOpt,
    MaxTokensPerCallOpt,
    ModelOpt,
    TimeBudgetOpt,
    VerboseOpt,
    decode_config,
    err,
    errors,
    fail,
    open_tokmem,
    out,
    print_json,
    resolve_globals,
)



class MethodName(str, Enum):
    """The methods ``eval`` knows (kept here, not imported from the library, so ``--help`` stays fast)."""

    tokmem = "tokmem"
    icl = "icl"
    rag = "rag"

_ROWS: tuple[tuple[str, str], ...] = (
    ("n", "examples"),
    ("tool_precision", "tool precision"),
    ("tool_recall", "tool recall"),
    ("tool_f1", "tool F1"),
    ("sequence_acc", "tool sequence accuracy"),
    ("call_em", "call arguments EM"),
    ("full_em", "full example EM"),
    ("paper_tool_f1", "paper tool F1 (set, macro)"),
    ("paper_arg_f1", "paper argument F1 (set, macro)"),
    ("schema_valid", "schema-valid calls"),
    ("truncated_rate", "calls truncated at a limit"),
    ("n_calls_emitted", "calls emitted"),
    ("no_tool_false_call_rate", "false calls on no-tool queries"),
    ("prompt_tokens_per_query", "prompt tokens / query"),
    ("seconds_per_query", "seconds / query"),
    ("trainable_parameters", "trainable parameters"),
    ("peak_rss_mb", "peak RSS (MiB)"),
)


def _fmt(key: str, value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if key in ("prompt_tokens_per_query", "peak_rss_mb"):
        return f"{value:.1f}"
    if key == "seconds_per_query":
        return f"{value:.3f}"
    return f"{value:.3f}"


def render_report(report: dict[str, Any]) -> None:
    """The report as rich tables on stdout: the headline metrics, then per number of gold calls."""
    title = f"{report['method']} on {report['model']} ({'constrained' if report.get('constrained') else 'unconstrained'})"
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in _ROWS:
        if key in report:
            table.add_row(label, _fmt(key, report[key]))
    out.print(table)
    buckets = report.get("by_calls") or {}
    if len(buckets) > 1:
        by = Table(title="by number of gold calls", title_justify="left")
        for col in ("calls", "n", "tool F1", "sequence acc", "full EM", "paper tool F1", "paper arg F1"):
            by.add_column(col, justify="right")
        for k, b in buckets.items():
            by.add_row(
                k, str(b["n"]), *(f"{b[f]:.3f}" for f in ("tool_f1", "sequence_acc", "full_em", "paper_tool_f1", "paper_arg_f1"))
            )
        out.print(by)


def eval_command(
    ctx: typer.Context,
    data: Annotated[
        Path, typer.Argument(metavar="DATA.jsonl", show_default=False, help='Evaluation set: one {"query", "calls"} per line.')
    ],
    method: Annotated[
        MethodName,
        typer.Option(
            "--method",
            help="tokmem: the bank's memory tokens; icl: every tool schema in the prompt; rag: the top-k retrieved schemas.",
        ),
    ] = MethodName.tokmem,
    as_json: Annotated[bool, typer.Option("--json", metavar="", help="Print one JSON object with every metric instead of tables.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, metavar="N", help="Evaluate the first N examples only.")] = None,
    no_constrain: Annotated[
        bool, typer.Option("--no-constrain", metavar="", help="tokmem: decode arguments without the JSON Schema constraint.")
    ] = False,
    k: Annotated[int, typer.Option("--k", min=1, metavar="K", help="rag: number of tool schemas retrieved into the prompt.")] = 3,
    max_calls: MaxCallsOpt = None,
    max_tokens_per_call: MaxTokensPerCallOpt = None,
    time_budget: TimeBudgetOpt = None,
    copy_bias: CopyBiasOpt = None,
    decision: DecisionOpt = None,
    call_threshold: CallThresholdOpt = None,
    predictions: Annotated[
        Optional[Path],
        typer.Option(
            "--predictions",
            metavar="FILE.jsonl",
            dir_okay=False,
            show_default=False,
            help="Also write one line per example: query, gold and predicted calls, and whether they match.",
        ),
    ] = None,
    bank: BankOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Evaluate tool calling on a JSONL set: tool P/R/F1, sequence accuracy, argument EM, schema validity, cost.

    All methods run on the bank's backbone; icl and rag put the bank's tool schemas in the prompt.
    The decoding limits (--max-calls, --max-tokens-per-call, --time-budget) and --copy-bias apply to tokmem; its
    time budget is per batch of queries, and calls cut at a limit count in "calls truncated".
    """
    g = resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)
    name = method.value
    limits = {"--max-calls": max_calls, "--max-tokens-per-call": max_tokens_per_call, "--time-budget": time_budget,
              "--copy-bias": copy_bias, "--decision": decision, "--call-threshold": call_threshold}
    if predictions is not None and not predictions.resolve().parent.is_dir():
        raise fail(f"--predictions {predictions}: the directory {predictions.parent} does not exist", EXIT_USAGE)
    given = [opt for opt, v in limits.items() if v is not None]
    if given and name != "tokmem":
        raise fail(f"{', '.join(given)}: decoding options apply to --method tokmem only, not {name}", EXIT_USAGE)
    with errors(g):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from tokmem_agents.bank.records import load_jsonl
        from tokmem_agents.errors import BankError

        examples = load_jsonl(data)
        tm = open_tokmem(g)
        if len(tm.bank) == 0:
            raise BankError(f"the bank {tm.path} holds no tools: nothing to evaluate (learn some with `tokmem-agent learn-tool`)")
        from tokmem_agents.evaluation.harness import run_eval
        from tokmem_agents.evaluation.methods import get_method

        options: dict[str, Any] = {}
        if name == "tokmem":
            options["config"] = decode_config(no_constrain, max_calls, max_tokens_per_call, time_budget, copy_bias, decision, call_threshold)
        if name == "rag":
            options["k"] = k
        with err.status(f"preparing {name}...", spinner="dots"):
            m = get_method(name, tm, **options)
        n = min(len(examples), limit) if limit else len(examples)
        records: list[dict[str, Any]] = []
        with Progress(TextColumn(f"[bold]{name}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task("eval", total=n)
            report = run_eval(
                m, examples, tm.bank.specs, limit, model=tm.backbone.model_id,
                progress=lambda done, total: bar.update(task, completed=done), records=records,
            )
        if predictions is not None:
            from tokmem_agents.files import atomic_write_text

            atomic_write_text(predictions, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        if as_json:
            print_json(report)
        else:
            render_report(report)
