"""The records of tool use: a :class:`ToolCall`, an :class:`Example` (a query and its calls), and
their JSONL format.

One line per example: ``{"query": str, "calls": [{"name": str, "arguments": {...}}, ...]}``.
An empty ``calls`` list means the query needs no tool. Training and evaluation share the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import DataError
from ..files import parse_json, reading
from .specs import ToolSpec


def query_key(query: str) -> str:
    """What makes two queries the same (negatives, replay): case and surrounding whitespace ignored."""
    return query.strip().lower()


@dataclass(frozen=True)
class ToolCall:
    """One call of a tool: its name and its (parsed JSON) arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"name", "arguments"}``, as in the JSONL format."""
        return {"name": self.name, "arguments": self.arguments}


@dataclass(frozen=True)
class Example:
    """A query and the ordered calls it needs (empty: no tool)."""

    query: str
    calls: tuple[ToolCall, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """One JSONL record: ``{"query", "calls"}``."""
        return {"query": self.query, "calls": [c.to_json() for c in self.calls]}

    @property
    def tool_names(self) -> list[str]:
        """The names of the calls, in order (repeats kept)."""
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
        out.append(parse_example(parse_json(line, DataError, f"{path}:{n}", one_line=True), where=f"{path}:{n}"))
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
