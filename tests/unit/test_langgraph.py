"""LangGraph's prebuilt ReAct agent on ``ChatTokMem`` and the catalog's procedures, on the tiny model.

The agent graph is LangGraph's own (``create_react_agent``: a model node, a ``ToolNode`` and
``tools_condition``); the bank holds catalog tools (their specs from ``tools/``) on the tiny random
model, and the tools are the real catalog procedures (:func:`procedures_as_tools` over the default
registry). Most tests script the bank's decode (``Decoder.stream``, as ``test_langchain.py`` does), so
the loop is exact: model -> tool calls -> ``ToolNode`` runs the procedures -> the model answers in
text -> end. The last test goes through the real decoder, where only the shapes are known.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langgraph")

import torch
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import GraphRecursionError
from langgraph.prebuilt import create_react_agent
from langgraph.warnings import LangGraphDeprecatedSinceV10

from tokmem_agents.bank.memory import LearnedTool, MemoryBank
from tokmem_agents.bank.records import ToolCall
from tokmem_agents.bank.specs import load_specs
from tokmem_agents.config import BankConfig, DecodeConfig
from tokmem_agents.decode.decoder import Decoder
from tokmem_agents.decode.results import DecodeResult
from tokmem_agents.integrations.langchain import ChatTokMem, procedures_as_tools
from tokmem_agents.tokmem import TokMem

CATALOG = Path(__file__).resolve().parents[2] / "tools"
TOOLS = ("calculate", "convert_units", "reverse_text")

SCRIPT: dict[str, list[ToolCall]] = {
    "Figure out 64 * 25 for me": [ToolCall("calculate", {"expression": "64 * 25"})],
    "convert 3 miles to km": [ToolCall("convert_units", {"value": 3, "from_unit": "mi", "to_unit": "km"})],
    "reverse 'abc' and work out 2 ** 10": [
        ToolCall("reverse_text", {"text": "abc"}),
        ToolCall("calculate", {"expression": "2 ** 10"}),
    ],
    "work out 1 / 0": [ToolCall("calculate", {"expression": "1 / 0"})],
}


@pytest.fixture(scope="module")
def tm(tiny_backbone) -> TokMem:
    """Catalog tools (their real specs) on the tiny model, with random rows: decodes are scripted."""
    specs = load_specs([CATALOG / f"{n}.json" for n in TOOLS])
    g = torch.Generator().manual_seed(0)
    bank = MemoryBank(
        tiny_backbone.fingerprint,
        BankConfig(coupled=True),
        [LearnedTool(spec=s) for s in specs],
        torch.randn(len(specs), tiny_backbone.fingerprint.hidden_size, generator=g),
    )
    return TokMem(tiny_backbone, bank)


class ScriptedDecode:
    """Stands in for ``Decoder.stream``: the scripted calls of a query (those allowed), else text;
    records the queries and config of every decode."""

    def __init__(self) -> None:
        self.decodes: list[tuple[list[str], DecodeConfig]] = []

    def __call__(self, queries: list[str], config: DecodeConfig | None = None, *, prompts: Any = None):
        config = config or DecodeConfig()
        self.decodes.append((list(queries), config))
        results = []
        for q in queries:
            calls = [c for c in SCRIPT.get(q, []) if config.allowed_tools is None or c.name in config.allowed_tools]
            results.append(DecodeResult(query=q, calls=calls, text="" if calls else f"no tool for {q}", prompt_tokens=9, generated_tokens=4))
        for i, res in enumerate(results):
            for event in res.events:
                yield dataclasses.replace(event, query_index=i)
        yield from results


@pytest.fixture()
def scripted(monkeypatch) -> ScriptedDecode:
    s = ScriptedDecode()
    monkeypatch.setattr(Decoder, "stream", lambda self, queries, config=None, *, prompts=None: s(queries, config, prompts=prompts))
    return s


def react_agent(model: Any, tools: list[Any], **kwargs: Any) -> Any:
    """LangGraph's prebuilt ReAct agent (deprecated since LangGraph 1.0 in favour of ``create_agent``
    of the ``langchain`` package, which this project does not depend on; 1.2 still ships it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangGraphDeprecatedSinceV10)
        return create_react_agent(model, tools, **kwargs)


def _kinds(messages: list[Any]) -> list[str]:
    return [m.type for m in messages]


def _shape(calls: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], c["args"]) for c in calls]


def test_react_agent_calls_a_catalog_procedure_and_answers(tm, scripted):
    tools = procedures_as_tools(tm)
    assert sorted(t.name for t in tools) == sorted(TOOLS)  # every learned tool has a catalog procedure
    agent = react_agent(ChatTokMem(tokmem=tm), tools)
    out = agent.invoke({"messages": [HumanMessage("Figure out 64 * 25 for me")]}, {"recursion_limit": 6})
    messages = out["messages"]
    assert _kinds(messages) == ["human", "ai", "tool", "ai"], messages
    ai, result, final = messages[1:]
    assert _shape(ai.tool_calls) == [("calculate", {"expression": "64 * 25"})]
    # the ToolNode ran the real catalog procedure on the call
    assert isinstance(result, ToolMessage) and result.status == "success"
    assert result.tool_call_id == ai.tool_calls[0]["id"] and result.name == "calculate"
    assert json.loads(result.content) == {"expression": "64 * 25", "result": 1600}
    assert result.artifact == {"expression": "64 * 25", "result": 1600}
    # the final answer is text summarising the result, and it was not decoded
    assert isinstance(final, AIMessage) and not final.tool_calls and not final.invalid_tool_calls
    assert final.content == "calculate: expression: 64 * 25, result: 1600"
    assert len(scripted.decodes) == 1
    (queries, config), = scripted.decodes
    # create_react_agent bound every tool: the query is the user's text only, all catalog tokens allowed
    assert queries == ["Figure out 64 * 25 for me"] and config.allowed_tools == frozenset(TOOLS)
    # every AIMessage carries usage and the model name
    assert ai.usage_metadata == {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13}
    assert final.usage_metadata == {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    assert ai.response_metadata["model_name"] == final.response_metadata["model_name"] == tm.backbone.model_id


def test_react_agent_runs_every_call_of_a_turn(tm, scripted):
    agent = react_agent(ChatTokMem(tokmem=tm), procedures_as_tools(tm))
    messages = agent.invoke({"messages": [HumanMessage("reverse 'abc' and work out 2 ** 10")]})["messages"]
    assert _kinds(messages) == ["human", "ai", "tool", "tool", "ai"], messages
    calls = messages[1].tool_calls
    assert [c["name"] for c in calls] == ["reverse_text", "calculate"]
    by_id = {m.tool_call_id: m for m in messages[2:4]}
    assert set(by_id) == {c["id"] for c in calls}
    assert json.loads(by_id[calls[0]["id"]].content)["text"] == "cba"
    assert json.loads(by_id[calls[1]["id"]].content)["result"] == 1024
    assert messages[-1].content.splitlines() == ["reverse_text: text: cba", "calculate: expression: 2 ** 10, result: 1024"]


def test_react_agent_answers_without_tools_and_reports_a_failed_procedure(tm, scripted):
    agent = react_agent(ChatTokMem(tokmem=tm), procedures_as_tools(tm))
    plain = agent.invoke({"messages": [HumanMessage("what is love")]})["messages"]
    assert _kinds(plain) == ["human", "ai"] and plain[-1].content == "no tool for what is love"
    failed = agent.invoke({"messages": [HumanMessage("work out 1 / 0")]})["messages"]
    assert _kinds(failed) == ["human", "ai", "tool", "ai"]
    assert failed[2].status == "error" and "division by zero" in failed[2].content
    assert failed[-1].content == "calculate failed: division by zero"


def test_react_agent_keeps_a_conversation_across_turns(tm, scripted):
    agent = react_agent(ChatTokMem(tokmem=tm), procedures_as_tools(tm), checkpointer=InMemorySaver())
    thread = {"configurable": {"thread_id": "t1"}}
    agent.invoke({"messages": [HumanMessage("Figure out 64 * 25 for me")]}, thread)
    messages = agent.invoke({"messages": [HumanMessage("convert 3 miles to km")]}, thread)["messages"]
    assert _kinds(messages) == ["human", "ai", "tool", "ai"] * 2
    # the second turn decodes its own question and answers from its own result only
    assert [q for qs, _ in scripted.decodes for q in qs] == ["Figure out 64 * 25 for me", "convert 3 miles to km"]
    assert _shape(messages[5].tool_calls) == [("convert_units", {"value": 3, "from_unit": "mi", "to_unit": "km"})]
    assert json.loads(messages[6].content) == {"value": 4.828032, "unit": "km"}
    assert messages[-1].content == "convert_units: value: 4.828032, unit: km"


def test_react_agent_streams_chunks_with_usage(tm, scripted):
    agent = react_agent(ChatTokMem(tokmem=tm), procedures_as_tools(tm))
    chunks = [
        (chunk, meta)
        for chunk, meta in agent.stream({"messages": [HumanMessage("Figure out 64 * 25 for me")]}, stream_mode="messages")
        if isinstance(chunk, AIMessageChunk)
    ]
    turns: dict[int, list[AIMessageChunk]] = {}
    for chunk, meta in chunks:
        assert meta["langgraph_node"] == "agent"
        turns.setdefault(meta["langgraph_step"], []).append(chunk)
    calls, answer = (turns[k] for k in sorted(turns))
    # the model streamed (one chunk for the call, one for the usage), not one whole message per turn
    assert len(calls) == 2 and calls[0].tool_call_chunks and calls[-1].chunk_position == "last"
    assert all(c.usage_metadata is not None for c in calls + answer)  # on every chunk
    merged = sum(calls[1:], calls[0])
    assert _shape(merged.tool_calls) == [("calculate", {"expression": "64 * 25"})]
    assert merged.usage_metadata == {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13}
    assert merged.response_metadata["model_name"] == tm.backbone.model_id
    assert "".join(c.text for c in answer) == "calculate: expression: 64 * 25, result: 1600"


def test_react_agent_async(tm, scripted):
    agent = react_agent(ChatTokMem(tokmem=tm), procedures_as_tools(tm))
    out = asyncio.run(agent.ainvoke({"messages": [HumanMessage("convert 3 miles to km")]}))
    messages = out["messages"]
    assert _kinds(messages) == ["human", "ai", "tool", "ai"]
    assert messages[-1].content == "convert_units: value: 4.828032, unit: km"


def test_react_agent_with_a_prebound_model_and_tool_choice(tm, scripted):
    tools = procedures_as_tools(tm, names=["calculate"])
    bound = ChatTokMem(tokmem=tm).bind_tools(tools, tool_choice="calculate")
    agent = react_agent(bound, tools)  # create_react_agent keeps the binding (same tools)
    messages = agent.invoke({"messages": [HumanMessage("Figure out 64 * 25 for me")]}, {"recursion_limit": 6})["messages"]
    assert _kinds(messages) == ["human", "ai", "tool", "ai"]
    cfg = scripted.decodes[0][1]
    assert cfg.allowed_tools == frozenset({"calculate"}) and cfg.require_call is True
    with pytest.raises(ValueError, match="Missing tools"):
        react_agent(bound, procedures_as_tools(tm, names=["convert_units"]))


def test_react_agent_on_the_real_decoder_ends_after_one_round(tm):
    """The random tiny model decodes nothing meaningful, but a call is required (``tool_choice="any"``)
    and the grammar makes it schema-valid: the procedure runs (or refuses), and the loop still ends,
    because the answer after tool results is text whatever ``tool_choice`` says."""
    tools = procedures_as_tools(tm)
    model = ChatTokMem(tokmem=tm, max_calls=1).bind_tools(tools, tool_choice="any")
    agent = react_agent(model, tools)
    try:
        messages = agent.invoke({"messages": [HumanMessage("Figure out 64 * 25 for me")]}, {"recursion_limit": 6})["messages"]
    except GraphRecursionError:  # pragma: no cover - the failure this test is about
        pytest.fail("the ReAct loop did not end: the model called tools again after their results")
    ai = messages[1]
    assert ai.type == "ai" and len(ai.tool_calls) + len(ai.invalid_tool_calls) == 1
    if ai.tool_calls:  # a complete call: the ToolNode ran it, then one text answer
        assert _kinds(messages) == ["human", "ai", "tool", "ai"]
        assert messages[2].tool_call_id == ai.tool_calls[0]["id"] and messages[2].status in ("success", "error")
        assert messages[-1].content.startswith(f"{ai.tool_calls[0]['name']}")
    else:  # a call the decoder had to cut is never executed: the graph ends on it
        assert _kinds(messages) == ["human", "ai"]
    final = messages[-1]
    assert isinstance(final, AIMessage) and not final.tool_calls and final.usage_metadata is not None
