"""LangChain integration on the tiny model: message shapes, ids, bind_tools, batching, streaming, the loop.

Most behaviour tests replace ``Decoder.stream`` (the one decoding primitive the integration uses) with
a scripted decoder (a random tiny model decodes nothing meaningful); the tests at the end go through
the real decoder for the shapes, streaming and ``require_call``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from langchain_tests.unit_tests import ChatModelUnitTests  # a dev dependency: missing, this module fails to import
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompt_values import ChatPromptValue
from langchain_core.runnables import ConfigurableField
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from tokmem_agents.config import DecodeConfig, TrainConfig
from tokmem_agents.bank.records import ToolCall
from tokmem_agents.decode.decoder import Decoder
from tokmem_agents.decode.results import CallEvent, DecodeResult, InvalidCall
from tokmem_agents.errors import UnknownToolError
from tokmem_agents.integrations.langchain import ChatTokMem, TokMemRunnable, procedures_as_tools
from tokmem_agents.registry import ProcedureRegistry
from tokmem_agents.bank.specs import parse_spec
from tokmem_agents.tokmem import TokMem

SHOUT = {
    "name": "shout",
    "description": "Upper-case a text.",
    "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    "examples": [{"query": f"shout {w}", "arguments": {"text": w}} for w in ("hello", "stop", "go away")],
}
ADD = {
    "name": "add_numbers",
    "description": "Add two integers.",
    "parameters": {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
    "examples": [{"query": f"add {a} and {b}", "arguments": {"a": a, "b": b}} for a, b in ((1, 2), (3, 4), (10, 5))],
}


@pytest.fixture(scope="module")
def bank_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """A bank with ``shout`` and ``add_numbers`` learned (1 epoch) on the tiny model."""
    path = tmp_path_factory.mktemp("lc") / "bank"
    tm = TokMem.open(path, model=str(tiny_model_dir))
    tm.learn([parse_spec(SHOUT), parse_spec(ADD)], config=TrainConfig(epochs=1))
    return path


@pytest.fixture(scope="module")
def tm(bank_dir, tiny_model_dir) -> TokMem:
    return TokMem.open(bank_dir, model=str(tiny_model_dir))


SCRIPT: dict[str, list[ToolCall]] = {
    "shout hi": [ToolCall("shout", {"text": "hi"})],
    "add 2 and 3": [ToolCall("add_numbers", {"a": 2, "b": 3})],
    "shout a then shout b": [ToolCall("shout", {"text": "a"}), ToolCall("shout", {"text": "b"})],
}


class FakeDecoder:
    """Stands in for ``Decoder.stream``: scripted calls, text for anything else; records every decode
    (queries, config, ready prompts) and every event handed out."""

    def __init__(self, results: list[DecodeResult] | None = None) -> None:
        self.calls: list[tuple[list[str], DecodeConfig]] = []
        self.prompts: list[Any] = []
        self.events: list[CallEvent] = []
        self.results = results

    def scripted(self, q: str, config: DecodeConfig) -> DecodeResult:
        calls = SCRIPT.get(q, [])
        if config.allowed_tools is not None:
            calls = [c for c in calls if c.name in config.allowed_tools]
        text = "" if calls else f"plain answer to {q}"
        return DecodeResult(query=q, calls=list(calls), text=text, prompt_tokens=7, generated_tokens=3)

    def __call__(self, queries, config: DecodeConfig | None = None, *, prompts=None):
        config = config or DecodeConfig()
        self.calls.append((list(queries), config))
        self.prompts.append(prompts)
        out = list(self.results) if self.results is not None else [self.scripted(q, config) for q in queries]
        for i, res in enumerate(out):
            for e in [dataclasses.replace(ev, query_index=i) for ev in res.events]:
                self.events.append(e)
                yield e
        yield from out


@pytest.fixture()
def fake(monkeypatch) -> FakeDecoder:
    f = FakeDecoder()
    monkeypatch.setattr(Decoder, "stream", lambda self, queries, config=None, *, prompts=None: f(queries, config, prompts=prompts))
    return f


def _shape(calls: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], c["args"]) for c in calls]


# -- TokMemRunnable -------------------------------------------------------------------------------


def test_runnable_returns_langchain_tool_calls_with_unique_ids(tm, fake):
    calls = TokMemRunnable(tokmem=tm).invoke("shout a then shout b")
    assert _shape(calls) == [("shout", {"text": "a"}), ("shout", {"text": "b"})]
    assert all(c["type"] == "tool_call" and c["id"].startswith("call_") for c in calls)
    assert len({c["id"] for c in calls}) == 2


def test_runnable_accepts_messages_and_uses_last_human_text(tm, fake):
    r = TokMemRunnable(tokmem=tm)
    history = [SystemMessage("be brief"), HumanMessage("shout hi"), AIMessage("ok"), HumanMessage("add 2 and 3")]
    assert _shape(r.invoke(history)) == [("add_numbers", {"a": 2, "b": 3})]
    assert _shape(r.invoke(HumanMessage("shout hi"))) == [("shout", {"text": "hi"})]
    assert _shape(r.invoke(ChatPromptValue(messages=[HumanMessage("shout hi")]))) == [("shout", {"text": "hi"})]
    assert _shape(r.invoke([("human", "add 2 and 3")])) == [("add_numbers", {"a": 2, "b": 3})]
    assert r.invoke("what is love") == []
    # no tool description ever reaches the decoder: the query is the user's text only
    assert all(q in ("shout hi", "add 2 and 3", "what is love") for qs, _ in fake.calls for q in qs)


def test_runnable_batch_is_one_batched_decode_equal_to_invoke(tm, fake):
    r = TokMemRunnable(tokmem=tm)
    inputs = ["shout hi", "add 2 and 3", "what is love", "shout a then shout b"]
    batched = r.batch(inputs)
    assert len(fake.calls) == 1 and fake.calls[0][0] == inputs
    assert [_shape(b) for b in batched] == [_shape(r.invoke(x)) for x in inputs]


def test_runnable_batch_reports_bad_items_without_dropping_the_rest(tm, fake):
    out = TokMemRunnable(tokmem=tm).batch(["shout hi", [SystemMessage("no question")]], return_exceptions=True)
    assert _shape(out[0]) == [("shout", {"text": "hi"})]
    assert isinstance(out[1], Exception) and "human message" in str(out[1])


def test_runnable_stream_yields_one_chunk_per_call(tm, fake):
    r = TokMemRunnable(tokmem=tm)
    chunks = list(r.stream("shout a then shout b"))
    assert [len(c) for c in chunks] == [1, 1]
    assert _shape(chunks[0] + chunks[1]) == [("shout", {"text": "a"}), ("shout", {"text": "b"})]
    assert list(r.stream("what is love")) == [[]]


def test_runnable_async_variants(tm, fake):
    r = TokMemRunnable(tokmem=tm)

    async def go():
        one = await r.ainvoke("shout hi")
        many = await r.abatch(["shout hi", "add 2 and 3"])
        streamed = [c async for c in r.astream("shout a then shout b")]
        return one, many, streamed

    one, many, streamed = asyncio.run(go())
    assert _shape(one) == [("shout", {"text": "hi"})]
    assert [_shape(m) for m in many] == [[("shout", {"text": "hi"})], [("add_numbers", {"a": 2, "b": 3})]]
    assert len(streamed) == 2
    assert fake.calls[1][0] == ["shout hi", "add 2 and 3"]  # abatch decoded in one call too


def test_runnable_configurable_fields_reach_the_decoder(tm, fake):
    r = TokMemRunnable(tokmem=tm).configurable_fields(
        constrained=ConfigurableField(id="constrained"), max_calls=ConfigurableField(id="max_calls")
    )
    r.invoke("shout hi", config={"configurable": {"constrained": False, "max_calls": 2}})
    cfg = fake.calls[-1][1]
    assert cfg.constrained is False and cfg.max_calls == 2
    r.invoke("shout hi")
    assert fake.calls[-1][1].constrained is True and fake.calls[-1][1].max_calls == 8


def test_runnable_allowed_tools_unknown_name_is_a_clear_error(tm, fake):
    with pytest.raises(UnknownToolError, match=r"'weather'.*learn-tool"):
        TokMemRunnable(tokmem=tm, allowed_tools=["weather"]).invoke("shout hi")


# -- ChatTokMem -----------------------------------------------------------------------------------


def test_chat_tool_calls_and_plain_text(tm, fake):
    model = ChatTokMem(tokmem=tm)
    ai = model.invoke("add 2 and 3")
    assert isinstance(ai, AIMessage) and ai.content == ""
    assert _shape(ai.tool_calls) == [("add_numbers", {"a": 2, "b": 3})]
    assert ai.tool_calls[0]["type"] == "tool_call" and ai.tool_calls[0]["id"]
    assert ai.response_metadata["finish_reason"] == "tool_calls"
    assert ai.usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    text = model.invoke("what is love")
    assert text.tool_calls == [] and text.content == "plain answer to what is love"


def test_chat_reports_unparsable_and_schema_invalid_calls(tm, monkeypatch):
    res = DecodeResult(
        query="q",
        calls=[ToolCall("add_numbers", {"a": "x", "b": 1})],
        invalid=[
            InvalidCall(0, "add_numbers", '{"a": "x", "b": 1}', ("a: 'x' is not of type 'integer'",), call_index=0),
            InvalidCall(1, "shout", '{"text": ', ("not JSON: Expecting value",)),
        ],
    )
    f = FakeDecoder([res])
    monkeypatch.setattr(Decoder, "stream", lambda self, queries, config=None, *, prompts=None: f(queries, config, prompts=prompts))
    model = ChatTokMem(tokmem=tm)
    ai = model.invoke("q")
    assert _shape(ai.tool_calls) == [("add_numbers", {"a": "x", "b": 1})]
    assert ai.response_metadata["invalid_arguments"][0]["id"] == ai.tool_calls[0]["id"]
    # raw arguments as a JSON string: no partial-JSON parser can turn them into a call
    assert [(i["name"], json.loads(i["args"]), i["error"]) for i in ai.invalid_tool_calls] == [("shout", '{"text": ', "not JSON: Expecting value")]
    streamed = sum(model.stream("q"), AIMessageChunk(content=""))
    assert _shape(streamed.tool_calls) == _shape(ai.tool_calls)
    assert [(i["name"], i["args"]) for i in streamed.invalid_tool_calls] == [(i["name"], i["args"]) for i in ai.invalid_tool_calls]


def test_truncated_calls_are_never_executable(tm, monkeypatch):
    """Issue 3: a call the decoder closed at the token budget is reported, not offered as a call."""
    res = DecodeResult(
        query="q",
        calls=[ToolCall("shout", {"text": "hi"}), ToolCall("shout", {"text": "la la la la"})],
        stop_reason="max_tokens",
        truncated=[1],
    )
    f = FakeDecoder([res])
    monkeypatch.setattr(Decoder, "stream", lambda self, queries, config=None, *, prompts=None: f(queries, config, prompts=prompts))
    model = ChatTokMem(tokmem=tm)
    ai = model.invoke("q")
    assert _shape(ai.tool_calls) == [("shout", {"text": "hi"})]
    (cut,) = ai.invalid_tool_calls
    assert cut["name"] == "shout" and json.loads(json.loads(cut["args"])) == {"text": "la la la la"}
    assert "not executed" in cut["error"] and ai.response_metadata["truncated_calls"] == [cut["id"]]
    assert ai.response_metadata["stop_reason"] == "max_tokens"
    streamed = sum(model.stream("q"), AIMessageChunk(content=""))
    assert _shape(streamed.tool_calls) == [("shout", {"text": "hi"})] and len(streamed.invalid_tool_calls) == 1
    assert _shape(TokMemRunnable(tokmem=tm).invoke("q")) == [("shout", {"text": "hi"})]
    assert [_shape(c) for c in TokMemRunnable(tokmem=tm).stream("q")] == [[("shout", {"text": "hi"})]]


def test_bind_tools_accepts_every_tool_form_and_restricts_tokens(tm, fake):
    @tool
    def shout(text: str) -> str:
        """Upper-case a text."""
        return text.upper()

    def add_numbers(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    class AddNumbers(BaseModel):
        """Add two integers."""

        a: int = Field(description="first")
        b: int

    AddNumbers.__name__ = "add_numbers"
    openai_dict = {"type": "function", "function": {k: SHOUT[k] for k in ("name", "description", "parameters")}}
    for tools, name in (([shout], "shout"), ([add_numbers], "add_numbers"), ([AddNumbers], "add_numbers"), ([openai_dict], "shout")):
        ChatTokMem(tokmem=tm).bind_tools(tools).invoke("shout hi")
        assert fake.calls[-1][1].allowed_tools == frozenset({name})
    only_add = ChatTokMem(tokmem=tm).bind_tools([add_numbers])
    assert only_add.invoke("shout hi").tool_calls == []  # shout's token may not fire
    both = ChatTokMem(tokmem=tm).bind_tools([shout, add_numbers], tool_choice="shout")
    both.invoke("add 2 and 3")
    assert fake.calls[-1][1].allowed_tools == frozenset({"shout"})
    ChatTokMem(tokmem=tm).bind_tools([shout], tool_choice="none").invoke("shout hi")
    assert fake.calls[-1][1].allowed_tools == frozenset() and fake.calls[-1][1].constrained is False
    assert fake.calls[-1][1].require_call is False


@pytest.mark.parametrize("choice, required, allowed", [
    ("auto", False, {"shout", "add_numbers"}), (None, False, {"shout", "add_numbers"}), ("any", True, {"shout", "add_numbers"}),
    ("required", True, {"shout", "add_numbers"}), (True, True, {"shout", "add_numbers"}), ("shout", True, {"shout"}),
    ({"type": "function", "function": {"name": "add_numbers"}}, True, {"add_numbers"}), ("none", False, set()),
])
def test_tool_choice_requires_a_call(tm, fake, choice, required, allowed):
    tools = [{"name": n, "parameters": {}} for n in ("shout", "add_numbers")]
    ChatTokMem(tokmem=tm).bind_tools(tools, tool_choice=choice).invoke("what is love")
    cfg = fake.calls[-1][1]
    assert cfg.require_call is required and cfg.allowed_tools == frozenset(allowed)
    # the answer after tool results is text, whatever tool_choice says
    fake.calls.clear()
    bound = ChatTokMem(tokmem=tm, answer_mode="generate").bind_tools(tools, tool_choice=choice)
    bound.invoke([HumanMessage("shout hi"), AIMessage("", tool_calls=[{"name": "shout", "args": {"text": "hi"}, "id": "c1"}]), ToolMessage("HI", tool_call_id="c1")])
    assert fake.calls[-1][1].require_call is False and fake.calls[-1][1].allowed_tools == frozenset()


def test_bind_tools_unknown_tool_names_it_with_the_learn_hint(tm, fake):
    def get_weather(city: str) -> str:
        """Weather of a city."""
        return "sunny"

    with pytest.raises(UnknownToolError) as e:
        ChatTokMem(tokmem=tm).bind_tools([get_weather, {"name": "book_flight", "parameters": {}}])
    msg = str(e.value)
    assert "'get_weather'" in msg and "'book_flight'" in msg and "tokmem-agent learn-tool" in msg
    assert "add_numbers" in msg and "shout" in msg  # what the bank does know
    assert fake.calls == []


def test_chat_batch_decodes_once(tm, fake):
    model = ChatTokMem(tokmem=tm)
    inputs = ["shout hi", "add 2 and 3", "what is love"]
    out = model.batch(inputs)
    assert len(fake.calls) == 1 and sorted(fake.calls[0][0]) == sorted(inputs)
    assert [_shape(m.tool_calls) for m in out] == [_shape(model.invoke(x).tool_calls) for x in inputs]
    assert out[2].content == "plain answer to what is love"
    bound = model.bind_tools([{"type": "function", "function": {"name": "shout", "parameters": {}}}])
    fake.calls.clear()
    out = bound.batch(["shout hi", "add 2 and 3"])
    assert len(fake.calls) == 1 and fake.calls[0][1].allowed_tools == frozenset({"shout"})
    assert out[1].tool_calls == []


def test_chat_abatch_decodes_once_and_generate_once_per_input(tm, fake):
    model = ChatTokMem(tokmem=tm)
    out = asyncio.run(model.abatch(["shout hi", "add 2 and 3"]))
    assert len(fake.calls) == 1 and [m.tool_calls[0]["name"] for m in out] == ["shout", "add_numbers"]
    fake.calls.clear()
    res = model.generate([[HumanMessage("shout hi")], [HumanMessage("add 2 and 3")]])
    # issue 19: ChatTokMem implements only langchain-core's hooks; the base class's `generate` runs one
    # `_generate` per message list in turn, so there is nothing concurrent to decode together
    assert len(fake.calls) == 2 and len(res.generations) == 2


def test_chat_stream_yields_a_chunk_per_call(tm, fake):
    model = ChatTokMem(tokmem=tm)
    chunks = list(model.stream("shout a then shout b"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert sum(1 for c in chunks if c.tool_call_chunks) == 2
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert _shape(full.tool_calls) == [("shout", {"text": "a"}), ("shout", {"text": "b"})]
    assert full.usage_metadata["input_tokens"] == 7
    text = "".join(c.text for c in model.stream("what is love"))
    assert text == "plain answer to what is love"


def test_tool_results_get_a_final_text_answer_without_decoding(tm, fake):
    model = ChatTokMem(tokmem=tm)
    ai = model.invoke("add 2 and 3")
    messages = [HumanMessage("add 2 and 3"), ai, ToolMessage('{"sum": 5}', tool_call_id=ai.tool_calls[0]["id"])]
    fake.calls.clear()
    final = model.invoke(messages)
    assert fake.calls == []  # no call re-decoded
    assert final.tool_calls == [] and final.content == "add_numbers: sum: 5"
    err = ToolMessage("bad input", tool_call_id="x", name="shout", status="error")
    assert model.invoke([HumanMessage("shout hi"), AIMessage(""), err]).content == "shout failed: bad input"


def test_generate_answer_mode_renders_the_conversation_without_tool_descriptions(tm, fake):
    model = ChatTokMem(tokmem=tm, answer_mode="generate")
    ai = AIMessage("", tool_calls=[{"name": "add_numbers", "args": {"a": 2, "b": 3}, "id": "c1"}])
    final = model.invoke([SystemMessage("be brief"), HumanMessage("add 2 and 3"), ai, ToolMessage("5", tool_call_id="c1")])
    (prompt,), cfg = fake.calls[-1]
    assert cfg.allowed_tools == frozenset() and cfg.constrained is False  # no memory token in the answer
    # the backbone's chat template (SmolLM2's ChatML), results in a user turn (it knows no tool role)
    assert prompt.startswith("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nadd 2 and 3<|im_end|>\n")
    assert '<|im_start|>assistant\nadd_numbers({"a": 2, "b": 3})<|im_end|>' in prompt
    assert "<|im_start|>user\nResults:\nadd_numbers: 5\n" in prompt and prompt.endswith("<|im_start|>assistant\n")
    assert "Add two integers" not in prompt and "integer" not in prompt
    tok = tm.backbone.tokenizer
    assert fake.prompts[-1] == [tok(prompt, add_special_tokens=False)["input_ids"]]  # decoded as is, not re-wrapped
    assert final.content.startswith("plain answer to") and final.tool_calls == []
    assert final.response_metadata["answer_mode"] == "generate"


def test_conversation_rendering_uses_tool_turns_when_the_template_has_them():
    from tokmem_agents.integrations.langchain.messages import render_conversation

    class ToolTemplate:
        chat_template = "{% for m in messages %}{% if m.role == 'tool' %}...{% endif %}{% endfor %}"

        def apply_chat_template(self, turns, tokenize, add_generation_prompt, **template_vars):
            return json.dumps(turns)

    ai = AIMessage("", tool_calls=[{"name": "shout", "args": {"text": "a"}, "id": "c1"}])
    turns = json.loads(render_conversation(ToolTemplate(), [HumanMessage("shout a"), ai, ToolMessage("A", tool_call_id="c1")]))
    assert [t["role"] for t in turns] == ["user", "assistant", "tool"]
    assert turns[1]["tool_calls"][0]["function"] == {"name": "shout", "arguments": {"text": "a"}}
    assert turns[2]["content"] == "A" and turns[2]["name"] == "shout"

    class NoTemplate:
        chat_template = None

    plain = render_conversation(NoTemplate(), [HumanMessage("shout a"), ai, ToolMessage("A", tool_call_id="c1")])
    assert plain == 'User: shout a\nAssistant: shout({"text": "a"})\nUser: Results:\nshout: A\n\nAnswer my question in one short sentence, using only these results.\nAssistant: '


def test_procedures_as_tools_and_the_agent_loop(tm, fake):
    registry = ProcedureRegistry()

    @registry.register("shout")
    def _shout(text: str) -> str:
        return text.upper()

    @registry.register("add_numbers")
    def _add(a: int, b: int) -> dict[str, int]:
        return {"sum": a + b}

    tools = procedures_as_tools(tm, registry)
    assert sorted(t.name for t in tools) == ["add_numbers", "shout"]
    by_name = {t.name: t for t in tools}
    assert by_name["add_numbers"].args_schema["required"] == ["a", "b"]
    refused = by_name["add_numbers"].invoke({"type": "tool_call", "name": "add_numbers", "id": "x", "args": {"a": "two", "b": 1}})
    assert refused.status == "error" and "invalid arguments" in refused.content

    model = ChatTokMem(tokmem=tm).bind_tools(tools)
    messages: list[Any] = [HumanMessage("shout a then shout b")]
    for _ in range(3):
        ai = model.invoke(messages)
        messages.append(ai)
        if not ai.tool_calls:
            break
        messages.extend(by_name[c["name"]].invoke(c) for c in ai.tool_calls)
    assert [m.type for m in messages] == ["human", "ai", "tool", "tool", "ai"]
    assert messages[2].content == "A" and messages[2].tool_call_id == messages[1].tool_calls[0]["id"]
    assert messages[-1].content == "shout: A\nshout: B"


def test_procedures_as_tools_names_must_have_procedures(tm):
    with pytest.raises(UnknownToolError, match="no procedure"):
        procedures_as_tools(tm, ProcedureRegistry(), names=["shout"])
    with pytest.raises(UnknownToolError, match="learn-tool"):
        procedures_as_tools(tm, ProcedureRegistry(), names=["nope"])
    assert procedures_as_tools(tm, ProcedureRegistry()) == []


# -- opening banks --------------------------------------------------------------------------------


def test_no_argument_constructors_use_the_default_bank(bank_dir, tokmem_home, fake):
    import shutil

    default = tokmem_home / "banks" / "default"
    shutil.copytree(bank_dir, default)
    model, runnable = ChatTokMem(), TokMemRunnable()
    assert model.get_tokmem().path == default and runnable.get_tokmem().bank.names == ["shout", "add_numbers"]
    assert model.get_tokmem() is model.get_tokmem()  # opened once
    assert _shape(model.invoke("add 2 and 3").tool_calls) == [("add_numbers", {"a": 2, "b": 3})]
    assert ChatTokMem(bank=str(bank_dir)).get_tokmem().bank.names == ["shout", "add_numbers"]


# -- the real decoder (shapes only: the tiny model is random) -------------------------------------


def test_real_decoder_shapes(tm):
    cfg = {"max_calls": 2}
    r = TokMemRunnable(tokmem=tm, **cfg)
    one = r.invoke("shout hello")
    assert isinstance(one, list) and all(c["type"] == "tool_call" and c["name"] in ("shout", "add_numbers") for c in one)
    many = r.batch(["shout hello", "add 1 and 2"])
    assert len(many) == 2 and all(isinstance(x, list) for x in many)
    ai = ChatTokMem(tokmem=tm, max_tokens=8, **cfg).bind_tools([{"name": "shout", "parameters": {}}]).invoke("shout hello")
    assert isinstance(ai, AIMessage)
    assert all(c["name"] == "shout" for c in ai.tool_calls)
    assert ai.tool_calls or isinstance(ai.content, str)
    assert ai.usage_metadata["input_tokens"] > 0


# -- langchain's own standard tests (langchain-tests is imported above: its absence is a failure) ----


class TestChatTokMemStandard(ChatModelUnitTests):  # type: ignore[misc,valid-type]
    """The contract a LangChain user trusts, on a bank holding the tools the suite binds."""

    _tokmem: TokMem | None = None

    @pytest.fixture(autouse=True)
    def _standard_bank(self, tiny_backbone):
        if TestChatTokMemStandard._tokmem is None:
            from langchain_core.utils.function_calling import convert_to_openai_tool
            from langchain_tests.unit_tests.chat_models import TEST_PYDANTIC_MODELS

            from tests.unit._tiny import make_bank

            def my_adder(a: int, b: int) -> int:
                """Return the sum of two integers."""
                return a + b

            bank = make_bank(tiny_backbone.fingerprint, ["my_adder_tool", "my_adder", TEST_PYDANTIC_MODELS[0].__name__])
            TestChatTokMemStandard._tokmem = TokMem(tiny_backbone, bank)
            assert convert_to_openai_tool(my_adder)["function"]["name"] == "my_adder"

    @property
    def chat_model_class(self) -> type[ChatTokMem]:
        return ChatTokMem

    @property
    def chat_model_params(self) -> dict:
        return {"tokmem": TestChatTokMemStandard._tokmem}

    @property
    def has_tool_choice(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False


def test_real_decoder_streams_calls_before_the_decode_ends(tm, monkeypatch):
    finished: list[int] = []
    from tokmem_agents.decode.batch import Row

    plain = Row.result
    monkeypatch.setattr(Row, "result", lambda self, q, s: (finished.append(1), plain(self, q, s))[1])
    r = TokMemRunnable(tokmem=tm, require_call=True, max_calls=3, allowed_tools=["shout"])
    seen = []
    for chunk in r.stream("shout hello"):
        seen.append((len(finished), chunk))
    calls = [c for _, chunk in seen for c in chunk]
    assert calls, "require_call: at least one call"
    assert seen[0][0] == 0, "the first call arrives while the query is still decoding"
    assert _shape(calls) == _shape(r.invoke("shout hello"))
    streamed = asyncio.run(_collect(r.astream("shout hello")))
    assert [_shape(c) for c in streamed] == [_shape(c) for _, c in seen]
    chat = ChatTokMem(tokmem=tm, max_calls=3).bind_tools([{"name": "shout", "parameters": {}}], tool_choice="any")
    ai = chat.invoke("shout hello")
    merged = sum(chat.stream("shout hello"), AIMessageChunk(content=""))
    assert ai.content == "" and (ai.tool_calls or ai.invalid_tool_calls)
    assert _shape(merged.tool_calls) == _shape(ai.tool_calls)
    assert [i["args"] for i in merged.invalid_tool_calls] == [i["args"] for i in ai.invalid_tool_calls]


async def _collect(stream):
    return [c async for c in stream]


def test_real_decoder_final_answer_is_text(tm):
    model = ChatTokMem(tokmem=tm, answer_mode="generate", max_tokens=6)
    ai = AIMessage("", tool_calls=[{"name": "shout", "args": {"text": "hi"}, "id": "c1"}])
    final = model.invoke([HumanMessage("shout hi"), ai, ToolMessage("HI", tool_call_id="c1")])
    assert final.tool_calls == [] and final.invalid_tool_calls == [] and isinstance(final.content, str) and final.content
    assert final.usage_metadata["input_tokens"] > len(tm.backbone.prompt_ids("shout hi"))  # the whole conversation
