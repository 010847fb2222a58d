"""Which memory tokens may fire: LangChain tools (of any form) mapped by name to learned tokens, and
``tool_choice`` mapped to the allowed set and to "a call is required"."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool

from ...bank.specs import ToolSpec
from ...config import DecodeConfig
from ...errors import UnknownToolError, UserInputError
from ...tokmem import TokMem

log = logging.getLogger(__name__)

LEARN_HINT = "learn it first with `tokmem-agent learn-tool SPEC.json` (a spec with examples)"
"""The hint of every "tool not learned" error."""


def tool_name(tool: Any) -> str:
    """The name of a LangChain tool, python function, pydantic model, OpenAI dict or :class:`ToolSpec`."""
    if isinstance(tool, ToolSpec):
        return tool.name
    return str(convert_to_openai_tool(tool)["function"]["name"])


def check_learned(tm: TokMem, names: Iterable[str]) -> None:
    """Raise :class:`UnknownToolError` naming every tool of ``names`` the bank has not learned."""
    unknown = [n for n in dict.fromkeys(names) if n not in tm.bank]
    if not unknown:
        return
    where = f"bank {tm.path}" if tm.path is not None else "this bank"
    learned = tm.bank.names
    shown = ", ".join(learned[:12]) + (f", ... ({len(learned)} in all)" if len(learned) > 12 else "")
    raise UnknownToolError(
        f"{where} has not learned tool{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
        f"{LEARN_HINT} (learned: {shown or 'none'})"
    )


def warn_schema_drift(tm: TokMem, tool: Any, name: str) -> None:
    """Log when a bound tool declares other argument names than the spec its token learned."""
    try:
        params = convert_to_openai_tool(tool)["function"].get("parameters", {}) or {}
    except Exception:  # noqa: BLE001 - a best-effort diagnostic only
        return
    bound = set((params.get("properties") or {}).keys())
    learned = set(tm.bank.specs[name].schema.get("properties", {}).keys())
    if bound and bound != learned:
        log.warning(
            "tool %r is bound with arguments %s but was learned with %s; calls follow the learned spec",
            name, sorted(bound), sorted(learned),
        )


def _choice_name(tool_choice: Any) -> str | None:
    """The tool a ``tool_choice`` names (a name or an OpenAI ``{"function": {"name": ...}}``), if any."""
    if isinstance(tool_choice, str):
        return tool_choice
    if isinstance(tool_choice, Mapping):
        fn = tool_choice.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else tool_choice.get("name")
        return str(name) if name else None
    return None


def allowed_tools(tm: TokMem, tools: Sequence[Any] | None, tool_choice: Any) -> frozenset[str] | None:
    """Which memory tokens may fire for bound ``tools`` and ``tool_choice`` (None: every learned tool).

    ``"auto"``, ``"any"``, ``"required"`` and ``True`` leave the set as bound (the last three also
    require a call, see :func:`requires_call`). ``"none"``/``False`` allow no token (text only); a tool
    name allows that tool only (and requires its call).
    """
    allowed: frozenset[str] | None = None
    if tools is not None:
        names = [tool_name(t) for t in tools]
        check_learned(tm, names)
        allowed = frozenset(names)
    if tool_choice in (None, "auto", "any", "required", True):
        return allowed
    if tool_choice in ("none", False):
        return frozenset()
    name = _choice_name(tool_choice)
    if name is None:
        raise UserInputError(f"tool_choice: expected 'auto', 'any', 'none' or a tool name, got {tool_choice!r}")
    check_learned(tm, [name])
    if allowed is not None and name not in allowed:
        raise UserInputError(f"tool_choice names {name!r}, which is not among the bound tools {sorted(allowed)}")
    return frozenset({name})


def requires_call(tool_choice: Any) -> bool:
    """``"any"``, ``"required"``, ``True`` or a tool name: the answer must start with a call."""
    if tool_choice in (None, "auto", "none", False):
        return False
    return tool_choice in ("any", "required", True) or _choice_name(tool_choice) is not None


def decode_config(
    allowed: frozenset[str] | None,
    *,
    constrained: bool,
    max_calls: int,
    max_tokens: int | None = None,
    timeout: float | None = None,
    require_call: bool = False,
) -> DecodeConfig:
    """The decoding config of a chat turn or runnable call: LangChain's names for the options
    (``max_tokens`` caps a text answer, ``timeout`` is the time budget); no allowed tool is text only."""
    text_only = allowed is not None and not allowed
    return DecodeConfig.from_options(
        constrained=constrained, max_calls=max_calls, allowed_tools=allowed, require_call=require_call and not text_only,
        max_text_tokens=max_tokens, time_budget=timeout,
    )
