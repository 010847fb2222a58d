"""``ChatTokMemServed``: the same chat model as :class:`ChatTokMem`, answered by an exported bank that a
serving engine serves (``vllm serve EXPORT --structured-outputs-config.backend guidance``).

Each turn is one OpenAI-compatible ``/chat/completions`` request: the last human message as the user
turn (what the memory tokens were trained on), greedy, with the export's ``tools.lark`` (narrowed to
the bound tools, without its text branch when a call is required) as the structured-output grammar
and the special tokens kept in the text, which :meth:`ExportManifest.parse` reads back into calls.
After tool results the answer is the same deterministic summary as ``ChatTokMem``'s. Moving an agent
from the in-process model to a served one is a change of constructor.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

from ...errors import ServingError, UnknownToolError, UserInputError
from ...export.grammar import restrict
from ...export.manifest import GRAMMAR_FILE, ExportManifest
from .messages import query_of, tool_results
from .shapes import _new_id


class ChatTokMemServed(BaseChatModel):
    """A chat model over a served export: ``ChatTokMemServed(export="my-export", base_url="http://localhost:8000/v1")``.

    ``export`` is the directory ``tokmem-agent export-model`` wrote (its ``tokmem.json`` and
    ``tools.lark`` are read here); ``model`` is the name the server serves it under (default: the
    path given to ``vllm serve``, i.e. ``export`` as written)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    export: str
    base_url: str = "http://localhost:8000/v1"
    model: str | None = None
    api_key: str | None = None
    max_tokens: int = 256
    timeout: float = 120.0
    temperature: float | None = None
    """Accepted for LangChain's standard parameters; decoding is greedy."""

    @property
    def _llm_type(self) -> str:
        return "tokmem-served"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"export": self.export, "base_url": self.base_url, "model": self.served_name}

    @property
    def served_name(self) -> str:
        """The model name sent to the server."""
        return self.model or self.export

    @cached_property
    def manifest(self) -> ExportManifest:
        """The export's ``tokmem.json``."""
        return ExportManifest.read(self.export)

    @cached_property
    def grammar(self) -> str:
        """The export's ``tools.lark``."""
        return (Path(self.export) / GRAMMAR_FILE).read_text(encoding="utf-8")

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Only these tools' memory tokens may fire; ``tool_choice`` as for :class:`ChatTokMem`
        (``"any"``/``"required"``/``True``/a name: a call is required; ``"none"``: text only)."""
        names = [convert_to_openai_tool(t)["function"]["name"] for t in tools]
        unknown = sorted(set(names) - set(self.manifest.token_ids))
        if unknown:
            raise UnknownToolError(f"tool(s) {unknown} are not in the export {self.export}")
        return self.bind(tool_names=names, tool_choice=tool_choice, **kwargs)

    def _request_grammar(self, tool_names: Sequence[str] | None, tool_choice: Any) -> str | None:
        if isinstance(tool_choice, dict):
            tool_choice = tool_choice.get("function", {}).get("name") or tool_choice.get("name")
        if tool_choice == "none":
            return None
        ids = self.manifest.token_ids
        if isinstance(tool_choice, str) and tool_choice not in ("auto", "any", "required"):
            if tool_choice not in ids:
                raise UserInputError(f"tool_choice {tool_choice!r} is not a tool of the export")
            tool_names = [tool_choice]
        required = tool_choice in ("any", "required", True) or (isinstance(tool_choice, str) and tool_choice in ids)
        allowed = None if tool_names is None else [ids[n] for n in tool_names]
        return restrict(self.grammar, allowed, require_call=required)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.base_url.rstrip("/") + "/chat/completions", json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return dict(json.loads(resp.read()))
        except urllib.error.HTTPError as e:
            raise ServingError(f"{self.base_url}: HTTP {e.code}: {e.read()[:300]!r}") from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise ServingError(f"{self.base_url}: {e}") from None

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        finished = tool_results(messages)
        meta = {"model_name": self.served_name}
        if finished is not None:
            summary = "\n".join(finished[1])
            usage = UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)
            return ChatResult(generations=[ChatGeneration(message=AIMessage(summary, response_metadata=meta, usage_metadata=usage))])
        grammar = self._request_grammar(kwargs.get("tool_names"), kwargs.get("tool_choice"))
        body: dict[str, Any] = {
            "model": self.served_name,
            "messages": [{"role": "user", "content": query_of(messages)}],
            "temperature": 0.0,
            "max_tokens": int(kwargs.get("max_tokens") or self.max_tokens),
            "skip_special_tokens": False,
        }
        if grammar is not None:
            body["structured_outputs"] = {"grammar": grammar}
        if stop:
            body["stop"] = list(stop)
        reply = self._post(body)
        text = str(reply["choices"][0]["message"].get("content") or "")
        turn = self.manifest.parse(text)
        calls = [tool_call(name=c.name, args=dict(c.arguments), id=_new_id()) for c in turn.calls]
        invalid = [invalid_tool_call(name=None, args=None, id=_new_id(), error=e) for e in turn.errors]
        raw = reply.get("usage") or {}
        usage = UsageMetadata(input_tokens=int(raw.get("prompt_tokens", 0)), output_tokens=int(raw.get("completion_tokens", 0)),
                              total_tokens=int(raw.get("total_tokens", 0)))
        message = AIMessage(content="" if calls else turn.text, tool_calls=calls, invalid_tool_calls=invalid,
                            response_metadata={**meta, "finish_reason": reply["choices"][0].get("finish_reason")},
                            usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])
