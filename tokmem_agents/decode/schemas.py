"""Tool schemas as llguidance JSON grammars: closing objects, the training format's fixed whitespace,
and the fallbacks for keywords llguidance cannot enforce (see :mod:`.grammar` for what is enforced)."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any, Iterator

import llguidance

from ..errors import SpecError

#: llguidance JSON options that reproduce ``json.dumps(arguments)`` with default separators, in the
#: form every llguidance >= 1.0 reads (serving engines pin older releases than ours: vLLM 0.32, < 1.8).
PORTABLE_JSON_FORMAT: dict[str, Any] = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}


def _json_format() -> dict[str, Any]:
    """:data:`PORTABLE_JSON_FORMAT`, plus accepting ``\\uXXXX`` escapes of printable characters
    (``json.dumps`` with ``ensure_ascii=True``) where the installed llguidance knows that option."""
    wider = {**PORTABLE_JSON_FORMAT, "json_allow_general_unicode_escapes": True}
    grammar = llguidance.LLMatcher.grammar_from_json_schema({"type": "string", "x-guidance": wider})
    return wider if not llguidance.LLMatcher.validate_grammar_with_warnings(grammar)[0] else dict(PORTABLE_JSON_FORMAT)


JSON_FORMAT: dict[str, Any] = _json_format()


_VALUE_KEYS = frozenset({"const", "enum", "default", "examples"})
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"})
_SUBSCHEMAS = frozenset({"items", "prefixItems", "anyOf", "oneOf", "additionalProperties", "contains"})


def _rewrite(schema: Any, close: bool, strip_patterns: bool) -> Any:
    """A copy of ``schema`` with objects closed (``close``) and/or ``pattern`` keywords dropped."""
    if isinstance(schema, list):
        return [_rewrite(s, close, strip_patterns) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if strip_patterns and key == "pattern" and isinstance(value, str):
            continue
        if key in _VALUE_KEYS:
            out[key] = copy.deepcopy(value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _rewrite(v, close, strip_patterns) for k, v in value.items()}
        elif key == "allOf":  # closing allOf branches would make their intersection unsatisfiable
            out[key] = _rewrite(value, False, strip_patterns)
        elif strip_patterns or (close and key in _SUBSCHEMAS):
            out[key] = _rewrite(value, close, strip_patterns)
        else:
            out[key] = copy.deepcopy(value)
    if close and "properties" in out and "additionalProperties" not in out and "patternProperties" not in out:
        out["additionalProperties"] = False
    return out


def close_objects(schema: Any) -> Any:
    """Copy of ``schema`` where every object that declares ``properties`` gets
    ``additionalProperties: false`` unless it says otherwise (``allOf`` branches are left alone,
    closing them would make their intersection unsatisfiable)."""
    return _rewrite(schema, close=True, strip_patterns=False)


def _strip_patterns(schema: Any) -> Any:
    """Copy of ``schema`` without ``pattern`` keywords (last resort for regexes llguidance rejects)."""
    return _rewrite(schema, close=False, strip_patterns=True)


MAX_LITERAL_INT = 2**62
"""Const/enum integers beyond this are refused (llguidance 1.x crashes near -2**63)."""
_NOT_SCHEMAS = frozenset({"default", "examples", "description", "title", "$comment", "x-guidance"})


def _literals(schema: Any) -> Iterator[str | int]:
    """Values the grammar spells verbatim: property names, const/enum strings (and keys), integers."""
    if isinstance(schema, list):
        for item in schema:
            yield from _literals(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("const", "enum"):
                yield from _values(value if key == "enum" and isinstance(value, list) else [value])
            elif key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(value, dict):
                if key == "properties":
                    yield from value
                yield from _literals(list(value.values()))
            elif key not in _NOT_SCHEMAS:
                yield from _literals(value)


def _values(values: list[Any]) -> Iterator[str | int]:
    for v in values:
        if isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)):
            yield v
        elif isinstance(v, dict):
            yield from v
            yield from _values(list(v.values()))
        elif isinstance(v, list):
            yield from _values(v)


@functools.lru_cache(maxsize=1024)
def compile_schema(schema_json: str, portable: bool = False) -> tuple[str, tuple[str, ...]]:
    """Turn a tool schema (as JSON text) into the schema text inlined in the grammar.

    Returns ``(schema_text, unenforced)``: the schema closed with :func:`close_objects` and carrying
    :data:`JSON_FORMAT` (``portable``: :data:`PORTABLE_JSON_FORMAT`, for grammars another llguidance
    reads), and the reasons it had to be relaxed (empty when llguidance enforces it fully). Tries
    strict mode, then llguidance's lenient mode (unsupported keywords ignored, oneOf as anyOf), then
    lenient without ``pattern``. Raises :class:`ValueError` if none compiles.
    """
    fmt = PORTABLE_JSON_FORMAT if portable else JSON_FORMAT
    base = close_objects(json.loads(schema_json))
    if not isinstance(base, dict):
        raise ValueError(f"a tool schema must be a JSON object, got {type(base).__name__}")
    base.pop("x-guidance", None)
    attempts = [
        ({**base, "x-guidance": fmt}, ()),
        ({**base, "x-guidance": {**fmt, "lenient": True}}, ()),
        ({**_strip_patterns(base), "x-guidance": {**fmt, "lenient": True}}, ("pattern not enforced",)),
    ]
    first_error = ""
    for schema, extra in attempts:
        grammar = llguidance.LLMatcher.grammar_from_json_schema(schema)
        is_error, messages = llguidance.LLMatcher.validate_grammar_with_warnings(grammar)
        if not is_error:
            return json.dumps(schema), tuple(messages) + extra
        first_error = first_error or messages[0]
    raise ValueError(first_error.splitlines()[0] if first_error else "llguidance rejected the schema")


def check_literals(name: str, schema: Any, ll_tokenizer: llguidance.LLTokenizer) -> None:
    """Every value the grammar spells verbatim (property names, const/enum strings) must be writable
    with the tokenizer, and const/enum integers within +-:data:`MAX_LITERAL_INT`; else a :class:`SpecError`."""
    for literal in _literals(schema):
        if isinstance(literal, int):
            if abs(literal) >= MAX_LITERAL_INT:
                raise SpecError(f"tool {name!r}: parameters: const/enum integer {literal} is outside +-2**62")
            continue
        raw = json.dumps(literal, ensure_ascii=False).encode("utf-8", "surrogatepass")  # as spelled in JSON
        if ll_tokenizer.decode_bytes(ll_tokenizer.tokenize_bytes(raw)) != raw:
            raise SpecError(
                f"tool {name!r}: parameters: the string {literal!r} cannot be written with this tokenizer"
                " (it lacks some of its bytes): use another const/enum value or property name"
            )
