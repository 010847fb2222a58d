"""Decoded calls as LangChain shapes: the one place where a :class:`~tokmem_agents.decode.results.CallEvent`
becomes a ``ToolCall``, an ``InvalidToolCall`` or a streamed chunk (invoke, batch and stream alike).

Unparsable and truncated calls carry their raw argument text as a JSON *string* in ``args``, so
LangChain's merging of streamed chunks can never turn them into executable calls.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessageChunk, ToolCall
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk

from ...decode.results import CallEvent

log = logging.getLogger(__name__)


def _new_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


TRUNCATED_ERROR = (
    "arguments stopped by the decoder before the model closed them (token budget, repetition or time"
    " budget; see response_metadata['stop_reason']): closed to valid JSON but not executed"
)


@dataclass(frozen=True)
class Entry:
    """One decoded call as LangChain sees it: an executable ``ToolCall`` or an ``InvalidToolCall``.

    The single place where decoder calls become LangChain shapes (invoke, batch and stream)."""

    call: ToolCall | None = None
    invalid: dict[str, Any] | None = None
    """An ``InvalidToolCall`` (unparsable or truncated arguments)."""
    schema_errors: tuple[str, ...] = ()
    """Arguments that parsed but do not validate: kept as a call (procedures refuse them)."""
    truncated: bool = False

    def chunk(self, index: int) -> AIMessageChunk:
        """The streamed form; LangChain's merge of the chunks rebuilds the same call (or invalid call)."""
        if self.call is not None:
            c = self.call
            return AIMessageChunk(content="", tool_call_chunks=[tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=index)])
        assert self.invalid is not None
        inv = self.invalid
        return AIMessageChunk(content="", tool_call_chunks=[tool_call_chunk(name=inv["name"], args=inv["args"], id=inv["id"], index=index)])


def entry(event: CallEvent) -> Entry:
    """Shape one decoded call (see :class:`Entry`)."""
    if event.call is None or event.truncated:
        raw = event.invalid.raw if event.invalid is not None else json.dumps(event.call.arguments if event.call else {})
        error = TRUNCATED_ERROR if event.truncated else "; ".join(event.invalid.errors if event.invalid else ())
        # a JSON string: LangChain's partial-JSON parsing of streamed chunks can never make it a call
        args = json.dumps(raw, ensure_ascii=False)
        return Entry(invalid=invalid_tool_call(name=event.name, args=args, id=_new_id(), error=error), truncated=event.truncated)
    call = tool_call(name=event.call.name, args=dict(event.call.arguments), id=_new_id())
    return Entry(call=call, schema_errors=tuple(event.invalid.errors) if event.invalid is not None else ())


def runnable_calls(events: Iterable[CallEvent], query: str = "") -> list[ToolCall]:
    """The executable calls among ``events`` as LangChain ``ToolCall`` dicts (fresh unique ids)."""
    out = []
    for e in events:
        if e.truncated:
            log.warning("call %d of %s for %r was truncated by the decoder and is left out", e.position, e.name, query[:60])
        elif e.call is not None:
            out.append(tool_call(name=e.call.name, args=dict(e.call.arguments), id=_new_id()))
    return out
