"""The ``tokmem-agent`` typer application and :func:`main`, the console-script entry point.

Each command lives in its own module; torch and transformers are imported only inside the commands
that need them, so ``tokmem-agent --help`` stays fast. Exit codes: 0 success, 1 runtime failure,
2 bad input (usage, spec, data, bank, backbone mismatch), 130 interrupted.
"""

from __future__ import annotations

import sys

import typer

from . import tools
from .adapt import adapt_command
from .export import export_model_command
from .call import call
from .chat import chat
from .common import (
    DeviceOpt,
    DtypeOpt,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Abort,
    BankOpt,
    ClickException,
    DebugOpt,
    ModelOpt,
    NoArgsIsHelpError,
    VerboseOpt,
    UsageError,
    one_line,
    resolve_globals,
)
from .eval import eval_command
from .learn_tool import learn_tool

app = typer.Typer(
    name="tokmem-agent",
    help=(
        "Procedural memory for LLM agents: every tool is one learned memory token on a frozen language model.\n\n"
        "Learn tools from spec files, then turn requests into tool calls without any tool text in the prompt."
    ),
    epilog="Banks live in $TOKMEM_HOME/banks (TOKMEM_HOME defaults to ~/.tokmem). Set TOKMEM_DEBUG=1 for tracebacks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(ctx: typer.Context, bank: BankOpt = None, model: ModelOpt = None, device: DeviceOpt = None,
    dtype: DtypeOpt = None, debug: DebugOpt = False, verbose: VerboseOpt = False) -> None:
    """Global options given before the command apply to it (the command's own options win)."""
    resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)


app.command("learn-tool")(learn_tool)
app.command("call")(call)
app.command("chat")(chat)
app.command("eval")(eval_command)
app.command("adapt")(adapt_command)
app.command("export-model")(export_model_command)
app.add_typer(tools.app, name="tools")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; usage errors become one ``error:`` line and exit code 2."""
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="tokmem-agent", standalone_mode=False)
    except NoArgsIsHelpError as e:  # bare `tokmem-agent` (help) or a group without its command (`tokmem-agent tools`)
        if e.format_message():  # typer's rich help prints itself while the error is built; plain help is the message
            print(e.format_message())
        if e.ctx is not None and e.ctx.parent is not None:
            print(f"error: missing command (see `{e.ctx.command_path} --help`)", file=sys.stderr)
            sys.exit(EXIT_USAGE)
        sys.exit(0)
    except UsageError as e:
        cmd = e.ctx.command_path if e.ctx is not None else "tokmem-agent"
        msg = one_line(e.format_message()).replace("Value error, ", "")
        print(f"error: {msg} (see `{cmd} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except ClickException as e:  # e.g. a file argument click could not open
        print(f"error: {one_line(e.format_message())}", file=sys.stderr)
        sys.exit(e.exit_code)
    except Abort:  # Ctrl-C outside of a command body (e.g. in a click prompt)
        print("error: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
