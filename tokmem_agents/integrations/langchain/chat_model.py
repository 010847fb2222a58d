"""``ChatTokMem``: a chat model whose tools are the memory tokens of a learned bank (the answer modes
after tool results and the handling of truncated calls are described in the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from ...bank.specs import ToolSpec
from ...config import DecodeConfig
from ...decode.results import DecodeResult
from ...tokmem import TokMem
from .base import OnBank, decode_items
from .messages import cut_at_stop, query_of, render_conversation, tool_results
from .shapes import Entry, entry
from .tools import allowed_tools, check_learned, decode_config, requires_call, warn_schema_drift

AnswerMode = Literal["summary", "generate"]


def _no_tokens() -> UsageMetadata:
    """Zero tokens: a deterministic answer's usage, and each streamed chunk's before the last."""
    return UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)


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


class ChatTokMem(OnBank, BaseChatModel):
    """A chat model whose tools are the memory tokens of a learned bank.

    Returns an ``AIMessage`` with ``tool_calls`` when memory tokens fire and plain ``content``
    otherwise; after ``ToolMessage``s it answers in text (see the module doc). ``bind_tools``
    accepts LangChain tools, functions, pydantic models and OpenAI dicts, maps them by name to
    learned tokens and restricts decoding to them. It implements the hooks langchain-core asks of a
    chat model (``_generate``, ``_stream``) and leaves ``batch``/``abatch`` to the base class, which
    invokes the inputs concurrently (up to its ``max_concurrency``); the bank decodes calls that arrive
    together in one batch (:meth:`TokMem.call_batch`).
    Decoding is greedy: ``temperature`` and ``max_retries`` are accepted for LangChain's standard
    parameters and have no effect. Every ``AIMessage`` and streamed chunk carries ``usage_metadata``
    (prompt and generated tokens; zero for an answer summarised without decoding) and the model name
    is in ``response_metadata["model_name"]``, as LangChain's usage callbacks expect.
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
        """The provider name LangChain records."""
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
        check_learned(tm, names)
        allowed_tools(tm, formatted, tool_choice)  # validates tool_choice now, not at the first call
        for tool, name in zip(tools, names):
            warn_schema_drift(tm, tool, name)
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    # -- planning a turn --------------------------------------------------------------------------
    def _plan(self, tm: TokMem, messages: Sequence[BaseMessage], stop: Sequence[str] | None, kwargs: Mapping[str, Any]) -> _Plan:
        stops = tuple(stop or ()) + tuple(self.stop or ())
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        finished = tool_results(messages)
        if finished is not None:
            _, lines = finished
            summary = "\n".join(lines)
            if self.answer_mode == "summary":
                return _Plan(None, None, summary, stops)
            prompt = render_conversation(tm.backbone.tokenizer, messages)
            # no memory token may fire in the final answer: text only
            cfg = decode_config(frozenset(), constrained=False, max_calls=1, max_tokens=max_tokens or 64, timeout=self.timeout)
            return _Plan(prompt, cfg, summary, stops, rendered=True)
        tool_choice = kwargs.get("tool_choice")
        allowed = allowed_tools(tm, kwargs.get("tools"), tool_choice)
        cfg = decode_config(
            allowed,
            constrained=bool(kwargs.get("constrained", self.constrained)),
            max_calls=int(kwargs.get("max_calls", self.max_calls)),
            max_tokens=max_tokens,
            timeout=self.timeout,
            require_call=requires_call(tool_choice),
        )
        return _Plan(query_of(messages), cfg, None, stops)

    def _turn(self, tm: TokMem, plan: _Plan, *, stream: bool) -> Iterator[Entry | AIMessage]:
        """Run the plan: each call as an :class:`Entry` as soon as it closes (``stream``) or once the
        batched decode is done, then one ``AIMessage`` holding the text, usage and metadata (no calls:
        :meth:`_message` adds the entries)."""
        meta: dict[str, Any] = {"model_name": tm.backbone.model_id}
        if plan.query is None:  # a deterministic answer from tool results
            meta.update(finish_reason="stop", answer_mode="summary")
            yield AIMessage(content=cut_at_stop(plan.summary or "", plan.stop), response_metadata=meta, usage_metadata=_no_tokens())
            return
        assert plan.query is not None and plan.config is not None
        res: DecodeResult | None = None
        entries: list[Entry] = []
        items = decode_items(tm, plan.query, plan.config, rendered=plan.rendered, stream=stream)
        try:
            for item in items:
                if isinstance(item, DecodeResult):
                    res = item
                elif plan.summary is None:  # a final answer never carries calls (memory tokens are off)
                    entries.append(entry(item))
                    yield entries[-1]
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # ends the decode even when the consumer stops early
        assert res is not None
        usage = UsageMetadata(
            input_tokens=res.prompt_tokens,
            output_tokens=res.generated_tokens,
            total_tokens=res.prompt_tokens + res.generated_tokens,
        )
        meta["stop_reason"] = res.stop_reason
        if plan.summary is not None:  # a generated final answer
            text = cut_at_stop(res.text, plan.stop).strip()
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
        yield AIMessage(content="" if entries else cut_at_stop(res.text, plan.stop), response_metadata=meta, usage_metadata=usage)

    @staticmethod
    def _message(entries: Sequence[Entry], last: AIMessage) -> AIMessage:
        return AIMessage(
            content=last.content,
            tool_calls=[e.call for e in entries if e.call is not None],
            invalid_tool_calls=[e.invalid for e in entries if e.invalid is not None],  # type: ignore[misc]
            response_metadata=last.response_metadata,
            usage_metadata=last.usage_metadata,
        )

    def _reply(self, tm: TokMem, plan: _Plan) -> AIMessage:
        """Run the plan and build the ``AIMessage`` (calls, invalid calls or text)."""
        entries: list[Entry] = []
        for item in self._turn(tm, plan, stream=False):
            if isinstance(item, Entry):
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
        usage and metadata; the chunks add up to what ``invoke`` returns.

        Every chunk carries ``usage_metadata``: the earlier ones zero tokens (the decoder counts a
        query's tokens once, when it ends), the last one the turn's counts, so their sum is the
        turn's usage; ``response_metadata`` (the model name) is on the last chunk only, since merging
        chunks concatenates strings."""
        tm = self.get_tokmem()
        turn = self._turn(tm, self._plan(tm, messages, stop, kwargs), stream=True)
        index = 0
        try:
            for item in turn:
                if isinstance(item, Entry):
                    part = item.chunk(index)
                    part.usage_metadata = _no_tokens()
                    index += 1
                    yield self._chunk(part, run_manager)
                    continue
                assert isinstance(item, AIMessage)
                if item.content:
                    yield self._chunk(AIMessageChunk(content=item.content, usage_metadata=_no_tokens()), run_manager)
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
