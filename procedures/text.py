"""Small text utilities: counting, case changes, reversing, find-and-replace."""

from __future__ import annotations

from typing import Any

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry

procedures = ProcedureRegistry()


@procedures.register("word_count")
def word_count(text: str) -> dict[str, Any]:
    """Words (whitespace-separated), characters and lines of a text."""
    return {"words": len(text.split()), "characters": len(text), "lines": len(text.splitlines()) or 1}


@procedures.register("change_case")
def change_case(text: str, case: str) -> dict[str, Any]:
    """The text in upper, lower or title case."""
    converters = {"upper": str.upper, "lower": str.lower, "title": str.title}
    if case not in converters:
        raise ProcedureError(f"case must be one of {', '.join(converters)}, got {case!r}")
    return {"text": converters[case](text)}


@procedures.register("reverse_text")
def reverse_text(text: str) -> dict[str, Any]:
    """The text with its characters in reverse order."""
    return {"text": text[::-1]}


@procedures.register("find_replace")
def find_replace(text: str, find: str, replace: str) -> dict[str, Any]:
    """Replace every occurrence of ``find`` in ``text`` by ``replace`` (case-sensitive)."""
    if not find:
        raise ProcedureError("find: the text to look for must not be empty")
    return {"text": text.replace(find, replace), "replacements": text.count(find)}
