"""Procedures as LangChain tools: a learned bank plus the procedures of its tools is an agent."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from langchain_core.tools import StructuredTool, ToolException

from ...bank.records import ToolCall as TokMemCall
from ...bank.specs import ToolSpec
from ...errors import UnknownToolError
from ...registry import ProcedureRegistry, default_registry
from ...tokmem import TokMem
from .base import OnBank
from .tools import check_learned

log = logging.getLogger(__name__)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def procedure_tool(spec: ToolSpec, registry: ProcedureRegistry) -> StructuredTool:
    """One tool as a ``StructuredTool``: the spec's schema as ``args_schema``, the procedure as its function.

    The tool returns the result as text (JSON for non-strings) with the raw value as artifact; a
    refused or failed call becomes an error ``ToolMessage`` holding the one-line error.
    """

    def run(**arguments: Any) -> tuple[str, Any]:
        res = registry.execute(TokMemCall(spec.name, arguments), spec)
        if not res.ok:
            raise ToolException(res.error or f"{spec.name} failed")
        return _as_text(res.value), res.value

    return StructuredTool.from_function(
        func=run,
        name=spec.name,
        description=spec.description or f"the {spec.name} tool",
        args_schema=spec.schema,
        response_format="content_and_artifact",
        handle_tool_error=True,
    )


def procedures_as_tools(
    tm: TokMem | OnBank,
    registry: ProcedureRegistry | None = None,
    *,
    names: Iterable[str] | None = None,
) -> list[StructuredTool]:
    """The bank's learned tools that have a procedure, as ``StructuredTool``s (a bank + procedures = an agent).

    ``tm`` is a bank or a ``ChatTokMem``/``TokMemRunnable`` on one; ``registry`` defaults to
    :func:`~tokmem_agents.registry.default_registry` (built-ins and plugins).
    With ``names``, exactly those tools (each must be learned and have a procedure).
    """
    if isinstance(tm, OnBank):
        tm = tm.get_tokmem()
    registry = registry if registry is not None else default_registry()
    specs = tm.bank.specs
    if names is not None:
        wanted = list(names)
        check_learned(tm, wanted)
        missing = [n for n in wanted if n not in registry]
        if missing:
            raise UnknownToolError(f"no procedure registered for tool(s) {missing}")
    else:
        wanted = [n for n in tm.bank.names if n in registry]
        skipped = [n for n in tm.bank.names if n not in registry]
        if skipped:
            log.info("learned tools without a procedure are not exposed as tools: %s", ", ".join(skipped))
    return [procedure_tool(specs[n], registry) for n in wanted]
