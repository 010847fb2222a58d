"""A tool-calling agent with langchain-core only, running offline on the embedded model.

    python examples/langchain_agent.py "convert 3 miles to km" "what is 15% of 80?"
    python examples/langchain_agent.py --bank my-bank "reverse 'hello'"

The loop is LangChain's standard one: ``model.bind_tools(tools)`` -> ``invoke`` -> execute the
tool calls -> ``ToolMessage``s -> ``invoke`` -> final answer. The tools are the bank's learned
tools with a built-in procedure (``procedures/``), exposed as ``StructuredTool``s; the prompts carry
no tool descriptions - each tool is one learned memory token.
"""

from __future__ import annotations

import argparse
import sys

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.tools import BaseTool

from tokmem_agents.integrations.langchain import ChatTokMem, procedures_as_tools


def run_agent(model: ChatTokMem, tools: list[BaseTool], query: str, max_steps: int = 3) -> list[BaseMessage]:
    """Run the loop for one query; returns the conversation, ending with the final ``AIMessage``."""
    agent = model.bind_tools(tools)
    by_name = {t.name: t for t in tools}
    messages: list[BaseMessage] = [HumanMessage(query)]
    for _ in range(max_steps):
        ai = agent.invoke(messages)
        messages.append(ai)
        if not ai.tool_calls:
            break
        for call in ai.tool_calls:
            messages.append(by_name[call["name"]].invoke(call))  # a ToolMessage (errors included)
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="*", default=["convert 3 miles to km"])
    parser.add_argument("--bank", help="bank directory (default: $TOKMEM_HOME/banks/default, else the shipped bank)")
    parser.add_argument("--model", help="backbone (default: the one the bank was trained on)")
    parser.add_argument("--generate", action="store_true", help="let the backbone phrase the final answer")
    args = parser.parse_args(argv)

    model = ChatTokMem(bank=args.bank, model=args.model, answer_mode="generate" if args.generate else "summary")
    tools = procedures_as_tools(model.get_tokmem())
    if not tools:
        print("this bank has no learned tool with a procedure; learn some first, e.g.\n"
              "  tokmem-agent learn-tool tools/convert_units.json tools/percentage.json", file=sys.stderr)
        return 2
    print(f"tools: {', '.join(t.name for t in tools)}")
    for query in args.queries:
        print(f"\n> {query}")
        for m in run_agent(model, tools, query)[1:]:
            if m.type == "ai" and m.tool_calls:
                for c in m.tool_calls:
                    print(f"  call   {c['name']}({c['args']})")
            elif m.type == "tool":
                print(f"  result {m.content}")
            else:
                print(f"  answer {m.content}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
