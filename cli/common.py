"""What every command shares: the global options, the consoles, opening a bank, error -> exit code.

Nothing here imports torch: commands that need the model import the library inside their body, so
``tokmem-agent --help`` stays fast.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Iterator, Optional

import typer
from rich.console import Console

from typer import Abort

try:  # recent typer vendors click as typer._click; older versions use click itself
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # type: ignore[no-redef]

from tokmem_agents import config as _config
from tokmem_agents.errors import TokMemError

if TYPE_CHECKING:
    from tokmem_agents.bank.location import BankLocation
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.config import DecodeConfig
    from tokmem_agents.training.loop import TrainProgress
    from tokmem_agents.tokmem import TokMem

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# No markup: tool names, descriptions and paths are printed verbatim. Consoles resolve sys.stdout / sys.stderr at write time, so they follow test runners' redirection.
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

# --- the global options (accepted on the app and on every command) ------------------------------

BankOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--bank",
        metavar="DIR",
        show_default=False,
        help="Memory bank directory. [default: $TOKMEM_HOME/banks/default, TOKMEM_HOME=~/.tokmem]",
    ),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option(
        "--model",
        metavar="MODEL",
        show_default=False,
        help="Backbone: a named one (smollm2-135m, qwen2.5-coder-0.5b), a checkpoint directory, a .gguf file "
        "or a hub id on disk. "
        "[default: the one the bank was trained on, else the embedded SmolLM2-135M]",
    ),
]
AdapterOpt = Annotated[
    Optional[str],
    typer.Option(
        "--adapter",
        metavar="ID|DIR|none",
        show_default=False,
        help="Adapted backbone for a new bank: an adapter id or directory from `tokmem-agent adapt`, or none. "
        "[default: the one the bank was learned on, else the model's shipped adapter if any]",
    ),
]
DeviceOpt = Annotated[
    Optional[str],
    typer.Option(
        "--device",
        metavar="cpu|cuda[:N]|mps",
        show_default=False,
        help="Where the backbone runs. [default: cuda if present, else mps, else cpu]",
    ),
]


class Dtype(str, Enum):
    """Weight dtypes of ``--dtype``."""

    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


DtypeOpt = Annotated[
    Optional[Dtype],
    typer.Option(
        "--dtype",
        show_default=False,
        help="Dtype of the backbone's weights (bf16 halves memory on a GPU). A bank learned at another dtype "
        "of the same weights loads with a warning. [default: the bank's, else fp32]",
    ),
]
DebugOpt = Annotated[
    bool,
    typer.Option("--debug", metavar="", show_default=False, help="Show full tracebacks and every log line (also: TOKMEM_DEBUG=1)."),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", metavar="", show_default=False,
        help="Show progress and log lines, and what transformers and peft print while the model loads.",
    ),
]
NoConstrainOpt = Annotated[
    bool, typer.Option("--no-constrain", metavar="", help="Decode arguments without the JSON Schema constraint.")
]


# --- the decoding limits (call, chat, eval); defaults stay in DecodeConfig ----------------------

_DECODE = _config.DecodeConfig()


def _positive_seconds(value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"{value} is not a positive number of seconds")
    return value


MaxCallsOpt = Annotated[
    Optional[int],
    typer.Option(
        "--max-calls", min=1, metavar="N", show_default=False,
        help=f"Stop a query after N tool calls; later calls are not decoded. [default: {_DECODE.max_calls}]",
    ),
]
MaxTokensPerCallOpt = Annotated[
    Optional[int],
    typer.Option(
        "--max-tokens-per-call", min=1, metavar="N", show_default=False,
        help="Stop a call's arguments after N tokens; the call is reported as truncated and never run. "
        f"[default: {_DECODE.max_tokens_per_call}]",
    ),
]
TimeBudgetOpt = Annotated[
    Optional[float],
    typer.Option(
        "--time-budget", metavar="SECONDS", callback=_positive_seconds, show_default=False,
        help="Wall-clock limit of one decode; a call still open is reported as truncated and never run. [default: none]",
    ),
]



def _non_negative(value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise typer.BadParameter(f"{value} is not a number >= 0")
    return value


CopyBiasOpt = Annotated[
    Optional[float],
    typer.Option(
        "--copy-bias", metavar="LOGITS", callback=_non_negative, show_default=False,
        help="Favour argument strings copied from the query by this many logits; 0: off. "
        f"[default: {_DECODE.copy_bias:g}]",
    ),
]


class Decision(str, Enum):
    """``--decision``: how the first token chooses between a call and text (``DecodeConfig.decision``)."""

    auto = "auto"
    mass = "mass"
    argmax = "argmax"


DecisionOpt = Annotated[
    Optional[Decision],
    typer.Option(
        "--decision", show_default=False,
        help="How a call is chosen over text: mass (P(any memory token) >= a threshold), argmax (the best memory "
        "logit beats the best text logit), or auto (mass if the bank recorded a threshold, else argmax). [default: auto]",
    ),
]


def _probability(value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and 0 < value < 1):
        raise typer.BadParameter(f"{value} is not a probability strictly between 0 and 1")
    return value


CallThresholdOpt = Annotated[
    Optional[float],
    typer.Option(
        "--call-threshold", metavar="P", callback=_probability, show_default=False,
        help="Call a tool when P(any memory token) >= P at the first token (implies --decision mass unless given). "
        "[default: the bank's recorded threshold, if any]",
    ),
]


def decode_config(
    no_constrain: bool = False,
    max_calls: int | None = None,
    max_tokens_per_call: int | None = None,
    time_budget: float | None = None,
    copy_bias: float | None = None,
    decision: "Decision | None" = None,
    call_threshold: float | None = None,
) -> "DecodeConfig":
    """The :class:`DecodeConfig` of ``--no-constrain``, the limit options, ``--copy-bias``,
    ``--decision`` and ``--call-threshold`` (an option not given keeps its default)."""
    if decision is Decision.argmax and call_threshold is not None:  # the config refuses it too; say it as a usage error
        raise typer.BadParameter("--call-threshold needs --decision mass or auto, not argmax", param_hint="--call-threshold")
    return _config.DecodeConfig.from_options(
        constrained=not no_constrain, max_calls=max_calls, max_tokens_per_call=max_tokens_per_call,
        time_budget=time_budget, copy_bias=copy_bias, decision=decision.value if decision is not None else None,
        call_threshold=call_threshold,
    )


@dataclass(frozen=True)
class Globals:
    """The resolved global options of one invocation."""

    bank: Path | None
    model: str | None
    debug: bool
    verbose: bool = False
    device: str | None = None
    dtype: str | None = None


_META_KEY = "tokmem_agents.cli.globals"


def resolve_globals(
    ctx: typer.Context | None,
    bank: Path | None,
    model: str | None,
    debug: bool,
    verbose: bool = False,
    *,
    device: str | None = None,
    dtype: "Dtype | str | None" = None,
) -> Globals:
    """Merge a command's own ``--bank/--model/--device/--dtype/--debug/--verbose`` with those given
    before the command name.

    The merged values are kept in ``ctx.meta`` (shared by the whole context chain) for subcommands.
    """
    found = ctx.meta.get(_META_KEY) if ctx is not None else None
    parent = found if isinstance(found, Globals) else Globals(None, None, False)
    env_debug = os.environ.get("TOKMEM_DEBUG", "").strip().lower() not in ("", "0", "false", "no")
    g = Globals(
        bank if bank is not None else parent.bank,
        model if model is not None else parent.model,
        debug or parent.debug or env_debug,
        verbose or parent.verbose,
        device if device is not None else parent.device,
        (dtype.value if isinstance(dtype, Dtype) else dtype) if dtype is not None else parent.dtype,
    )
    setup_logging(g.debug, g.verbose)
    if ctx is not None:
        ctx.meta[_META_KEY] = g
    return g


# --- logging and errors -------------------------------------------------------------------------


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at emit time (test runners swap it per invocation)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


_handler: _StderrHandler | None = None


def setup_logging(debug: bool, verbose: bool = False) -> None:
    """Library logs go to stderr: warnings by default, progress lines with ``--verbose``, everything
    with ``--debug``."""
    global _handler
    if _handler is None:
        _handler = _StderrHandler()
        _handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logging.getLogger("tokmem_agents").addHandler(_handler)
        logging.getLogger("tokmem_agents").propagate = False
    logging.getLogger("tokmem_agents").setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    if not (debug or verbose):
        silence_third_party()


_QUIET_ENV = {"TRANSFORMERS_VERBOSITY": "error", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TQDM_DISABLE": "1"}


def silence_third_party() -> None:
    """For the rest of this command: what transformers, huggingface_hub, tqdm and peft would print
    (progress bars, advisories, deprecation warnings) stays off stderr. Set before they are imported,
    so nothing heavy is imported here; a variable the user set keeps its value. (Loading a backbone is
    quiet in any process: :func:`tokmem_agents.model.sources.quiet_third_party`.)"""
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    for module in ("transformers", "peft", "huggingface_hub", "torch", "accelerate", "tqdm"):
        warnings.filterwarnings("ignore", module=rf"{module}(\.|$)")


def one_line(text: str) -> str:
    """Collapse a message to a single line."""
    return " ".join(str(text).split())


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print ``error: message`` on stderr and return the :class:`typer.Exit` to raise."""
    print(f"error: {one_line(message)}", file=sys.stderr, flush=True)
    return typer.Exit(code)


@contextmanager
def errors(g: Globals, interrupted: str = "interrupted") -> Iterator[None]:
    """Map exceptions to one stderr line and an exit code (2 bad input, 1 failure, 130 Ctrl-C)."""
    try:
        yield
    except (typer.Exit, ClickException, Abort):
        raise
    except KeyboardInterrupt:
        if g.debug:
            traceback.print_exc(file=sys.stderr)
        raise fail(interrupted, EXIT_INTERRUPTED) from None
    except TokMemError as e:
        if g.debug:
            traceback.print_exc(file=sys.stderr)
        raise fail(str(e) or type(e).__name__, e.exit_code) from None
    except Exception as e:  # noqa: BLE001 - an unexpected failure still gets one line
        if g.debug:
            traceback.print_exc(file=sys.stderr)
            raise fail(f"{type(e).__name__}: {e}", EXIT_FAILURE) from None
        raise fail(f"{type(e).__name__}: {e} (run with --debug for the traceback)", EXIT_FAILURE) from None


# --- banks ----------------------------------------------------------------------------------------


def bank_location(g: Globals) -> "BankLocation":
    """Which bank the user means (``--bank`` or the default one) and where it is read from."""
    from tokmem_agents.bank.location import BankLocation

    return BankLocation.resolve(g.bank)


def require_bank(g: Globals) -> "tuple[BankLocation, MemoryBank]":
    """The bank of a command that only reads one (no model loaded): no bank is a usage error naming
    the directory (exit 2); only ``learn-tool`` and ``tools import`` create banks."""
    location = bank_location(g)
    return location, location.require()


def open_tokmem(
    g: Globals,
    *,
    location: "BankLocation | None" = None,
    bank: "MemoryBank | None" = None,
    model: str | None = None,
    adapter: str | None = None,
    create: bool = False,
) -> "TokMem":
    """Open the bank on its backbone (``--model``/``--adapter`` or the one it remembers), with a spinner.

    ``location`` and ``bank`` are what the command already read (then the bank is not read again);
    without ``create``, no bank is a usage error (exit 2)."""
    from tokmem_agents.tokmem import TokMem

    if location is None:
        location = bank_location(g)
        bank = location.load() if create else location.require()
    elif bank is None and not create:
        bank = location.require()
    with err.status("loading the model...", spinner="dots"):
        return TokMem.at(
            location, bank, model if model is not None else g.model,
            adapter=adapter if adapter is not None else "auto", device=g.device, dtype=g.dtype,
            verbose=g.verbose or g.debug,
        )


def print_json(value: object) -> None:
    """Write JSON to stdout as plain text (no rich markup, no wrapping)."""
    import json

    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=None) + "\n")
    sys.stdout.flush()


@contextmanager
def training_progress(label: str) -> "Iterator[Callable[[TrainProgress], None]]":
    """Training progress on stderr, yielding the callback: a transient bar on a terminal, otherwise
    (logs, CI) one log line per tenth of the run (steps, epoch, loss, examples/s, ETA), shown with
    ``--verbose`` (or ``--debug``) so that stderr otherwise holds only errors."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    if not err.is_terminal:
        shown = [-1]

        def line(p: "TrainProgress") -> None:
            tenth = p.step * 10 // max(1, p.total_steps)
            if tenth == shown[0] and p.step != p.total_steps:
                return
            shown[0] = tenth
            eta = (p.total_steps - p.step) * p.elapsed / max(1, p.step)
            logging.getLogger("tokmem_agents.cli").info(
                "%s: step %d/%d, epoch %d, loss %.4f, %.1f ex/s, %.0f s elapsed, ETA %.0f s",
                label, p.step, p.total_steps, p.epoch, p.loss, p.examples_per_second, p.elapsed, eta,
            )

        yield line
        return
    columns = (
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("epoch {task.fields[epoch]}"),
        TextColumn("loss {task.fields[loss]}"),
        TextColumn("{task.fields[eps]} ex/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None, epoch="-", loss="-", eps="-")

        def update(p: "TrainProgress") -> None:
            bar.update(
                task, total=p.total_steps, completed=p.step, epoch=p.epoch, loss=f"{p.loss:.4f}",
                eps=f"{p.examples_per_second:.1f}",
            )

        yield update
