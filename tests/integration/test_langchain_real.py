"""LangChain integration on the embedded model: the session's 4-tool bank (tests/integration/conftest.py,
trained once and shared with test_core_acceptance) called through LangChain, and the shipped default
bank with its built-in procedures for the out-of-the-box agent.

No training happens here; the decodes take about a minute on 2 busy CPU cores.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from tokmem_agents import DecodeConfig, load_jsonl
from tokmem_agents.errors import UnknownToolError
from tokmem_agents.integrations.langchain import ChatTokMem, TokMemRunnable, procedures_as_tools
from tokmem_agents.registry import ProcedureRegistry

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
HELD_OUT = load_jsonl(DATA / "heldout.jsonl")
# two single-call queries per tool and two two-call queries (argument values unseen in training)
PICKED = [HELD_OUT[i] for i in (0, 3, 8, 11, 16, 19, 24, 27, 32, 35)]
MIN_NAMES_RIGHT = 7  # of 10; the core acceptance guard is 80% tool-sequence accuracy over all 40
MIN_ARGS_RIGHT = 4  # of 10; the core acceptance guard is 50% full-call exact match


@pytest.fixture(scope="module")
def tm(four_tool_bank):
    return four_tool_bank[0]


@pytest.fixture(scope="module")
def batched(tm) -> list[list[dict[str, Any]]]:
    """The picked held-out queries through ``TokMemRunnable.batch`` (one batched decode)."""
    return TokMemRunnable(tokmem=tm).batch([e.query for e in PICKED])


def _shape(calls: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], c["args"]) for c in calls]


def _spec_tool(tm, name: str) -> dict[str, Any]:
    return tm.bank.specs[name].to_openai()


def test_runnable_calls_the_right_tools_on_held_out_queries(tm, batched):
    got = [_shape(calls) for calls in batched]
    gold = [[(c.name, dict(c.arguments)) for c in e.calls] for e in PICKED]
    names = sum([n for n, _ in g] == [n for n, _ in w] for g, w in zip(got, gold))
    exact = sum(g == w for g, w in zip(got, gold))
    print({"names_right": names, "args_right": exact, "of": len(PICKED)})
    assert names >= MIN_NAMES_RIGHT, got
    assert exact >= MIN_ARGS_RIGHT, got
    # the integration adds nothing and drops nothing: the core decoder's executable calls, same order
    core = tm.call_batch([e.query for e in PICKED], DecodeConfig())
    assert got == [[(c.name, dict(c.arguments)) for c in r.valid_calls] for r in core]
    assert all(c["type"] == "tool_call" and c["id"].startswith("call_") for calls in batched for c in calls)


def test_batch_equals_invoke_for_runnable_and_chat(tm, batched):
    runnable, chat = TokMemRunnable(tokmem=tm), ChatTokMem(tokmem=tm)
    for e, calls in list(zip(PICKED, batched))[::3]:
        assert _shape(runnable.invoke(e.query)) == _shape(calls), e.query
    messages = chat.batch([e.query for e in PICKED[:4]])
    assert [_shape(m.tool_calls) for m in messages] == [_shape(c) for c in batched[:4]]
    assert all(isinstance(m, AIMessage) and m.content == "" for m in messages if m.tool_calls)


def test_stream_yields_each_call_and_adds_up_to_invoke(tm):
    two = PICKED[-2].query  # weather + timer
    runnable = TokMemRunnable(tokmem=tm)
    chunks = list(runnable.stream(two))
    assert all(len(c) <= 1 for c in chunks)
    assert _shape([c for chunk in chunks for c in chunk]) == _shape(runnable.invoke(two))
    chat = ChatTokMem(tokmem=tm)
    merged = sum(chat.stream(two), AIMessageChunk(content=""))
    assert _shape(merged.tool_calls) == _shape(chat.invoke(two).tool_calls)


def test_bound_tools_restrict_tokens_and_unknown_tools_fail(tm):
    chat = ChatTokMem(tokmem=tm)
    only_timer = chat.bind_tools([_spec_tool(tm, "set_timer")])
    ai = only_timer.invoke("What's the weather in Amsterdam?")
    assert all(c["name"] == "set_timer" for c in ai.tool_calls + ai.invalid_tool_calls)
    with pytest.raises(UnknownToolError, match=r"'convert_units'.*learn-tool"):
        chat.bind_tools([{"name": "convert_units", "parameters": {}}])


def test_tool_choice_any_forces_a_call(tm):
    tools = [_spec_tool(tm, n) for n in tm.bank.names]
    ai = ChatTokMem(tokmem=tm).bind_tools(tools, tool_choice="any").invoke("Hello there, how are you today?")
    assert ai.content == "" and (ai.tool_calls or ai.invalid_tool_calls)
    assert ai.response_metadata["finish_reason"] in ("tool_calls", "stop")
    timer = ChatTokMem(tokmem=tm).bind_tools(tools, tool_choice="set_timer").invoke("Set a timer for 11 minutes")
    assert [c["name"] for c in timer.tool_calls + timer.invalid_tool_calls][:1] == ["set_timer"]


def _loop(model: Any, tools: list[Any], query: str) -> list[Any]:
    by_name = {t.name: t for t in tools}
    agent = model.bind_tools(tools)
    messages: list[Any] = [HumanMessage(query)]
    for _ in range(3):
        ai = agent.invoke(messages)
        messages.append(ai)
        if not ai.tool_calls:
            break
        messages.extend(by_name[c["name"]].invoke(c) for c in ai.tool_calls)
    return messages


@pytest.mark.parametrize("answer_mode", ["summary", "generate"])
def test_agent_loop_with_procedures_ends_with_a_final_message(tm, answer_mode):
    registry = ProcedureRegistry()

    @registry.register("set_timer")
    def _set_timer(minutes: int) -> dict[str, Any]:
        return {"minutes": minutes, "status": "started"}

    @registry.register("get_weather")
    def _get_weather(city: str) -> dict[str, Any]:
        return {"city": city, "forecast": "sunny", "celsius": 21}

    tools = procedures_as_tools(tm, registry)
    assert sorted(t.name for t in tools) == ["get_weather", "set_timer"]
    messages = _loop(ChatTokMem(tokmem=tm, answer_mode=answer_mode), tools, "Set a timer for 11 minutes")
    calls = messages[1].tool_calls
    assert calls and calls[0]["name"] == "set_timer", messages
    # human, the calls, one ToolMessage per call, the final answer
    assert [m.type for m in messages] == ["human", "ai", *["tool"] * len(calls), "ai"], messages
    assert all(m.status == "success" for m in messages[2:-1])
    final = messages[-1]
    assert isinstance(final, AIMessage) and not final.tool_calls and not final.invalid_tool_calls
    assert isinstance(final.content, str) and final.content.strip()
    if answer_mode == "summary":
        assert "status: started" in final.content
    print(answer_mode, repr(final.content))


# -- the shipped default bank: the agent works out of the box -----------------------------------------


def test_default_bank_converts_miles_out_of_the_box(tokmem_home):
    ai = ChatTokMem().invoke("convert 3 miles to km")
    print(ai.tool_calls, ai.invalid_tool_calls)
    assert [c["name"] for c in ai.tool_calls] == ["convert_units"]
    args = ai.tool_calls[0]["args"]
    assert args["value"] == 3 and args["to_unit"] == "km"


def test_default_bank_agent_loop_with_built_in_procedures(tokmem_home):
    model = ChatTokMem()
    tools = procedures_as_tools(model)
    assert "convert_units" in {t.name for t in tools}
    messages = _loop(model, tools, "convert 3 miles to km")
    assert [m.type for m in messages] == ["human", "ai", "tool", "ai"], messages  # one call, as checked above
    assert messages[2].status == "success" and json.loads(messages[2].content)["unit"] == "km"
    assert messages[-1].content.startswith("convert_units: value: ")


def test_example_agent_runs_offline(tokmem_home, capsys):
    spec = importlib.util.spec_from_file_location("langchain_agent", ROOT / "examples" / "langchain_agent.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.main(["convert 3 miles to km"]) == 0
    out = capsys.readouterr().out
    assert "call   convert_units" in out and "result " in out and "answer convert_units: " in out
