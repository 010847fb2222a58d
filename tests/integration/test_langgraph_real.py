"""LangGraph's prebuilt ReAct agent on the embedded model: the shipped catalog bank (an empty
TOKMEM_HOME, so :meth:`TokMem.open` falls back to it) and the built-in catalog procedures.

No training; the model opens once for the module (~20 s on 2 CPU cores) and each agent run is one
decode of about a second (plus one for the generated answer).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langgraph")

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langgraph.prebuilt import create_react_agent
from langgraph.warnings import LangGraphDeprecatedSinceV10

from tokmem_agents import load_jsonl
from tokmem_agents.integrations.langchain import ChatTokMem, procedures_as_tools
from tokmem_agents.tokmem import TokMem

pytestmark = pytest.mark.integration

SINGLE = Path(__file__).resolve().parents[2] / "tools" / "eval" / "single.jsonl"
QUERY = "Figure out 64 * 25 for me"


@pytest.fixture(scope="module")
def tm(tmp_path_factory) -> Iterator[TokMem]:
    """The shipped catalog bank on the embedded model, opened from an empty TOKMEM_HOME."""
    home = tmp_path_factory.mktemp("tokmem-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOKMEM_HOME", str(home))
        tm = TokMem.open()
        assert tm.path == home / "banks" / "default" and not tm.path.exists()  # nothing there: the shipped bank
        yield tm


def react_agent(model: Any, tools: list[Any]) -> Any:
    """LangGraph's prebuilt ReAct agent (deprecated since LangGraph 1.0 in favour of ``create_agent``
    of the ``langchain`` package, which this project does not depend on; 1.2 still ships it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangGraphDeprecatedSinceV10)
        return create_react_agent(model, tools)


def test_the_query_is_a_catalog_eval_query():
    (gold,) = [e for e in load_jsonl(SINGLE) if e.query == QUERY]
    assert [(c.name, dict(c.arguments)) for c in gold.calls] == [("calculate", {"expression": "64 * 25"})]


@pytest.mark.parametrize("answer_mode", ["summary", "generate"])
def test_react_agent_calls_the_catalog_procedure_and_answers(tm, answer_mode):
    tools = procedures_as_tools(tm)
    assert "calculate" in {t.name for t in tools}
    agent = react_agent(ChatTokMem(tokmem=tm, answer_mode=answer_mode), tools)
    messages = agent.invoke({"messages": [HumanMessage(QUERY)]}, {"recursion_limit": 6})["messages"]
    print(answer_mode, messages[-1].content)
    assert [m.type for m in messages] == ["human", "ai", "tool", "ai"], messages
    ai, result, final = messages[1:]
    assert isinstance(ai, AIMessage)
    assert [(c["name"], c["args"]) for c in ai.tool_calls] == [("calculate", {"expression": "64 * 25"})]
    assert isinstance(result, ToolMessage) and result.status == "success" and result.tool_call_id == ai.tool_calls[0]["id"]
    assert json.loads(result.content) == {"expression": "64 * 25", "result": 1600}
    assert isinstance(final, AIMessage) and not final.tool_calls and not final.invalid_tool_calls
    assert isinstance(final.content, str) and final.content.strip()
    if answer_mode == "summary":
        assert final.content == "calculate: expression: 64 * 25, result: 1600"
    for m in (ai, final):
        assert m.usage_metadata is not None and m.response_metadata["model_name"] == tm.backbone.model_id
    assert ai.usage_metadata["input_tokens"] > 0 and ai.usage_metadata["output_tokens"] > 0


def test_react_agent_streams_the_call_then_the_answer(tm):
    agent = react_agent(ChatTokMem(tokmem=tm), procedures_as_tools(tm))
    turns: dict[int, list[AIMessageChunk]] = {}
    for chunk, meta in agent.stream({"messages": [HumanMessage(QUERY)]}, stream_mode="messages"):
        if isinstance(chunk, AIMessageChunk):
            turns.setdefault(meta["langgraph_step"], []).append(chunk)
    calls, answer = (turns[k] for k in sorted(turns))
    assert all(c.usage_metadata is not None for c in calls + answer)
    merged = sum(calls[1:], calls[0])
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("calculate", {"expression": "64 * 25"})]
    assert merged.usage_metadata["input_tokens"] > 0 and merged.response_metadata["model_name"] == tm.backbone.model_id
    assert "".join(c.text for c in answer) == "calculate: expression: 64 * 25, result: 1600"
