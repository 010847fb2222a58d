"""Compositional synthesis (from the paper): multi-call training examples made from single-call
examples of different tools, joined with connectors ("Also, ", "Then, ", ...), 2-4 calls each.
This is how a bank learns composition from per-tool examples only."""

from __future__ import annotations

import random
from typing import Iterable, Mapping, Sequence

from ..bank.records import Example

CONNECTORS: tuple[str, ...] = ("Also, ", "Then, ", "After that, ", "And ", "Finally, ")


def _join_queries(queries: Sequence[str], rng: random.Random) -> str:
    parts = [queries[0].rstrip().rstrip(".?!")]
    for q in queries[1:]:
        conn = rng.choice(CONNECTORS)
        q = q.strip().rstrip(".?!")
        parts.append(conn + (q[:1].lower() + q[1:] if conn != "And " else q[:1].lower() + q[1:]))
    sep = [". "] * (len(parts) - 1)
    out = parts[0]
    for s, p in zip(sep, parts[1:]):
        out += (" " if p.startswith("And ") else s) + (p if not p.startswith("And ") else "and " + p[4:])
    return out + "."


def synthesize_compositional(
    pools: Mapping[str, Sequence[Example]],
    n: int,
    min_calls: int = 2,
    max_calls: int = 4,
    seed: int = 0,
    must_include: Iterable[str] | None = None,
) -> list[Example]:
    """Join single-call examples of *different* tools with connectors into multi-call examples.

    ``pools`` maps tool name to its single-call examples. With ``must_include``, every synthesised
    example contains at least one call of those tools (used when learning new tools, so old tools
    only appear as context for the new ones).
    """
    names = [k for k, v in pools.items() if v]
    if len(names) < 2 or n <= 0:
        return []
    rng = random.Random(seed)
    focus = [k for k in (must_include or names) if k in pools and pools[k]]
    if not focus:
        return []
    out: list[Example] = []
    for _ in range(n):
        k = rng.randint(min_calls, min(max_calls, len(names)))
        first = rng.choice(focus)
        others = rng.sample([x for x in names if x != first], k - 1)
        chosen = [first, *others]
        rng.shuffle(chosen)
        singles = [rng.choice(list(pools[t])) for t in chosen]
        query = _join_queries([s.query for s in singles], rng)
        out.append(Example(query, tuple(c for s in singles for c in s.calls)))
    return out
