"""``tokmem-agent chat``: an interactive session over a bank (the loop takes input/output callables)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Callable

import typer

from .call import describe_procedure, describe_result
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
    errors,
    open_tokmem,
    resolve_globals,
)

if TYPE_CHECKING:
    from tokmem_agents.config import DecodeConfig
    from tokmem_agents.registry import ProcedureRegistry
    from tokmem_agents.tokmem import TokMem

Reader = Callable[[str], str]
Writer = Callable[[str], None]

HELP = """\
Type a request; the memory tokens that fire and their arguments are shown, then the procedures run.
Procedures that change stored data (notes, files, contacts, ...) ask first, unless started with --yes.
  /tools   list the tools of the bank
  /help    this help
  /quit    leave (also Ctrl-D or Ctrl-C)"""

PROMPT = "you> "


def tool_lines(tm: "TokMem", registry: "ProcedureRegistry") -> list[str]:
    """One line per learned tool: name, memory token, whether it asks before running, description."""
    from tokmem_agents.bank.memory import token_label

    if not len(tm.bank):
        return ["(the bank holds no tools; learn some with `tokmem-agent learn-tool`)"]
    lines = []
    for t in tm.bank.tools:
        if t.name not in registry:
            note = " [no procedure]"
        elif registry.get(t.name).mutates:
            note = " [asks first]"
        else:
            note = ""
        lines.append(f"  {t.name}  {token_label(t.name)}{note}  {t.spec.description}")
    return lines


def chat_loop(
    tm: "TokMem",
    read: Reader,
    write: Writer,
    *,
    confirm: Reader | None = None,
    yes: bool = False,
    registry: "ProcedureRegistry | None" = None,
    config: "DecodeConfig | None" = None,
) -> None:
    """Read requests until /quit, EOF (Ctrl-D) or Ctrl-C; decode, show, confirm, execute, print.

    ``read(prompt)`` returns a line (raising EOFError/KeyboardInterrupt to leave); ``confirm`` asks
    the y/N question (default: ``read``); ``write`` prints one message.
    """
    from tokmem_agents.config import DecodeConfig
    from tokmem_agents.errors import TokMemError
    from tokmem_agents.registry import default_registry

    registry = registry if registry is not None else default_registry()
    config = config if config is not None else DecodeConfig()
    confirm = confirm or read
    write(f"tokmem chat: {len(tm.bank)} tool(s) in {tm.path}. /help for help, /quit or Ctrl-D to leave.")
    try:
        while True:
            try:
                line = read(PROMPT).strip()
            except EOFError:
                write("")
                return
            if not line:
                continue
            if line.startswith("/"):
                cmd = line.split()[0].lower()
                if cmd in ("/quit", "/exit", "/q"):
                    return
                if cmd == "/help":
                    write(HELP)
                elif cmd == "/tools":
                    for t in tool_lines(tm, registry):
                        write(t)
                else:
                    write(f"unknown command {cmd}; /help lists the commands")
                continue
            try:
                result = tm.call(line, config)
            except TokMemError as e:
                write(f"error: {' '.join(str(e).split())}")
                continue
            for text in describe_result(result, tm.bank, tm.backbone.base_vocab, config):
                write(text)
            for c in result.valid_calls:
                if c.name in registry and registry.get(c.name).mutates and not yes:
                    try:
                        answer = confirm(f"run {c.name}? it changes stored data [y/N] ")
                    except EOFError:
                        answer = ""
                    if answer.strip().lower() not in ("y", "yes"):
                        write(f"skipped {c.name}")
                        continue
                spec = tm.bank.specs[c.name]
                write(describe_procedure(registry.execute(c, spec)))
    except KeyboardInterrupt:
        write("")
        return


def _terminal_io() -> tuple[Reader, Reader]:
    """prompt_toolkit sessions (line editing, persistent history) when stdin is a terminal, else input()."""
    if not sys.stdin.isatty():
        return input, input
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    from tokmem_agents.home import tokmem_home

    history: FileHistory | InMemoryHistory
    try:
        home = tokmem_home()
        home.mkdir(parents=True, exist_ok=True)
        history = FileHistory(str(home / "chat_history"))
    except OSError:
        history = InMemoryHistory()
    session: PromptSession[str] = PromptSession(history=history)
    ask: PromptSession[str] = PromptSession()
    return session.prompt, ask.prompt


def _write(text: str) -> None:
    print(text, flush=True)


def chat(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", metavar="", help="Run procedures that change stored data without asking.")] = False,
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
    """Chat with the bank: requests become tool calls, which run after confirmation.

    Shows the memory tokens that fired and their arguments, asks y/N before procedures that change
    anything (--yes skips), prints their results, and answers in plain text when no tool fits.
    Calls cut at a decoding limit (--max-tokens-per-call, --time-budget) are shown as truncated, never run.
    Arrow keys recall history. /tools, /help, /quit; Ctrl-D or Ctrl-C leave.
    """
    g = resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)
    with errors(g):
        config = decode_config(no_constrain, max_calls, max_tokens_per_call, time_budget, copy_bias, decision, call_threshold)
        try:
            tm = open_tokmem(g)
        except KeyboardInterrupt:
            raise typer.Exit(0) from None
        read, confirm = _terminal_io()
        chat_loop(tm, read, _write, confirm=confirm, yes=yes, config=config)
