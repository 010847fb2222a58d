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
the answer from a prompt holding the question and the results (still no tool descriptions), and
falls back to the summary when it generates nothing.
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
from pydantic import ConfigDict, Field, PrivateAttr

from ..config import DecodeConfig
from ..data import ToolCall as TokMemCall
from ..decoding import DecodeResult
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


def _decode(tm: TokMem, queries: list[str], config: DecodeConfig) -> list[DecodeResult]:
    """One batched decode; calls on one bank are serialised (the decoder is not re-entrant)."""
    with _LOCKS_LOCK:
        lock = _DECODE_LOCKS.setdefault(tm, threading.Lock())
    with lock:
        return tm.call_batch(queries, config)


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

    ``"auto"``, ``"any"``, ``"required"`` and ``True`` leave the set as bound: the decoder cannot force
    a call, it only restricts which tokens may fire. ``"none"``/``False`` allow no token (text only);
    a tool name allows that tool only.
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


def _decode_config(
    allowed: frozenset[str] | None,
    *,
    constrained: bool,
    max_calls: int,
    max_tokens: int | None = None,
    timeout: float | None = None,
) -> DecodeConfig:
    text_only = allowed is not None and not allowed
    kw: dict[str, Any] = {
        "constrained": constrained and not text_only,  # an empty grammar cannot be built; nothing can fire
        "max_calls": max_calls,
        "allowed_tools": allowed,
    }
    if max_tokens is not None:
        kw["max_text_tokens"] = max_tokens
    if timeout is not None:
        kw["time_budget"] = timeout
    return DecodeConfig(**kw)


def _new_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def _lc_calls(result: DecodeResult) -> list[ToolCall]:
    """The calls of a decode result as LangChain ``ToolCall`` dicts, each with a fresh unique id."""
    return [tool_call(name=c.name, args=dict(c.arguments), id=_new_id()) for c in result.calls]


# -- the Runnable ---------------------------------------------------------------------------------


class TokMemRunnable(RunnableSerializable[TokMemInput, list[ToolCall]]):
    """Query (or messages) in, the tool calls the bank's memory tokens decode out.

    ``batch`` decodes all inputs in one batched call; ``stream`` yields one ``[ToolCall]`` chunk per
    call (chunks add up to the full list). ``constrained`` and ``max_calls`` are plain fields, so
    ``configurable_fields(constrained=ConfigurableField(id="constrained"))`` works as usual.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    bank: str | None = None
    """Bank directory (None: the default bank, ``$TOKMEM_HOME/banks/default`` or the shipped one)."""
    model: str | None = None
    """Backbone (None: the one the bank was trained on)."""
    tokmem: TokMem | None = Field(default=None, exclude=True)
    """An already opened bank (takes precedence over ``bank`` and ``model``)."""
    constrained: bool = True
    """Decode arguments under each tool's JSON Schema."""
    max_calls: int = Field(default=8, ge=1)
    allowed_tools: list[str] | None = None
    """Restrict which memory tokens may fire (None: every learned tool)."""

    _tm: TokMem | None = PrivateAttr(default=None)

    def get_tokmem(self) -> TokMem:
        """The bank this runnable decodes with (opened on first use)."""
        if self.tokmem is not None:
            return self.tokmem
        if self._tm is None:
            self._tm = open_tokmem(self.bank, self.model)
        return self._tm

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
        return _decode_config(allowed, constrained=self.constrained, max_calls=self.max_calls)

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
            out.append(q if isinstance(q, Exception) else _lc_calls(next(results)))
        return out

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

    def _transform(self, inputs: Iterator[Any]) -> Iterator[list[ToolCall]]:
        final: Any = None
        for chunk in inputs:
            try:
                final = chunk if final is None else final + chunk
            except TypeError:
                final = chunk
        calls = self._invoke(final)
        if not calls:
            yield []
        for c in calls:
            yield [c]

    def transform(self, input: Iterator[TokMemInput], config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[list[ToolCall]]:  # noqa: A002
        yield from self._transform_stream_with_config(input, self._transform, config)

    def stream(self, input: TokMemInput, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[list[ToolCall]]:  # noqa: A002
        """Yield ``[call]`` per decoded call in order (one ``[]`` when none fires).

        Calls are yielded once decoding of the query has finished: the decoder has no per-call hook.
        """
        yield from self.transform(iter([input]), config, **kwargs)

    async def astream(self, input: TokMemInput, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[list[ToolCall]]:  # noqa: A002
        """:meth:`stream` in an executor thread."""
        chunks = await run_in_executor(config, lambda: list(self.stream(input, config, **kwargs)))
        for c in chunks:
            yield c


# -- the chat model -------------------------------------------------------------------------------

_PREFETCHED: ContextVar[dict[tuple[str, DecodeConfig], DecodeResult] | None] = ContextVar(
    "tokmem_prefetched", default=None
)
"""Results decoded ahead by a batched call, read by the per-item ``_generate`` calls that follow."""


@dataclass(frozen=True)
class _Plan:
    """What one chat turn needs: a decode of ``query`` under ``config``, or an answer from tool results."""

    query: str | None
    config: DecodeConfig | None
    summary: str | None = None
    """The deterministic answer from tool results (set for final answers)."""
    stop: tuple[str, ...] = ()


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


def _cut(text: str, stop: Sequence[str]) -> str:
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return text if cut < 0 else text[:cut]


class ChatTokMem(BaseChatModel):
    """A chat model whose tools are the memory tokens of a learned bank.

    Returns an ``AIMessage`` with ``tool_calls`` when memory tokens fire and plain ``content``
    otherwise; after ``ToolMessage``s it answers in text (see the module doc). ``bind_tools``
    accepts LangChain tools, functions, pydantic models and OpenAI dicts, maps them by name to
    learned tokens and restricts decoding to them. ``batch`` decodes all inputs in one batched call.
    Decoding is greedy: ``temperature`` and ``max_retries`` are accepted for LangChain's standard
    parameters and have no effect.
    """

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

    _tm: TokMem | None = PrivateAttr(default=None)

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

    def get_tokmem(self) -> TokMem:
        """The bank this model decodes with (opened on first use, then cached)."""
        if self.tokmem is not None:
            return self.tokmem
        if self._tm is None:
            self._tm = open_tokmem(self.bank, self.model)
        return self._tm

    # -- tools ------------------------------------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind learned tools: only their memory tokens may fire.

        Raises :class:`UnknownToolError` naming every tool the bank has not learned. ``tool_choice``
        ``"none"`` allows no call, a tool name allows that tool only; ``"any"``/``"required"`` cannot
        force a call (the decoder may still answer in text) and behave like ``"auto"``.
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
            question, lines = finished
            summary = "\n".join(lines)
            if self.answer_mode == "summary":
                return _Plan(None, None, summary, stops)
            prompt = (
                f"{question}\n\nResults:\n{summary}\n\n"
                "Answer the question above in one short sentence, using only these results."
            )
            cfg = _decode_config(frozenset(), constrained=False, max_calls=1, max_tokens=max_tokens or 64, timeout=self.timeout)
            return _Plan(prompt, cfg, summary, stops)
        allowed = _allowed_tools(tm, kwargs.get("tools"), kwargs.get("tool_choice"))
        cfg = _decode_config(
            allowed,
            constrained=bool(kwargs.get("constrained", self.constrained)),
            max_calls=int(kwargs.get("max_calls", self.max_calls)),
            max_tokens=max_tokens,
            timeout=self.timeout,
        )
        return _Plan(_query_of(messages), cfg, None, stops)

    def _decoded(self, tm: TokMem, plan: _Plan) -> DecodeResult:
        assert plan.query is not None and plan.config is not None
        ahead = _PREFETCHED.get()
        if ahead is not None and (plan.query, plan.config) in ahead:
            return ahead[(plan.query, plan.config)]
        return _decode(tm, [plan.query], plan.config)[0]

    def _reply(self, tm: TokMem, plan: _Plan) -> AIMessage:
        """Run the plan: decode (or reuse a prefetched decode) and build the ``AIMessage``."""
        meta: dict[str, Any] = {"model_name": tm.backbone.model_id}
        if plan.query is None:  # a deterministic answer from tool results
            meta.update(finish_reason="stop", answer_mode="summary")
            usage = UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)
            return AIMessage(content=_cut(plan.summary or "", plan.stop), response_metadata=meta, usage_metadata=usage)
        res = self._decoded(tm, plan)
        usage = UsageMetadata(
            input_tokens=res.prompt_tokens,
            output_tokens=res.generated_tokens,
            total_tokens=res.prompt_tokens + res.generated_tokens,
        )
        meta["stop_reason"] = res.stop_reason
        if plan.summary is not None:  # a generated final answer
            text = _cut(res.text, plan.stop).strip()
            meta.update(finish_reason="stop", answer_mode="generate")
            return AIMessage(content=text or plan.summary, response_metadata=meta, usage_metadata=usage)
        calls = _lc_calls(res)
        bad_args = [(i, inv) for inv in res.invalid if (i := inv.call_index) is not None]
        if bad_args:  # parsed but not valid for the schema: kept as calls (procedures refuse them)
            meta["invalid_arguments"] = [
                {"id": calls[i]["id"], "name": inv.name, "errors": list(inv.errors)} for i, inv in bad_args
            ]
        unparsed = [
            invalid_tool_call(name=inv.name, args=inv.raw, id=_new_id(), error="; ".join(inv.errors))
            for inv in res.invalid
            if inv.call_index is None
        ]
        meta["finish_reason"] = "tool_calls" if calls else "stop"
        return AIMessage(
            content="" if calls else _cut(res.text, plan.stop),
            tool_calls=calls,
            invalid_tool_calls=unparsed,
            response_metadata=meta,
            usage_metadata=usage,
        )

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
        """One chunk per tool call (or the text), then a last chunk with usage and metadata."""
        tm = self.get_tokmem()
        msg = self._reply(tm, self._plan(tm, messages, stop, kwargs))
        parts: list[AIMessageChunk] = []
        for i, c in enumerate(msg.tool_calls):
            parts.append(AIMessageChunk(content="", tool_call_chunks=[tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)]))
        for j, inv in enumerate(msg.invalid_tool_calls, start=len(msg.tool_calls)):
            parts.append(AIMessageChunk(content="", tool_call_chunks=[tool_call_chunk(name=inv["name"], args=inv["args"], id=inv["id"], index=j)]))
        if msg.content:
            parts.append(AIMessageChunk(content=msg.content))
        parts.append(
            AIMessageChunk(content="", usage_metadata=msg.usage_metadata, response_metadata=msg.response_metadata, chunk_position="last")
        )
        for part in parts:
            chunk = ChatGenerationChunk(message=part)
            if run_manager is not None:
                run_manager.on_llm_new_token(part.text, chunk=chunk)
            yield chunk

    # -- batched decoding -------------------------------------------------------------------------
    @contextmanager
    def _prefetch(self, message_lists: Sequence[Sequence[BaseMessage]], stop: Sequence[str] | None, kwargs: Mapping[str, Any]) -> Iterator[None]:
        """Decode every turn of a batch in one batched call; the per-item ``_generate`` calls reuse it.

        Any failure here only skips the prefetch: each item then raises its own error (so
        ``return_exceptions`` keeps its meaning).
        """
        cache: dict[tuple[str, DecodeConfig], DecodeResult] = dict(_PREFETCHED.get() or {})
        try:
            tm = self.get_tokmem()
            groups: dict[DecodeConfig, list[str]] = {}
            for messages in message_lists:
                try:
                    plan = self._plan(tm, messages, stop, kwargs)
                except Exception:  # noqa: BLE001 - this item's own call reports it
                    continue
                if plan.query is not None and plan.config is not None and (plan.query, plan.config) not in cache:
                    queries = groups.setdefault(plan.config, [])
                    if plan.query not in queries:
                        queries.append(plan.query)
            for cfg, queries in groups.items():
                for q, res in zip(queries, _decode(tm, queries, cfg)):
                    cache[(q, cfg)] = res
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

        def prefetch() -> dict[tuple[str, DecodeConfig], DecodeResult] | None:
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
