"""``tools.lark``: the whole assistant turn of an export as one llguidance grammar.

::

    start: TEXT | call{1,max_calls}
    TEXT: /(?s:.*)/
    call: <[id_0]> args_0 | <[id_1]> args_1 | ...
    args_i: %json { schema_i + the training format's fixed whitespace }

Plain text can never spell a memory token (a special token is only reachable through its
``<[id]>``), so the first token chooses between answering and calling, as the in-process decoder's
``argmax`` rule does; after a call, another memory token or the end of the turn. The call rules are
the in-process decoder's own (:func:`~tokmem_agents.decode.grammar.call_rules`), so the same
arguments are reachable. Serving engines with llguidance structured output (vLLM's ``guidance``
backend) take this text as a Lark grammar.
"""

from __future__ import annotations

from typing import Any, Collection, Sequence

import llguidance

from ..decode.grammar import call_rules
from ..errors import SpecError

TEXT_RULE = "TEXT: /(?s:.*)/"


def turn_grammar(tools: Sequence[tuple[str, dict[str, Any], int]], ll: llguidance.LLTokenizer, max_calls: int) -> str:
    """The Lark text of ``TEXT | call{1,max_calls}`` for ``tools`` given as ``(name, schema, token id)``
    (``schema``: :attr:`~tokmem_agents.bank.specs.ToolSpec.schema`), checked by compiling it once with
    ``ll``: a grammar llguidance would reject is a :class:`SpecError` here, not at serving time."""
    if not tools:
        raise SpecError("an export needs at least one tool")
    call, rules, _ = call_rules(tools, ll, portable=True)  # serving engines pin older llguidance releases
    lark = "\n".join([f"start: TEXT | call{{1,{max_calls}}}", TEXT_RULE, call, *rules]) + "\n"
    matcher = llguidance.LLMatcher(ll, lark, log_level=0)
    if matcher.is_error():
        raise SpecError(f"the export grammar is rejected by llguidance: {matcher.get_error().splitlines()[0]}")
    return lark


def restrict(lark: str, token_ids: Collection[int] | None = None, require_call: bool = False) -> str:
    """``lark`` (a :func:`turn_grammar`) allowing only the memory tokens ``token_ids`` (None: all) and,
    with ``require_call``, no plain-text answer: what a served model's ``bind_tools`` and
    ``tool_choice`` send per request, without a tokenizer at hand."""
    lines = lark.splitlines()
    try:
        k = next(i for i, line in enumerate(lines) if line.startswith("call: "))
        s = next(i for i, line in enumerate(lines) if line.startswith("start: "))
    except StopIteration:
        raise SpecError("not a tokmem turn grammar (no 'start:' or 'call:' rule)") from None
    if token_ids is not None:
        keep = [alt for alt in lines[k][len("call: "):].split(" | ") if int(alt.split("]>", 1)[0][2:]) in set(token_ids)]
        if not keep:
            raise SpecError("no memory token left to call")
        lines[k] = "call: " + " | ".join(keep)
    if require_call:
        lines[s] = lines[s].replace("start: TEXT | ", "start: ")
    return "\n".join(lines) + "\n"
