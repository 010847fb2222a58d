"""LangChain integration: a learned bank as a Runnable, a chat model, and procedures as tools.

    from tokmem_agents.integrations.langchain import ChatTokMem, procedures_as_tools

    model = ChatTokMem()                                  # the default bank (TOKMEM_HOME, else shipped)
    tools = procedures_as_tools(model.get_tokmem())       # learned tools that have a procedure
    ai = model.bind_tools(tools).invoke("convert 3 miles to km")
    ai.tool_calls  # [{"name": "convert_units", "args": {...}, "id": "call_...", "type": "tool_call"}]

Tools live in memory tokens, so prompts never carry tool descriptions: binding tools only
restricts which learned tokens may fire, and binding a tool the bank has not learned is an
:class:`~tokmem_agents.errors.UnknownToolError`. The query is the text of the last human message
(system messages and earlier turns are not part of what the memory tokens were trained on).

TokMem decodes every call a query needs in one turn (compositional calls), so in the standard
loop (model -> tool calls -> ``ToolMessage``s -> model) the second model turn is the final text
answer. By default (``answer_mode="summary"``) it is a deterministic summary of the tool results,
one line per result: measured on the embedded 135M backbone, a generated answer dropped or invented
the numbers of the results in 3 of 4 probes. ``answer_mode="generate"`` lets the backbone phrase
the answer: the conversation is rendered with the backbone's chat template (the calls as an
assistant turn, the results as a ``tool`` turn when the template knows that role, else as a user
turn), memory tokens are disabled for that turn (still no tool descriptions), and it falls back to
the summary when nothing is generated.

Streaming hands out each call the moment its JSON closes (``Decoder.stream``). A call the decoder
had to stop early (token budget, degenerate repetition, time budget) is never passed off as a
normal call: ``ChatTokMem`` puts it in ``invalid_tool_calls`` (and ``TokMemRunnable`` leaves it out,
with a warning). Unparsable and truncated calls carry their raw argument text as a JSON *string* in
``args``, so LangChain's merging of streamed chunks cannot turn them into executable calls.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Literal, Union

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolCall,
    convert_to_messages,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import run_in_executor
from langchain_core.tools import StructuredTool, ToolException
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ..config import DecodeConfig
from ..data import ToolCall as TokMemCall
from ..decoding import CallEvent, DecodeResult
from ..errors import UnknownToolError, UserInputError
from ..home import default_bank_dir
from ..memory import BANK_FILE
from ..registry import ProcedureRegistry, default_registry
from ..specs import ToolSpec
from ..tokmem import TokMem

log = logging.getLogger(__name__)

LEARN_HINT = "learn it first with `tokmem-agent learn-tool SPEC.json` (a spec with examples)"
"""The hint of every "tool not learned" error."""

TokMemInput = Union[str, BaseMessage, PromptValue, Sequence[Any]]
"""What :class:`TokMemRunnable` accepts: a query, a message, a prompt value or a list of messages."""

AnswerMode = Literal["summary", "generate"]

# -- opening banks (once per process and bank version) --------------------------------------------

_OPEN_LOCK = threading.Lock()
_OPENED: dict[tuple[str, str | None], tuple[int | None, TokMem]] = {}
_LOCKS_LOCK = threading.Lock()
_DECODE_LOCKS: "weakref.WeakKeyDictionary[TokMem, threading.Lock]" = weakref.WeakKeyDictionary()


def _bank_stamp(path: Path) -> int | None:
    try:
        return (path / BANK_FILE).stat().st_mtime_ns
    except OSError:
        return None


def open_tokmem(bank: str | Path | None = None, model: str | None = None) -> TokMem:
    """Open the bank at ``bank`` (default: the default bank) on ``model``; reused while unchanged on disk.

    Re-opened when ``bank.json`` changed since (a tool learned by the CLI, say); the backbone itself
    is loaded once per process by :func:`tokmem_agents.backbone.load_backbone`.
    """
    target = Path(bank).expanduser() if bank is not None else default_bank_dir()
    key = (str(target.resolve()), model)
    stamp = _bank_stamp(target)
    with _OPEN_LOCK:
        cached = _OPENED.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        tm = TokMem.open(bank, model)
        _OPENED[key] = (stamp, tm)
        return tm


def _decode_lock(tm: TokMem) -> threading.Lock:
    with _LOCKS_LOCK:
        return _DECODE_LOCKS.setdefault(tm, threading.Lock())


def _prompt_ids(tm: TokMem, rendered: Sequence[str] | None) -> list[list[int]] | None:
    if rendered is None:
        return None
    tok = tm.backbone.tokenizer
    return [tok(text, add_special_tokens=False)["input_ids"] for text in rendered]


def _stream_decode(tm: TokMem, queries: list[str], config: DecodeConfig, *, rendered: bool = False) -> Iterator[CallEvent | DecodeResult]:
    """One batched decode, yielding each call as its JSON closes, then the results (``Decoder.stream``).

    With ``rendered`` the queries are full chat-template prompts. Calls on one bank are serialised
    (the decoder is not re-entrant): the lock is held until the stream is exhausted or closed.
    """
    lock = _decode_lock(tm)
    with lock:
        prompts = _prompt_ids(tm, queries if rendered else None)
        yield from tm.decoder.stream(queries, config, prompts=prompts)


def _decode(tm: TokMem, queries: list[str], config: DecodeConfig, *, rendered: bool = False) -> list[DecodeResult]:
    """One batched decode of ``queries`` (see :func:`_stream_decode`)."""
    return [r for r in _stream_decode(tm, queries, config, rendered=rendered) if isinstance(r, DecodeResult)]


# -- messages and tools ---------------------------------------------------------------------------


def _to_messages(value: Any) -> list[BaseMessage]:
    """Messages of a string, a message, a prompt value or a list of message-likes."""
    if isinstance(value, str):
        return [HumanMessage(value)]
    if isinstance(value, BaseMessage):
        return [value]
    if isinstance(value, PromptValue):
        return value.to_messages()
    if isinstance(value, Sequence):
        return convert_to_messages(value)
    raise UserInputError(
        f"expected a string, a message or a list of messages, got {type(value).__name__}"
    )


def _query_of(messages: Sequence[BaseMessage]) -> str:
    """The text of the last human message: the query the memory tokens answer."""
    for m in reversed(messages):
        if m.type == "human":
            return m.text
    raise UserInputError("no human message to answer: pass a string or messages with a HumanMessage")


def tool_name(tool: Any) -> str:
    """The name of a LangChain tool, python function, pydantic model, OpenAI dict or :class:`ToolSpec`."""
    if isinstance(tool, ToolSpec):
        return tool.name
    return str(convert_to_openai_tool(tool)["function"]["name"])


def _check_learned(tm: TokMem, names: Iterable[str]) -> None:
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


def _warn_schema_drift(tm: TokMem, tool: Any, name: str) -> None:
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


def _allowed_tools(tm: TokMem, tools: Sequence[Any] | None, tool_choice: Any) -> frozenset[str] | None:
    """Which memory tokens may fire for bound ``tools`` and ``tool_choice`` (None: every learned tool).

    ``"auto"``, ``"any"``, ``"required"`` and ``True`` leave the set as bound (the last three also
    require a call, see :func:`_requires_call`). ``"none"``/``False`` allow no token (text only); a tool
    name allows that tool only (and requires its call).
    """
    allowed: frozenset[str] | None = None
    if tools is not None:
        names = [tool_name(t) for t in tools]
        _check_learned(tm, names)
        allowed = frozenset(names)
    if tool_choice in (None, "auto", "any", "required", True):
        return allowed
    if tool_choice in ("none", False):
        return frozenset()
    name = _choice_name(tool_choice)
    if name is None:
        raise UserInputError(f"tool_choice: expected 'auto', 'any', 'none' or a tool name, got {tool_choice!r}")
    _check_learned(tm, [name])
    if allowed is not None and name not in allowed:
        raise UserInputError(f"tool_choice names {name!r}, which is not among the bound tools {sorted(allowed)}")
    return frozenset({name})


def _requires_call(tool_choice: Any) -> bool:
    """``"any"``, ``"required"``, ``True`` or a tool name: the answer must start with a call."""
    if tool_choice in (None, "auto", "none", False):
        return False
    return tool_choice in ("any", "required", True) or _choice_name(tool_choice) is not None


def _decode_config(
    allowed: frozenset[str] | None,
    *,
    constrained: bool,
    max_calls: int,
    max_tokens: int | None = None,
    timeout: float | None = None,
    require_call: bool = False,
) -> DecodeConfig:
    text_only = allowed is not None and not allowed
    kw: dict[str, Any] = {
        "constrained": constrained and not text_only,  # an empty grammar cannot be built; nothing can fire
        "max_calls": max_calls,
        "allowed_tools": allowed,
        "require_call": require_call and not text_only,
    }
    if max_tokens is not None:
        kw["max_text_tokens"] = max_tokens
    if timeout is not None:
        kw["time_budget"] = timeout
    return DecodeConfig(**kw)


def _new_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


TRUNCATED_ERROR = (
    "arguments stopped by the decoder before the model closed them (token budget, repetition or time"
    " budget; see response_metadata['stop_reason']): closed to valid JSON but not executed"
)


@dataclass(frozen=True)
class _Entry:
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


def _entry(event: CallEvent) -> _Entry:
    """Shape one decoded call (see :class:`_Entry`)."""
    if event.call is None or event.truncated:
        raw = event.invalid.raw if event.invalid is not None else json.dumps(event.call.arguments if event.call else {})
        error = TRUNCATED_ERROR if event.truncated else "; ".join(event.invalid.errors if event.invalid else ())
        # a JSON string: LangChain's partial-JSON parsing of streamed chunks can never make it a call
        args = json.dumps(raw, ensure_ascii=False)
        return _Entry(invalid=invalid_tool_call(name=event.name, args=args, id=_new_id(), error=error), truncated=event.truncated)
    call = tool_call(name=event.call.name, args=dict(event.call.arguments), id=_new_id())
    return _Entry(call=call, schema_errors=tuple(event.invalid.errors) if event.invalid is not None else ())


def _runnable_calls(events: Iterable[CallEvent], query: str = "") -> list[ToolCall]:
    """The executable calls among ``events`` as LangChain ``ToolCall`` dicts (fresh unique ids)."""
    out = []
    for e in events:
        if e.truncated:
            log.warning("call %d of %s for %r was truncated by the decoder and is left out", e.position, e.name, query[:60])
        elif e.call is not None:
            out.append(tool_call(name=e.call.name, args=dict(e.call.arguments), id=_new_id()))
    return out


# -- the bank behind both LangChain classes ------------------------------------------------------


class _OnBank(BaseModel):
    """The fields and the lazily opened bank that :class:`TokMemRunnable` and :class:`ChatTokMem` share."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    bank: str | None = None
    """Bank directory (None: the default bank, ``$TOKMEM_HOME/banks/default`` or the shipped one)."""
    model: str | None = None
    """Backbone (None: the one the bank was trained on)."""
    tokmem: TokMem | None = Field(default=None, exclude=True)
    """An already opened bank (takes precedence over ``bank`` and ``model``)."""
    constrained: bool = True
    """Decode arguments under each tool's JSON Schema (every call valid by construction)."""
    max_calls: int = Field(default=8, ge=1)

    _tm: TokMem | None = PrivateAttr(default=None)

    def get_tokmem(self) -> TokMem:
        """The bank this decodes with (opened on first use, then cached)."""
        if self.tokmem is not None:
            return self.tokmem
        if self._tm is None:
            self._tm = open_tokmem(self.bank, self.model)
        return self._tm


# -- the Runnable ---------------------------------------------------------------------------------


class TokMemRunnable(_OnBank, RunnableSerializable[TokMemInput, list[ToolCall]]):
    """Query (or messages) in, the tool calls the bank's memory tokens decode out.

    ``batch`` decodes all inputs in one batched call; ``stream`` yields one ``[ToolCall]`` chunk per
    call as soon as its JSON closes (chunks add up to the full list). ``constrained``, ``max_calls``
    and ``require_call`` are plain fields, so
    ``configurable_fields(constrained=ConfigurableField(id="constrained"))`` works as usual. Calls the
    decoder truncated are left out (logged), never returned as normal calls.
    """

    allowed_tools: list[str] | None = None
    """Restrict which memory tokens may fire (None: every learned tool)."""
    require_call: bool = False
    """The answer must start with a call (never plain text)."""

    @property
    def InputType(self) -> Any:  # noqa: N802 - LangChain's name
        return TokMemInput

    @property
    def OutputType(self) -> Any:  # noqa: N802 - LangChain's name
        return list[ToolCall]

    def _config(self, tm: TokMem) -> DecodeConfig:
        allowed = None
        if self.allowed_tools is not None:
            _check_learned(tm, self.allowed_tools)
            allowed = frozenset(self.allowed_tools)
        return _decode_config(allowed, constrained=self.constrained, max_calls=self.max_calls, require_call=self.require_call)

    def _run(self, inputs: list[Any]) -> list[list[ToolCall] | Exception]:
        """Decode every input in one batched call (bad inputs become their own exception)."""
        queries: list[str | Exception] = []
        for x in inputs:
            try:
                queries.append(x if isinstance(x, str) else _query_of(_to_messages(x)))
            except UserInputError as e:
                queries.append(e)
        good = [q for q in queries if isinstance(q, str)]
        tm = self.get_tokmem()
        results = iter(_decode(tm, good, self._config(tm)) if good else [])
        out: list[list[ToolCall] | Exception] = []
        for q in queries:
            if isinstance(q, Exception):
                out.append(q)
            else:
                res = next(results)
                out.append(_runnable_calls(res.events(), res.query))
        return out

    def _query(self, input: Any) -> str:  # noqa: A002 - LangChain's name
        return input if isinstance(input, str) else _query_of(_to_messages(input))

    def _invoke(self, input: Any) -> list[ToolCall]:  # noqa: A002 - LangChain's name
        out = self._run([input])[0]
        if isinstance(out, Exception):
            raise out
        return out

    def invoke(self, input: TokMemInput, config: RunnableConfig | None = None, **kwargs: Any) -> list[ToolCall]:  # noqa: A002
        """Decode one query into LangChain ``ToolCall`` dicts (empty when no memory token fires)."""
        return self._call_with_config(self._invoke, input, config)

    def batch(
        self,
        inputs: list[TokMemInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Decode all inputs with one batched decode (``TokMem.call_batch``), not a loop of invokes."""
        return self._batch_with_config(self._run, inputs, config, return_exceptions=return_exceptions)

    async def abatch(
        self,
        inputs: list[TokMemInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """:meth:`batch` in an executor thread."""
        first = config[0] if isinstance(config, list) and config else config
        return await run_in_executor(
            first, partial(self.batch, inputs, config, return_exceptions=return_exceptions, **kwargs)
        )

    @staticmethod
    def _joined(chunks: Iterable[Any]) -> Any:
        final: Any = None
        for chunk in chunks:
            try:
                final = chunk if final is None else final + chunk
            except TypeError:
                final = chunk
        return final

    def _calls_as_they_close(self, input: Any) -> Iterator[list[ToolCall]]:  # noqa: A002
        """``[call]`` per executable call the moment its JSON closes; one ``[]`` when none fires."""
        query = self._query(input)
        tm = self.get_tokmem()
        stream = _stream_decode(tm, [query], self._config(tm))
        any_call = False
        try:
            for item in stream:
                if isinstance(item, CallEvent):
                    for c in _runnable_calls([item], query):
                        any_call = True
                        yield [c]
        finally:
            stream.close()  # releases the bank's decode lock even when the consumer stops early
        if not any_call:
            yield []

    def _transform(self, inputs: Iterator[Any]) -> Iterator[list[ToolCall]]:
        yield from self._calls_as_they_close(self._joined(inputs))

    async def _atransform(self, inputs: AsyncIterator[Any]) -> AsyncIterator[list[ToolCall]]:
        final = self._joined([chunk async for chunk in inputs])
        calls = self._calls_as_they_close(final)
        done = object()
        try:
            while True:  # every step in an executor thread: the event loop never blocks on the model
                chunk = await run_in_executor(None, next, calls, done)
                if chunk is done:
                    break
                yield chunk
        finally:
            await run_in_executor(None, calls.close)

    def transform(self, input: Iterator[TokMemInput], config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[list[ToolCall]]:  # noqa: A002
        yield from self._transform_stream_with_config(input, self._transform, config)

    def stream(self, input: TokMemInput, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[list[ToolCall]]:  # noqa: A002
        """Yield ``[call]`` per decoded call, in order, as soon as its arguments close (one ``[]`` when
        none fires)."""
        yield from self.transform(iter([input]), config, **kwargs)

    async def atransform(self, input: AsyncIterator[TokMemInput], config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[list[ToolCall]]:  # noqa: A002
        async for chunk in self._atransform_stream_with_config(input, self._atransform, config):
            yield chunk

    async def astream(self, input: TokMemInput, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[list[ToolCall]]:  # noqa: A002
        """:meth:`stream` for asyncio: each decoding step runs in an executor thread."""

        async def one() -> AsyncIterator[TokMemInput]:
            yield input

        async for chunk in self.atransform(one(), config, **kwargs):
            yield chunk


# -- the chat model -------------------------------------------------------------------------------

_Key = tuple[str, DecodeConfig, bool]
"""What one decode is: (query or rendered prompt, config, whether the query is a rendered prompt)."""

_PREFETCHED: ContextVar[dict[_Key, DecodeResult] | None] = ContextVar("tokmem_prefetched", default=None)
"""Results decoded ahead by a batched call, read by the per-item ``_generate`` calls that follow."""


@dataclass(frozen=True)
class _Plan:
    """What one chat turn needs: a decode of ``query`` under ``config``, or an answer from tool results."""

    query: str | None
    config: DecodeConfig | None
    summary: str | None = None
    """The deterministic answer from tool results (set for final answers)."""
    stop: tuple[str, ...] = ()
    rendered: bool = False
    """``query`` is a whole chat-template prompt (a conversation), not a user query."""

    @property
    def key(self) -> _Key:
        assert self.query is not None and self.config is not None
        return (self.query, self.config, self.rendered)


def _readable(text: str) -> str:
    """A tool result for people: ``k: v, ...`` for a flat JSON object, compact JSON or text otherwise."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return " ".join(text.split())[:500]
    if isinstance(value, dict) and value and all(not isinstance(v, (dict, list)) for v in value.values()):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))[:500]


def _tool_results(messages: Sequence[BaseMessage]) -> tuple[str, list[str]] | None:
    """When the conversation ends with tool results: (question, one summary line per result)."""
    if not messages or messages[-1].type != "tool":
        return None
    start = len(messages)
    while start > 0 and messages[start - 1].type == "tool":
        start -= 1
    calls: dict[str, Any] = {}
    question = ""
    for m in reversed(messages[:start]):
        if m.type == "ai" and not calls:
            calls = {c["id"]: c for c in getattr(m, "tool_calls", []) if c.get("id")}
        if m.type == "human":
            question = m.text
            break
    lines = []
    for m in messages[start:]:
        call = calls.get(getattr(m, "tool_call_id", ""), {})
        name = getattr(m, "name", None) or call.get("name") or "tool"
        body = _readable(m.text)
        lines.append(f"{name} failed: {body}" if getattr(m, "status", "success") == "error" else f"{name}: {body}")
    return question, lines


ANSWER_INSTRUCTION = "Answer my question in one short sentence, using only these results."


def _template_knows_tools(tokenizer: Any) -> bool:
    """Whether the chat template renders ``tool`` turns itself (else results go in a user turn)."""
    template = getattr(tokenizer, "chat_template", None)
    return isinstance(template, str) and any(s in template for s in ("'tool'", '"tool"', "tool_calls"))


def _render_conversation(tokenizer: Any, messages: Sequence[BaseMessage]) -> str:
    """The conversation ending with tool results, as the backbone's chat template renders it, ready
    for the assistant's final answer (no tool descriptions anywhere).

    Calls are an assistant turn (``name({...})`` lines); results are ``tool`` turns when the template
    handles that role, else one user turn holding the results (``name: result`` lines) and
    :data:`ANSWER_INSTRUCTION`. Without a chat template, ``Role: text`` lines.
    """
    tools = _template_knows_tools(tokenizer)
    turns: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    pending: list[str] = []

    def flush() -> None:
        if pending:
            turns.append({"role": "user", "content": "Results:\n" + "\n".join(pending) + "\n\n" + ANSWER_INSTRUCTION})
            pending.clear()

    for m in messages:
        if m.type == "tool":
            name = getattr(m, "name", None) or names.get(getattr(m, "tool_call_id", ""), "tool")
            body = _readable(m.text)
            line = f"{name} failed: {body}" if getattr(m, "status", "success") == "error" else f"{name}: {body}"
            if tools:
                turns.append({"role": "tool", "content": m.text, "name": name, "tool_call_id": getattr(m, "tool_call_id", "")})
            else:
                pending.append(line)
            continue
        flush()
        if m.type == "system":
            turns.append({"role": "system", "content": m.text})
        elif m.type == "human":
            turns.append({"role": "user", "content": m.text})
        elif m.type == "ai":
            calls = list(getattr(m, "tool_calls", []) or [])
            names.update({c["id"]: c["name"] for c in calls if c.get("id")})
            lines = [f"{c['name']}({json.dumps(c['args'], ensure_ascii=False)})" for c in calls]
            content = "\n".join(([m.text] if m.text else []) + lines)
            turn: dict[str, Any] = {"role": "assistant", "content": content}
            if tools and calls:
                turn["tool_calls"] = [
                    {"id": c.get("id"), "type": "function", "function": {"name": c["name"], "arguments": c["args"]}} for c in calls
                ]
            turns.append(turn)
    flush()
    if getattr(tokenizer, "chat_template", None):
        try:
            return str(tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True))
        except Exception as e:  # noqa: BLE001 - a template that refuses these turns: plain rendering below
            log.debug("chat template refused the conversation (%s); rendering it as plain text", e)
    role = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool"}
    return "".join(f"{role[t['role']]}: {t['content']}\n" for t in turns) + "Assistant: "


def _cut(text: str, stop: Sequence[str]) -> str:
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return text if cut < 0 else text[:cut]


class ChatTokMem(_OnBank, BaseChatModel):
    """A chat model whose tools are the memory tokens of a learned bank.

    Returns an ``AIMessage`` with ``tool_calls`` when memory tokens fire and plain ``content``
    otherwise; after ``ToolMessage``s it answers in text (see the module doc). ``bind_tools``
    accepts LangChain tools, functions, pydantic models and OpenAI dicts, maps them by name to
    learned tokens and restricts decoding to them. ``batch`` decodes all inputs in one batched call.
    Decoding is greedy: ``temperature`` and ``max_retries`` are accepted for LangChain's standard
    parameters and have no effect.
    """

    answer_mode: AnswerMode = "summary"
    """How to answer after tool results: a deterministic ``summary`` or ``generate`` with the backbone."""
    max_tokens: int | None = Field(default=None, ge=1)
    """Length cap of text answers (None: the library default)."""
    timeout: float | None = None
    """Wall-clock budget in seconds of one decode (a whole batch)."""
    stop: list[str] | None = None
    """Text answers are cut at the first of these strings."""
    temperature: float | None = None
    max_retries: int | None = None
    streaming: bool = False

    # -- identity ---------------------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "tokmem"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "bank": self.bank,
            "model": self.model,
            "constrained": self.constrained,
            "max_calls": self.max_calls,
            "answer_mode": self.answer_mode,
        }

    def _model_name(self) -> str:
        if self.tokmem is not None:
            return self.tokmem.backbone.model_id
        if self._tm is not None:
            return self._tm.backbone.model_id
        return self.model or "tokmem-default-bank"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "tokmem"
        model = kwargs.get("model")
        params["ls_model_name"] = model if isinstance(model, str) else self._model_name()
        return params

    # -- tools ------------------------------------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind learned tools: only their memory tokens may fire.

        Raises :class:`UnknownToolError` naming every tool the bank has not learned. ``tool_choice``:
        ``"auto"`` (default) lets the model answer with calls or text; ``"any"``/``"required"``/``True``
        require a call (the first generated token must be a bound tool's memory token); a tool name
        allows that tool only and requires its call; ``"none"`` allows no call. After tool results the
        final answer is text whatever ``tool_choice`` says.
        """
        tm = self.get_tokmem()
        formatted = [t.to_openai() if isinstance(t, ToolSpec) else convert_to_openai_tool(t) for t in tools]
        names = [f["function"]["name"] for f in formatted]
        _check_learned(tm, names)
        _allowed_tools(tm, formatted, tool_choice)  # validates tool_choice now, not at the first call
        for tool, name in zip(tools, names):
            _warn_schema_drift(tm, tool, name)
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    # -- planning a turn --------------------------------------------------------------------------
    def _plan(self, tm: TokMem, messages: Sequence[BaseMessage], stop: Sequence[str] | None, kwargs: Mapping[str, Any]) -> _Plan:
        stops = tuple(stop or ()) + tuple(self.stop or ())
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        finished = _tool_results(messages)
        if finished is not None:
            _, lines = finished
            summary = "\n".join(lines)
            if self.answer_mode == "summary":
                return _Plan(None, None, summary, stops)
            prompt = _render_conversation(tm.backbone.tokenizer, messages)
            # no memory token may fire in the final answer: text only
            cfg = _decode_config(frozenset(), constrained=False, max_calls=1, max_tokens=max_tokens or 64, timeout=self.timeout)
            return _Plan(prompt, cfg, summary, stops, rendered=True)
        tool_choice = kwargs.get("tool_choice")
        allowed = _allowed_tools(tm, kwargs.get("tools"), tool_choice)
        cfg = _decode_config(
            allowed,
            constrained=bool(kwargs.get("constrained", self.constrained)),
            max_calls=int(kwargs.get("max_calls", self.max_calls)),
            max_tokens=max_tokens,
            timeout=self.timeout,
            require_call=_requires_call(tool_choice),
        )
        return _Plan(_query_of(messages), cfg, None, stops)

    def _prefetched(self, plan: _Plan) -> DecodeResult | None:
        ahead = _PREFETCHED.get()
        return ahead.get(plan.key) if ahead is not None else None

    def _events(self, tm: TokMem, plan: _Plan) -> Iterator[CallEvent | DecodeResult]:
        """The plan's decode as a stream: calls as they close, then the result (prefetched or live)."""
        ahead = self._prefetched(plan)
        if ahead is not None:
            yield from ahead.events()
            yield ahead
            return
        assert plan.query is not None and plan.config is not None
        yield from _stream_decode(tm, [plan.query], plan.config, rendered=plan.rendered)

    def _turn(self, tm: TokMem, plan: _Plan) -> Iterator[_Entry | AIMessageChunk | AIMessage]:
        """Run the plan: each call as an :class:`_Entry` as soon as it closes, then one ``AIMessage``
        holding the text, usage and metadata (no calls: :meth:`_message` adds the entries)."""
        meta: dict[str, Any] = {"model_name": tm.backbone.model_id}
        if plan.query is None:  # a deterministic answer from tool results
            meta.update(finish_reason="stop", answer_mode="summary")
            usage = UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)
            yield AIMessage(content=_cut(plan.summary or "", plan.stop), response_metadata=meta, usage_metadata=usage)
            return
        res: DecodeResult | None = None
        entries: list[_Entry] = []
        for item in self._events(tm, plan):
            if isinstance(item, DecodeResult):
                res = item
            elif plan.summary is None:  # a final answer never carries calls (memory tokens are off)
                entries.append(_entry(item))
                yield entries[-1]
        assert res is not None
        usage = UsageMetadata(
            input_tokens=res.prompt_tokens,
            output_tokens=res.generated_tokens,
            total_tokens=res.prompt_tokens + res.generated_tokens,
        )
        meta["stop_reason"] = res.stop_reason
        if plan.summary is not None:  # a generated final answer
            text = _cut(res.text, plan.stop).strip()
            meta.update(finish_reason="stop", answer_mode="generate")
            yield AIMessage(content=text or plan.summary, response_metadata=meta, usage_metadata=usage)
            return
        bad_args = [{"id": e.call["id"], "name": e.call["name"], "errors": list(e.schema_errors)} for e in entries if e.call and e.schema_errors]
        if bad_args:  # parsed but not valid for the schema: kept as calls (procedures refuse them)
            meta["invalid_arguments"] = bad_args
        cut = [e.invalid["id"] for e in entries if e.invalid is not None and e.truncated]
        if cut:
            meta["truncated_calls"] = cut
        calls = any(e.call is not None for e in entries)
        meta["finish_reason"] = "tool_calls" if calls else "stop"
        yield AIMessage(content="" if entries else _cut(res.text, plan.stop), response_metadata=meta, usage_metadata=usage)

    @staticmethod
    def _message(entries: Sequence[_Entry], last: AIMessage) -> AIMessage:
        return AIMessage(
            content=last.content,
            tool_calls=[e.call for e in entries if e.call is not None],
            invalid_tool_calls=[e.invalid for e in entries if e.invalid is not None],  # type: ignore[misc]
            response_metadata=last.response_metadata,
            usage_metadata=last.usage_metadata,
        )

    def _reply(self, tm: TokMem, plan: _Plan) -> AIMessage:
        """Run the plan and build the ``AIMessage`` (calls, invalid calls or text)."""
        entries: list[_Entry] = []
        for item in self._turn(tm, plan):
            if isinstance(item, _Entry):
                entries.append(item)
            else:
                return self._message(entries, item)  # type: ignore[arg-type]
        raise AssertionError("a turn always ends with a message")

    # -- BaseChatModel hooks ----------------------------------------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tm = self.get_tokmem()
        message = self._reply(tm, self._plan(tm, messages, stop, kwargs))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """One chunk per tool call the moment its JSON closes (or the text), then a last chunk with
        usage and metadata; the chunks add up to what ``invoke`` returns."""
        tm = self.get_tokmem()
        turn = self._turn(tm, self._plan(tm, messages, stop, kwargs))
        index = 0
        try:
            for item in turn:
                if isinstance(item, _Entry):
                    part = item.chunk(index)
                    index += 1
                    yield self._chunk(part, run_manager)
                    continue
                assert isinstance(item, AIMessage)
                if item.content:
                    yield self._chunk(AIMessageChunk(content=item.content), run_manager)
                last = AIMessageChunk(content="", usage_metadata=item.usage_metadata, response_metadata=item.response_metadata, chunk_position="last")
                yield self._chunk(last, run_manager)
        finally:
            turn.close()

    @staticmethod
    def _chunk(part: AIMessageChunk, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
        chunk = ChatGenerationChunk(message=part)
        if run_manager is not None:
            run_manager.on_llm_new_token(part.text, chunk=chunk)
        return chunk

    # -- batched decoding -------------------------------------------------------------------------
    @contextmanager
    def _prefetch(self, message_lists: Sequence[Sequence[BaseMessage]], stop: Sequence[str] | None, kwargs: Mapping[str, Any]) -> Iterator[None]:
        """Decode every turn of a batch in one batched call; the per-item ``_generate`` calls reuse it.

        Any failure here only skips the prefetch: each item then raises its own error (so
        ``return_exceptions`` keeps its meaning).
        """
        cache: dict[_Key, DecodeResult] = dict(_PREFETCHED.get() or {})
        try:
            tm = self.get_tokmem()
            groups: dict[tuple[DecodeConfig, bool], list[str]] = {}
            for messages in message_lists:
                try:
                    plan = self._plan(tm, messages, stop, kwargs)
                except Exception:  # noqa: BLE001 - this item's own call reports it
                    continue
                if plan.query is not None and plan.config is not None and plan.key not in cache:
                    queries = groups.setdefault((plan.config, plan.rendered), [])
                    if plan.query not in queries:
                        queries.append(plan.query)
            for (cfg, rendered), queries in groups.items():
                for q, res in zip(queries, _decode(tm, queries, cfg, rendered=rendered)):
                    cache[(q, cfg, rendered)] = res
        except Exception as e:  # noqa: BLE001 - reported per item by the calls that follow
            log.debug("batched decode skipped: %s", e)
        token = _PREFETCHED.set(cache)
        try:
            yield
        finally:
            _PREFETCHED.reset(token)

    def _batch_messages(self, inputs: Sequence[LanguageModelInput]) -> list[list[BaseMessage]]:
        out = []
        for x in inputs:
            try:
                out.append(_to_messages(x))
            except Exception:  # noqa: BLE001 - the item's own call reports it
                continue
        return out

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Decode every input in one batched call, then build each message with the usual callbacks."""
        if len(inputs) < 2:
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        with self._prefetch(self._batch_messages(inputs), kwargs.get("stop"), kwargs):
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """:meth:`batch` semantics for asyncio: one batched decode in an executor thread."""
        if len(inputs) < 2:
            return await super().abatch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        message_lists = self._batch_messages(inputs)

        def prefetch() -> dict[_Key, DecodeResult] | None:
            with self._prefetch(message_lists, kwargs.get("stop"), kwargs):
                return _PREFETCHED.get()

        cache = await run_in_executor(None, prefetch)
        token = _PREFETCHED.set(cache)
        try:
            return await super().abatch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        finally:
            _PREFETCHED.reset(token)

    def generate(
        self,
        messages: list[list[BaseMessage]],
        stop: list[str] | None = None,
        callbacks: Any = None,
        **kwargs: Any,
    ) -> LLMResult:
        """LangChain's batched entry point: one batched decode for all message lists."""
        if len(messages) < 2:
            return super().generate(messages, stop, callbacks, **kwargs)
        with self._prefetch(messages, stop, kwargs):
            return super().generate(messages, stop, callbacks, **kwargs)


# -- procedures as LangChain tools ----------------------------------------------------------------


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
    tm: TokMem | ChatTokMem | TokMemRunnable,
    registry: ProcedureRegistry | None = None,
    *,
    names: Iterable[str] | None = None,
) -> list[StructuredTool]:
    """The bank's learned tools that have a procedure, as ``StructuredTool``s (a bank + procedures = an agent).

    ``registry`` defaults to :func:`~tokmem_agents.registry.default_registry` (built-ins and plugins).
    With ``names``, exactly those tools (each must be learned and have a procedure).
    """
    if isinstance(tm, (ChatTokMem, TokMemRunnable)):
        tm = tm.get_tokmem()
    registry = registry if registry is not None else default_registry()
    specs = tm.bank.specs
    if names is not None:
        wanted = list(names)
        _check_learned(tm, wanted)
        missing = [n for n in wanted if n not in registry]
        if missing:
            raise UnknownToolError(f"no procedure registered for tool(s) {missing}")
    else:
        wanted = [n for n in tm.bank.names if n in registry]
        skipped = [n for n in tm.bank.names if n not in registry]
        if skipped:
            log.info("learned tools without a procedure are not exposed as tools: %s", ", ".join(skipped))
    return [procedure_tool(specs[n], registry) for n in wanted]


__all__ = [
    "ChatTokMem",
    "TokMemRunnable",
    "procedures_as_tools",
    "procedure_tool",
    "open_tokmem",
    "tool_name",
]
