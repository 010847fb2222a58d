"""Procedures by name: the Python callables that implement tools, run only on validated arguments.

A :class:`ProcedureRegistry` maps a tool name to a :class:`Procedure`. :meth:`ProcedureRegistry.execute`
validates a decoded call against its tool's JSON Schema before anything runs, runs the procedure in a
worker thread under a timeout, and turns every failure into an error :class:`ProcedureResult`, so a
bad call never ends the agent loop.

Limitation of the timeout: Python cannot stop a thread, so a procedure that times out keeps running
in its daemon thread until it returns (its result is dropped; the thread dies with the process).
The timeout bounds how long the *agent* waits, not the work done. Procedures must therefore bound
their own work (size limits, as ``procedures.math`` and ``procedures.files`` do) and must not block
forever; anything that may hang (network, subprocesses) should pass its own timeout to the call it
makes, or run the work in a child process it can kill.

Procedures are found through the entry-point group ``tokmem_agents.procedures``; an entry point
names either a :class:`ProcedureRegistry` or a callable ``register(registry) -> None``. The built-in
catalog (the top-level ``procedures`` package) registers itself the same way, in this project's own
``pyproject.toml``; third-party packages add theirs likewise::

    [project.entry-points."tokmem_agents.procedures"]
    my_tools = "my_package.tools:procedures"

The library never imports ``procedures``: the built-ins depend on this module, not the reverse.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .errors import ProcedureError, UnknownToolError

if TYPE_CHECKING:
    from .bank.records import ToolCall
    from .bank.specs import ToolSpec

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "tokmem_agents.procedures"


@dataclass(frozen=True)
class Procedure:
    """A callable implementing one tool; ``mutates`` marks procedures that change stored state."""

    name: str
    func: Callable[..., Any]
    mutates: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class ProcedureResult:
    """The outcome of one executed call: a JSON-serialisable value, or a one-line error."""

    name: str
    ok: bool
    value: Any = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (``value`` on success, ``error`` on failure)."""
        out: dict[str, Any] = {"name": self.name, "ok": self.ok}
        if self.ok:
            out["value"] = self.value
        else:
            out["error"] = self.error
        return out


def _one_line(exc: BaseException) -> str:
    """A short single-line description of an exception for the agent and the user."""
    text = " ".join(str(exc).split())
    if isinstance(exc, ProcedureError):
        return text or "procedure failed"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ProcedureRegistry:
    """Procedures by tool name; executes a call only after its arguments pass the tool's schema."""

    def __init__(self) -> None:
        self._procedures: dict[str, Procedure] = {}

    def register(self, name: str, *, mutates: bool = False, timeout: float = 10.0) -> Callable:
        """Decorator registering ``func`` under ``name``; the function itself is returned unchanged."""
        if timeout <= 0:
            raise ProcedureError(f"procedure {name!r}: timeout must be positive, got {timeout}")

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add(Procedure(name, func, mutates=mutates, timeout=timeout))
            return func

        return decorator

    def add(self, procedure: Procedure) -> None:
        """Register a ready-made :class:`Procedure`; a name can be registered only once."""
        if procedure.name in self._procedures:
            raise ProcedureError(f"procedure {procedure.name!r} is registered twice")
        self._procedures[procedure.name] = procedure

    def update(self, other: ProcedureRegistry, *, override: bool = False) -> None:
        """Copy the procedures of ``other`` into this registry (existing names kept unless ``override``)."""
        for proc in other:
            if proc.name in self._procedures and not override:
                logger.warning("procedure %r already registered; keeping the first one", proc.name)
                continue
            self._procedures[proc.name] = proc

    def get(self, name: str) -> Procedure:
        """The procedure registered as ``name``; raise :class:`UnknownToolError` if there is none."""
        try:
            return self._procedures[name]
        except KeyError:
            raise UnknownToolError(f"no procedure registered for tool {name!r}") from None

    def names(self) -> list[str]:
        """Registered tool names, sorted."""
        return sorted(self._procedures)

    def __contains__(self, name: object) -> bool:
        return name in self._procedures

    def __iter__(self) -> Iterator[Procedure]:
        return iter(list(self._procedures.values()))

    def __len__(self) -> int:
        return len(self._procedures)

    def execute(self, call: ToolCall, spec: ToolSpec) -> ProcedureResult:
        """Validate ``call.arguments`` against ``spec``, then run the procedure under its timeout.

        Never raises: unknown tools, invalid arguments, exceptions, timeouts and non-JSON results all
        become ``ok=False`` results with a one-line error. A procedure that times out keeps running in
        a daemon thread (Python cannot kill threads); its result is discarded.
        """
        name = call.name
        if spec.name != name:
            return ProcedureResult(name, False, error=f"call names {name!r} but the spec is for {spec.name!r}")
        try:
            proc = self.get(name)
        except UnknownToolError as e:
            return ProcedureResult(name, False, error=str(e))
        problems = spec.validate_arguments(call.arguments)
        if problems:
            return ProcedureResult(name, False, error=f"invalid arguments for {name!r}: {problems[0]}")
        return _run_with_timeout(proc, dict(call.arguments))


def _run_with_timeout(proc: Procedure, arguments: dict[str, Any]) -> ProcedureResult:
    """Run ``proc.func(**arguments)`` in a daemon thread; wait at most ``proc.timeout`` seconds."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = proc.func(**arguments)
        except BaseException as e:  # noqa: BLE001 - every failure becomes an error result
            outcome["error"] = e

    worker = threading.Thread(target=target, name=f"procedure-{proc.name}", daemon=True)
    worker.start()
    worker.join(proc.timeout)
    if worker.is_alive():
        return ProcedureResult(proc.name, False, error=f"procedure {proc.name!r} timed out after {proc.timeout:g}s")
    if "error" in outcome:
        logger.debug("procedure %r failed", proc.name, exc_info=outcome["error"])
        return ProcedureResult(proc.name, False, error=_one_line(outcome["error"]))
    value = outcome.get("value")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as e:
        return ProcedureResult(proc.name, False, error=f"procedure {proc.name!r} returned a non-JSON value: {e}")
    return ProcedureResult(proc.name, True, value=value)


def _load_plugin(registry: ProcedureRegistry, entry_point: importlib.metadata.EntryPoint) -> None:
    """Add the procedures an entry point names (a registry, or a ``register(registry)`` callable)."""
    obj = entry_point.load()
    if isinstance(obj, ProcedureRegistry):
        registry.update(obj)
    elif callable(obj):
        plugin = ProcedureRegistry()
        obj(plugin)
        registry.update(plugin)
    else:
        raise ProcedureError(f"entry point {entry_point.name!r} is neither a ProcedureRegistry nor a callable")


BUILTIN_DISTRIBUTION = "tokmem-agents"
"""The distribution whose entry point is the built-in catalog (loaded first, so its names win)."""


def _is_builtin(entry_point: importlib.metadata.EntryPoint) -> bool:
    dist = getattr(entry_point, "dist", None)
    name = getattr(dist, "name", None) or ""
    return name.replace("_", "-").lower() == BUILTIN_DISTRIBUTION


def default_registry(*, plugins: bool = True) -> ProcedureRegistry:
    """The built-in procedures plus those of installed plugins (entry-point group ``tokmem_agents.procedures``).

    The built-in catalog loads first and must load; a plugin that fails to load is skipped with a
    warning; built-in names win over plugin names. ``plugins=False``: the built-ins only.
    """
    registry = ProcedureRegistry()
    found = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    builtins = [ep for ep in found if _is_builtin(ep)]
    if not builtins:
        raise ProcedureError(
            f"the built-in procedures are not registered (no {ENTRY_POINT_GROUP!r} entry point of "
            f"{BUILTIN_DISTRIBUTION}): install the package, e.g. `pip install -e .`"
        )
    for ep in builtins:
        _load_plugin(registry, ep)
    if plugins:
        for ep in found:
            if _is_builtin(ep):
                continue
            try:
                _load_plugin(registry, ep)
            except Exception as e:  # noqa: BLE001 - a broken plugin must not break the agent
                logger.warning("skipping procedure plugin %r: %s", ep.name, _one_line(e))
    return registry
