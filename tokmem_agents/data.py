"""Examples in the compositional JSONL format, their loading, and compositional synthesis.

One line per example: ``{"query": str, "calls": [{"name": str, "arguments": {...}}, ...]}``.
An empty ``calls`` list means the query needs no tool. Training and evaluation share the format.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .errors import DataError
from .specs import ToolSpec
from .storage import reading

CONNECTORS: tuple[str, ...] = ("Also, ", "Then, ", "After that, ", "And ", "Finally, ")


@dataclass(frozen=True)
class ToolCall:
    """One call of a tool: its name and its (parsed JSON) arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}


@dataclass(frozen=True)
class Example:
    """A query and the ordered calls it needs (empty: no tool)."""

    query: str
    calls: tuple[ToolCall, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "calls": [c.to_json() for c in self.calls]}

    @property
    def tool_names(self) -> list[str]:
        return [c.name for c in self.calls]


def parse_example(raw: Any, where: str = "") -> Example:
    """Validate one parsed JSONL record; raise :class:`DataError` naming the field."""
    pre = f"{where}: " if where else ""
    if not isinstance(raw, Mapping):
        raise DataError(f"{pre}expected a JSON object, got {type(raw).__name__}")
    extra = set(raw) - {"query", "calls"}
    if extra:
        raise DataError(f"{pre}unexpected field(s) {sorted(extra)}; expected \"query\" and \"calls\"")
    query = raw.get("query")
    if not isinstance(query, str) or not query.strip():
        raise DataError(f'{pre}field "query": expected a non-empty string')
    calls_raw = raw.get("calls")
    if not isinstance(calls_raw, list):
        raise DataError(f'{pre}field "calls": expected a list (empty for "no tool")')
    calls = []
    for j, c in enumerate(calls_raw):
        if not isinstance(c, Mapping) or set(c) - {"name", "arguments"}:
            raise DataError(f'{pre}field "calls.{j}": expected an object with "name" and "arguments"')
        if not isinstance(c.get("name"), str) or not c["name"]:
            raise DataError(f'{pre}field "calls.{j}.name": expected a non-empty string')
        args = c.get("arguments", {})
        if not isinstance(args, Mapping):
            raise DataError(f'{pre}field "calls.{j}.arguments": expected a JSON object')
        calls.append(ToolCall(c["name"], dict(args)))
    return Example(query, tuple(calls))


def load_jsonl(path: str | Path) -> list[Example]:
    """Read a JSONL file of examples (blank lines allowed); errors name the file and line."""
    path = Path(path)
    with reading(path, DataError):
        text = path.read_text(encoding="utf-8")
    out = []
    # split on "\n" only: str.splitlines() would also split inside strings holding U+2028, U+0085, ...
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{n}: invalid JSON: {e.msg} (column {e.colno})") from None
        except RecursionError:
            raise DataError(f"{path}:{n}: invalid JSON: nested too deeply") from None
        out.append(parse_example(raw, where=f"{path}:{n}"))
    if not out:
        raise DataError(f"{path}: no examples")
    return out


def check_examples(examples: Sequence[Example], specs: Mapping[str, ToolSpec], source: str = "") -> None:
    """Every call must name a known tool and carry arguments valid for its schema."""
    pre = f"{source}: " if source else ""
    for i, ex in enumerate(examples):
        for j, c in enumerate(ex.calls):
            spec = specs.get(c.name)
            if spec is None:
                raise DataError(f"{pre}example {i + 1} ({ex.query[:50]!r}): call {j + 1} names unknown tool {c.name!r}")
            problems = spec.validate_arguments(c.arguments)
            if problems:
                raise DataError(
                    f"{pre}example {i + 1} ({ex.query[:50]!r}): tool {c.name!r} arguments: {problems[0]}"
                )


def spec_examples(spec: ToolSpec) -> list[Example]:
    """The single-call examples of a spec as :class:`Example` objects."""
    return [Example(e.query, (ToolCall(spec.name, dict(e.arguments)),)) for e in spec.examples]


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
