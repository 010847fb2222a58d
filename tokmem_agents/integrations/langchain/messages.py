"""LangChain messages as TokMem sees them: the query (the text of the last human message), tool
results turned into a deterministic summary, and a whole conversation rendered with the backbone's
chat template for a generated final answer."""

from __future__ import annotations

import json
from typing import Any, Sequence

from langchain_core.messages import BaseMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue

from ...errors import UserInputError
from ...model.chat import ChatTemplate

def to_messages(value: Any) -> list[BaseMessage]:
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


def query_of(messages: Sequence[BaseMessage]) -> str:
    """The text of the last human message: the query the memory tokens answer."""
    for m in reversed(messages):
        if m.type == "human":
            return m.text
    raise UserInputError("no human message to answer: pass a string or messages with a HumanMessage")


def _readable(text: str) -> str:
    """A tool result for people: ``k: v, ...`` for a flat JSON object, compact JSON or text otherwise."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return " ".join(text.split())[:500]
    if isinstance(value, dict) and value and all(not isinstance(v, (dict, list)) for v in value.values()):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))[:500]


def tool_results(messages: Sequence[BaseMessage]) -> tuple[str, list[str]] | None:
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
        lines.append(_result_line(getattr(m, "name", None) or call.get("name") or "tool", m))
    return question, lines


def _result_line(name: str, message: BaseMessage) -> str:
    """``name: result`` (or ``name failed: error``) for one tool message, readable for people."""
    body = _readable(message.text)
    return f"{name} failed: {body}" if getattr(message, "status", "success") == "error" else f"{name}: {body}"


ANSWER_INSTRUCTION = "Answer my question in one short sentence, using only these results."


def render_conversation(tokenizer: Any, messages: Sequence[BaseMessage]) -> str:
    """The conversation ending with tool results, as the backbone's chat template renders it, ready
    for the assistant's final answer (no tool descriptions anywhere).

    Calls are an assistant turn (``name({...})`` lines); results are ``tool`` turns when the template
    handles that role, else one user turn holding the results (``name: result`` lines) and
    :data:`ANSWER_INSTRUCTION`. Without a chat template, ``Role: text`` lines.
    """
    chat = ChatTemplate(tokenizer)
    tools = chat.knows_tool_role()
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
            if tools:
                turns.append({"role": "tool", "content": m.text, "name": name, "tool_call_id": getattr(m, "tool_call_id", "")})
            else:
                pending.append(_result_line(name, m))
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
    return chat.render(turns)


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the first of the ``stop`` strings (LangChain's ``stop``)."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return text if cut < 0 else text[:cut]
