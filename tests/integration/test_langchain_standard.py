"""LangChain's standard chat-model integration suite (langchain-tests) on the embedded model with the
shipped catalog bank, opened from an empty TOKMEM_HOME.

Every test of the suite that applies to ``ChatTokMem`` runs unchanged and must pass. The ones that do
not apply are listed in :class:`TestChatTokMemIntegration`, each with its reason, by the suite's own
switches (the ``supports_*``/``has_*`` properties: those tests skip) or, where the suite has no
switch, as a strict ``xfail`` that must fail with exactly the documented error. Most of them bind
tools the suite defines (``magic_function``, ``my_adder_tool``, ...): a ``ChatTokMem`` tool is a
memory token that must be learned first, so binding a tool the bank has not learned is an
:class:`UnknownToolError` by design. The behaviour those tests check (tool-call histories, error
results, ``tool_choice``, the agent loop) is checked below on catalog tools instead.

About a minute: the model opens once (~20 s) and each test is one or two decodes of about a second.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.utils.function_calling import tool_example_to_messages
from langchain_tests.integration_tests import (
    ChatModelIntegrationTests,  # a dev dependency: missing, this fails
)
from pydantic import BaseModel

from tokmem_agents.errors import UnknownToolError
from tokmem_agents.integrations.langchain import ChatTokMem, procedures_as_tools
from tokmem_agents.tokmem import TokMem

pytestmark = pytest.mark.integration

NOT_LEARNED = "the suite binds its own tool {}, which the catalog bank has not learned (tools are memory tokens, learned first)"


def not_learned(tool: str) -> pytest.MarkDecorator:
    """A strict xfail: binding the suite's ``tool`` must raise :class:`UnknownToolError`, nothing else."""
    return pytest.mark.xfail(raises=UnknownToolError, strict=True, reason=NOT_LEARNED.format(tool))


V1 = pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
"""The suite's own parametrisation of the tests it runs in both output versions."""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Iterator[TokMem]:
    """The shipped catalog bank on the embedded model, opened once from an empty TOKMEM_HOME."""
    home = tmp_path_factory.mktemp("tokmem-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOKMEM_HOME", str(home))
        yield TokMem.open()


class TestChatTokMemIntegration(ChatModelIntegrationTests):  # type: ignore[misc,valid-type]
    """The contract a LangChain user trusts, on the bank a user gets out of the box."""

    _tokmem: TokMem | None = None

    @pytest.fixture(autouse=True)
    def _bank(self, catalog: TokMem) -> None:
        TestChatTokMemIntegration._tokmem = catalog

    @property
    def chat_model_class(self) -> type[ChatTokMem]:
        return ChatTokMem

    @property
    def chat_model_params(self) -> dict:
        return {"tokmem": TestChatTokMemIntegration._tokmem}

    # -- switches: what ChatTokMem does and does not support ----------------------------------------
    @property
    def has_tool_calling(self) -> bool:
        """Tool calling is what ChatTokMem does (on learned tools)."""
        return True

    @property
    def has_tool_choice(self) -> bool:
        """``tool_choice`` ``"any"`` and a tool name force a call (the first token is a memory token)."""
        return True

    @property
    def has_structured_output(self) -> bool:
        """No ``with_structured_output``: an arbitrary schema is a tool the bank has not learned
        (test_structured_output[*], test_structured_output_async[*], test_structured_output_pydantic_2_v1,
        test_structured_output_optional_param skip)."""
        return False

    @property
    def supports_json_mode(self) -> bool:
        """No JSON mode: free text comes from the backbone without a schema (test_json_mode skips)."""
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        """Input/output tokens on every message and chunk, the model name in ``response_metadata``."""
        return True

    @property
    def supports_model_override(self) -> bool:
        """A bank is learned on one backbone, so the model cannot change per call
        (test_[a]invoke_with_model_override, test_[a]stream_with_model_override skip)."""
        return False

    @property
    def supports_image_inputs(self) -> bool:
        """Text only: the backbone is a text LM (test_image_inputs skips)."""
        return False

    @property
    def supports_image_urls(self) -> bool:
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        """Text only (test_image_tool_message skips)."""
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        """Text only (test_pdf_inputs skips)."""
        return False

    @property
    def supports_pdf_tool_message(self) -> bool:
        """Text only (test_pdf_tool_message skips)."""
        return False

    @property
    def supports_audio_inputs(self) -> bool:
        """Text only (test_audio_inputs skips)."""
        return False

    @property
    def supports_anthropic_inputs(self) -> bool:
        """No Anthropic-format tools or thinking blocks (test_anthropic_inputs skips)."""
        return False

    @property
    def enable_vcr_tests(self) -> bool:
        """Nothing goes over HTTP, so there is nothing to record (test_stream_time skips)."""
        return False

    # -- tests that bind the suite's own tools: not applicable (strict xfail, UnknownToolError) ------
    @V1
    @not_learned("magic_function")
    def test_tool_calling(self, model: Any) -> None:
        super().test_tool_calling(model)

    @not_learned("magic_function")
    async def test_tool_calling_async(self, model: Any) -> None:
        await super().test_tool_calling_async(model)

    @not_learned("magic_function_no_args")
    def test_tool_calling_with_no_arguments(self, model: Any) -> None:
        super().test_tool_calling_with_no_arguments(model)

    @not_learned("greeting_generator (a runnable as a tool)")
    def test_bind_runnables_as_tools(self, model: Any) -> None:
        super().test_bind_runnables_as_tools(model)

    @not_learned("magic_function and get_weather")
    def test_tool_choice(self, model: Any) -> None:
        super().test_tool_choice(model)

    @not_learned("my_adder_tool")
    def test_tool_message_histories_string_content(self, model: Any, my_adder_tool: Any) -> None:
        super().test_tool_message_histories_string_content(model, my_adder_tool)

    @not_learned("my_adder_tool")
    def test_tool_message_histories_list_content(self, model: Any, my_adder_tool: Any) -> None:
        super().test_tool_message_histories_list_content(model, my_adder_tool)

    @not_learned("my_adder_tool")
    def test_tool_message_error_status(self, model: Any, my_adder_tool: Any) -> None:
        super().test_tool_message_error_status(model, my_adder_tool)

    @not_learned("my_adder_tool")
    def test_structured_few_shot_examples(self, model: Any, my_adder_tool: Any) -> None:
        super().test_structured_few_shot_examples(model, my_adder_tool)

    @V1
    @not_learned("get_weather")
    def test_agent_loop(self, model: Any) -> None:
        super().test_agent_loop(model)

    @not_learned("unicode_customer")
    def test_unicode_tool_call_integration(self, model: Any) -> None:
        super().test_unicode_tool_call_integration(model)


# -- what the not-applicable tests check, on the catalog's tools ------------------------------------


@pytest.fixture()
def model(catalog, request) -> ChatTokMem:
    """``ChatTokMem`` on the catalog bank (with the suite's ``output_version`` when parametrised)."""
    return ChatTokMem(tokmem=catalog, **(getattr(request, "param", None) or {}))


def _calculate(catalog: TokMem) -> Any:
    (tool,) = procedures_as_tools(catalog, names=["calculate"])
    return tool


def test_tool_calling_on_a_learned_tool(model, catalog):
    """test_tool_calling's checks (invoke and stream, one call, content blocks) on ``calculate``."""
    bound = model.bind_tools([_calculate(catalog)], tool_choice="any")
    for message in (bound.invoke("What is 12 * 7?"), sum(bound.stream("What is 12 * 7?"), AIMessageChunk(content=""))):
        assert isinstance(message, AIMessage) and len(message.tool_calls) == 1
        (call,) = message.tool_calls
        assert call["name"] == "calculate" and call["args"] == {"expression": "12 * 7"}
        assert call["id"] and call["type"] == "tool_call"
        (block,) = [b for b in message.content_blocks if b["type"] == "tool_call"]
        assert block["name"] == "calculate" and block["args"] == {"expression": "12 * 7"} and block["id"] == call["id"]


def test_tool_choice_forces_a_call_on_a_greeting(model, catalog):
    """test_tool_choice's checks ("any" and a tool name on "Hello!") on catalog tools."""
    tools = procedures_as_tools(catalog, names=["calculate", "reverse_text"])
    for choice in ("any", "reverse_text"):
        result = model.bind_tools(tools, tool_choice=choice).invoke("Hello!")
        assert isinstance(result, AIMessage) and result.tool_calls, choice
        if choice == "reverse_text":
            assert result.tool_calls[0]["name"] == "reverse_text"
    assert not model.bind_tools(tools).invoke("Hello!").tool_calls  # without tool_choice: text


def _history(ai_content: Any, result: str, status: str = "success") -> list[Any]:
    call = {"name": "calculate", "args": {"expression": "1 + 2"}, "id": "abc123", "type": "tool_call"}
    return [
        HumanMessage("What is 1 + 2"),
        AIMessage(ai_content, tool_calls=[call]),
        ToolMessage(result, name="calculate", tool_call_id="abc123", status=status),
    ]


@pytest.mark.parametrize("answer_mode", ["summary", "generate"])
def test_tool_message_histories_and_error_status(catalog, answer_mode):
    """test_tool_message_histories_{string,list}_content and test_tool_message_error_status on ``calculate``."""
    model = ChatTokMem(tokmem=catalog, answer_mode=answer_mode, max_tokens=24).bind_tools([_calculate(catalog)])
    list_content = [{"type": "text", "text": "some text"}, {"type": "tool_use", "id": "abc123", "name": "calculate", "input": {"expression": "1 + 2"}}]
    for ai_content in ("", list_content):
        result = model.invoke(_history(ai_content, json.dumps({"result": 3})))
        assert isinstance(result, AIMessage) and not result.tool_calls and result.text
        if answer_mode == "summary":
            assert result.text == "calculate: result: 3"
    error = model.invoke(_history("", "Error: cannot parse the expression.", status="error"))
    assert isinstance(error, AIMessage) and not error.tool_calls and error.text
    if answer_mode == "summary":
        assert error.text == "calculate failed: Error: cannot parse the expression."


@pytest.mark.filterwarnings("ignore:The function `tool_example_to_messages` is in beta")
def test_structured_few_shot_examples_then_a_new_question(model, catalog):
    """test_structured_few_shot_examples on ``calculate``: a solved example, then a new question."""

    class calculate(BaseModel):
        expression: str

    few_shot = tool_example_to_messages(
        "What is 1 + 2", [calculate(expression="1 + 2")], tool_outputs=[json.dumps({"result": 3})], ai_response="3"
    )
    result = model.bind_tools([_calculate(catalog)], tool_choice="any").invoke([*few_shot, HumanMessage("What is 3 + 4")])
    assert isinstance(result, AIMessage)
    assert [(c["name"], c["args"]) for c in result.tool_calls] == [("calculate", {"expression": "3 + 4"})]


@V1
def test_agent_loop_with_a_catalog_procedure(model, catalog):
    """test_agent_loop on ``calculate`` with its catalog procedure (in both output versions)."""
    tool = _calculate(catalog)
    bound = model.bind_tools([tool])
    question = HumanMessage("Figure out 64 * 25 for me")
    call_message = bound.invoke([question])
    assert any(b["type"] == "tool_call" for b in call_message.content_blocks)
    (call,) = call_message.tool_calls
    result = tool.invoke(call)
    assert isinstance(result, ToolMessage) and json.loads(result.content)["result"] == 1600
    answer = bound.invoke([question, call_message, result])
    assert isinstance(answer, AIMessage) and not answer.tool_calls and "1600" in answer.text


def test_unicode_arguments_of_a_learned_tool(model, catalog):
    """test_unicode_tool_call_integration on ``reverse_text``: non-ASCII text reaches the arguments."""
    (tool,) = procedures_as_tools(catalog, names=["reverse_text"])
    bound = model.bind_tools([tool], tool_choice="any")
    for text in ("你好啊集团", "こんにちは"):
        result = bound.invoke(f"reverse the text '{text}'")
        (call,) = result.tool_calls
        assert call["name"] == "reverse_text" and any(ch in call["args"]["text"] for ch in text), call


@pytest.mark.parametrize("query", ["Hello", "Figure out 64 * 25 for me", "reverse 'abc' and work out 2 ** 10"])
def test_usage_is_on_every_chunk_and_adds_up_to_invoke(model, query):
    """Every chunk carries ``usage_metadata``; only the last one counts tokens and names the model."""
    chunks = list(model.stream(query))
    assert all(c.usage_metadata is not None for c in chunks), chunks
    assert all(c.usage_metadata["input_tokens"] == 0 and not c.response_metadata for c in chunks[:-1])
    last = chunks[-1]
    assert last.chunk_position == "last" and last.response_metadata["model_name"] == model.get_tokmem().backbone.model_id
    merged = sum(chunks[1:], chunks[0])
    invoked = model.invoke(query)
    assert merged.usage_metadata == invoked.usage_metadata and invoked.usage_metadata["output_tokens"] > 0
    assert merged.usage_metadata["total_tokens"] == merged.usage_metadata["input_tokens"] + merged.usage_metadata["output_tokens"]
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [(c["name"], c["args"]) for c in invoked.tool_calls]
