"""``TokMemRunnable``: a query (or messages) in, the tool calls the bank's memory tokens decode out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, Union

from langchain_core.messages import BaseMessage, ToolCall
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import run_in_executor

from ...config import DecodeConfig
from ...decode.results import CallEvent
from ...errors import UserInputError
from ...tokmem import TokMem
from .base import OnBank
from .messages import query_of, to_messages
from .shapes import runnable_calls
from .tools import check_learned, decode_config

TokMemInput = Union[str, BaseMessage, PromptValue, Sequence[Any]]
"""What :class:`TokMemRunnable` accepts: a query, a message, a prompt value or a list of messages."""


class TokMemRunnable(OnBank, RunnableSerializable[TokMemInput, list[ToolCall]]):
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
        """A query, a message, a prompt value or a list of messages."""
        return TokMemInput

    @property
    def OutputType(self) -> Any:  # noqa: N802 - LangChain's name
        """A list of LangChain ``ToolCall`` dicts."""
        return list[ToolCall]

    def _config(self, tm: TokMem) -> DecodeConfig:
        allowed = None
        if self.allowed_tools is not None:
            check_learned(tm, self.allowed_tools)
            allowed = frozenset(self.allowed_tools)
        return decode_config(allowed, constrained=self.constrained, max_calls=self.max_calls, require_call=self.require_call)

    def _run(self, inputs: list[Any]) -> list[list[ToolCall] | Exception]:
        """Decode every input in one batched call (bad inputs become their own exception)."""
        queries: list[str | Exception] = []
        for x in inputs:
            try:
                queries.append(x if isinstance(x, str) else query_of(to_messages(x)))
            except UserInputError as e:
                queries.append(e)
        good = [q for q in queries if isinstance(q, str)]
        tm = self.get_tokmem()
        results = iter(tm.call_batch(good, self._config(tm)) if good else [])
        out: list[list[ToolCall] | Exception] = []
        for q in queries:
            if isinstance(q, Exception):
                out.append(q)
            else:
                res = next(results)
                out.append(runnable_calls(res.events, res.query))
        return out

    def _query(self, input: Any) -> str:  # noqa: A002 - LangChain's name
        return input if isinstance(input, str) else query_of(to_messages(input))

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
        """Decode all inputs with one batched decode (:meth:`TokMem.call_batch`), not a loop of invokes."""
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
        stream = tm.stream([query], self._config(tm))
        any_call = False
        try:
            for item in stream:
                if isinstance(item, CallEvent):
                    for c in runnable_calls([item], query):
                        any_call = True
                        yield [c]
        finally:
            stream.close()  # ends the decode even when the consumer stops early
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
        """:meth:`stream` of the input chunks joined (LangChain's streaming composition)."""
        yield from self._transform_stream_with_config(input, self._transform, config)

    def stream(self, input: TokMemInput, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[list[ToolCall]]:  # noqa: A002
        """Yield ``[call]`` per decoded call, in order, as soon as its arguments close (one ``[]`` when
        none fires)."""
        yield from self.transform(iter([input]), config, **kwargs)

    async def atransform(self, input: AsyncIterator[TokMemInput], config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[list[ToolCall]]:  # noqa: A002
        """:meth:`transform` for asyncio."""
        async for chunk in self._atransform_stream_with_config(input, self._atransform, config):
            yield chunk

    async def astream(self, input: TokMemInput, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[list[ToolCall]]:  # noqa: A002
        """:meth:`stream` for asyncio: each decoding step runs in an executor thread."""

        async def one() -> AsyncIterator[TokMemInput]:
            yield input

        async for chunk in self.atransform(one(), config, **kwargs):
            yield chunk
