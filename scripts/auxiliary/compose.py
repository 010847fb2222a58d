"""Multi-call examples: two to four single-call queries joined into one."""

from __future__ import annotations

import random
from typing import Any

from tokmem_agents.bank.records import Example, ToolCall

from .fields import Style
from .tools import _render_single, _starts_with_value, _string_values, _Tool

CONNECTORS_MID = (". Also, ", ". Then, ", " and then ", "; after that, ", ". After that, ", ", then ", ". Next, ",
                  ". Oh, and ", ". Plus, ", ". And ", ". Once that's done, ", ". In addition, ")
CONNECTORS_LAST = CONNECTORS_MID + (". Finally, ", ". Lastly, ", " and finally ")


def _lower_first(query: str, args: dict[str, Any]) -> str:
    if _starts_with_value(query, args) or query.startswith(("I ", "I'")):
        return query
    return query[:1].lower() + query[1:]


def _unstop(query: str, args: dict[str, Any], style: Style) -> str:
    """``query`` without its final stop, unless (v2) that ends a value ("... request: Thanks for covering!")."""
    query = query.strip()
    if style == "v2" and any(query.endswith(s) for s in _string_values(args)):
        return query
    return query.rstrip(".?!")


def _join_calls(parts: list[tuple[str, dict[str, Any]]], rng: random.Random, style: Style) -> str:
    out = _unstop(*parts[0], style)
    for i, (q, args) in enumerate(parts[1:], start=1):
        conn = rng.choice(CONNECTORS_LAST if i == len(parts) - 1 else CONNECTORS_MID)
        out += conn + _lower_first(_unstop(q, args, style), args)
    if style == "v2" and out[-1:] in ".?!":  # a value's own final stop ends the query
        return out
    return out + rng.choice((".", ".", ".", ""))


def _make_multi(tools: list[_Tool], n: int, seed: int, style: Style) -> list[Example]:
    rng = random.Random(f"aux-multi-{seed}")
    if len(tools) < 2:
        return []
    out: list[Example] = []
    seen: set[str] = set()
    while len(out) < n:
        k = rng.choices((2, 3, 4), weights=(50, 32, 18))[0]
        k = min(k, len(tools))
        chosen = rng.sample(tools, k)
        if rng.random() < 0.08:  # occasionally the same tool twice (different arguments)
            j = rng.randrange(1, k)
            chosen[j] = chosen[j - 1]
        parts = [_render_single(t, rng, inner=True) for t in chosen]
        query = _join_calls(parts, rng, style)
        if query in seen:
            continue
        seen.add(query)
        out.append(Example(query, tuple(ToolCall(t.name, a) for t, (_, a) in zip(chosen, parts))))
    return out
