"""LangChain integration: a learned bank as a Runnable, a chat model, and procedures as tools.

    from tokmem_agents.integrations.langchain import ChatTokMem, procedures_as_tools

    model = ChatTokMem()                                  # the default bank (TOKMEM_HOME, else shipped)
    tools = procedures_as_tools(model)                    # learned tools that have a procedure
    ai = model.bind_tools(tools).invoke("convert 3 miles to km")
    ai.tool_calls  # [{"name": "convert_units", "args": {...}, "id": "call_...", "type": "tool_call"}]

Tools live in memory tokens, so prompts never carry tool descriptions: binding tools only
restricts which learned tokens may fire, and binding a tool the bank has not learned is an
:class:`~tokmem_agents.errors.UnknownToolError`. The query is the text of the last human message
(system messages and earlier turns are not part of what the memory tokens were trained on).

TokMem decodes every call a query needs in one turn (compositional calls), so in the standard
loop (model -> tool calls -> ``ToolMessage``s -> model) the second model turn is the final text
answer. By default (``answer_mode="summary"``) it is a deterministic summary of the tool results,
one line per result: measured on the embedded 135M backbone, a generated answer dropped or invented
the numbers of the results in 3 of 4 probes. ``answer_mode="generate"`` lets the backbone phrase
the answer: the conversation is rendered with the backbone's chat template (the calls as an
assistant turn, the results as a ``tool`` turn when the template knows that role, else as a user
turn), memory tokens are disabled for that turn (still no tool descriptions), and it falls back to
the summary when nothing is generated.

The package holds one job per module: :mod:`.messages` (what a query and a conversation are),
:mod:`.tools` (bound tools and ``tool_choice`` to allowed tokens), :mod:`.shapes` (decoded calls to
LangChain's shapes), :mod:`.runnable`, :mod:`.chat_model`, :mod:`.served` (``ChatTokMemServed``: the
same over an export a serving engine serves) and :mod:`.procedures`.

Streaming hands out each call the moment its JSON closes (:meth:`TokMem.stream`). A call the decoder
had to stop early (token budget, degenerate repetition, time budget) is never passed off as a
normal call: ``ChatTokMem`` puts it in ``invalid_tool_calls`` (and ``TokMemRunnable`` leaves it out,
with a warning). Unparsable and truncated calls carry their raw argument text as a JSON *string* in
``args``, so LangChain's merging of streamed chunks cannot turn them into executable calls.
"""

from __future__ import annotations

from .chat_model import ChatTokMem
from .procedures import procedure_tool, procedures_as_tools
from .runnable import TokMemRunnable
from .served import ChatTokMemServed
from .tools import tool_name

__all__ = ["ChatTokMem", "ChatTokMemServed", "TokMemRunnable", "procedure_tool", "procedures_as_tools", "tool_name"]
