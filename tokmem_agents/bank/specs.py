"""Tool specs: the OpenAI function format plus training examples, validated before any training.

A spec file holds one tool or a list of tools, each either ``{"name", "description", "parameters",
"examples"}`` or wrapped as ``{"type": "function", "function": {...}}`` (``examples`` may sit at
either level). Every example's arguments are validated against the tool's ``parameters`` schema.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jsonschema
import referencing
import referencing.exceptions
import referencing.jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import SpecError
from ..files import parse_json, reading

TOOL_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


class ToolExample(BaseModel):
    """One single-call training example: a query and the arguments it should produce."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str = Field(min_length=1)
    arguments: dict[str, Any]


class ToolSpec(BaseModel):
    """A validated tool: name, description, JSON Schema of its arguments, and examples."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    examples: tuple[ToolExample, ...] = ()

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        if not TOOL_NAME_RE.match(v):
            raise ValueError(
                "must start with a letter or '_' and contain only letters, digits, '_', '.', '-' (max 64)"
            )
        return v

    @field_validator("parameters")
    @classmethod
    def _check_parameters(cls, v: dict[str, Any]) -> dict[str, Any]:
        if v.get("type", "object") != "object":
            raise ValueError('must be a JSON Schema with "type": "object"')
        try:
            jsonschema.Draft202012Validator.check_schema(v)
        except jsonschema.SchemaError as e:
            raise ValueError(f"is not a valid JSON Schema: {e.message}") from None
        _check_refs(v)
        return v

    @property
    def schema(self) -> dict[str, Any]:
        """The arguments schema used for validation and constrained decoding.

        ``additionalProperties`` defaults to false for learned tools, so a decoded call can only use
        declared argument names.
        """
        s = copy.deepcopy(self.parameters)
        s.setdefault("type", "object")
        s.setdefault("properties", {})
        s.setdefault("additionalProperties", False)
        return s

    def validate_arguments(self, arguments: Any) -> list[str]:
        """Return the jsonschema error messages of ``arguments`` (empty when valid)."""
        validator = jsonschema.Draft202012Validator(
            self.schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        try:
            return [
                (f"{'/'.join(str(p) for p in e.absolute_path)}: " if e.absolute_path else "") + e.message
                for e in validator.iter_errors(arguments)
            ]
        except referencing.exceptions.Unresolvable as e:  # only reachable for specs built without parse_spec
            return [f"the tool's schema has an unresolvable $ref: {e}"]
        except RecursionError:
            return ["the arguments or the tool's schema are nested too deeply"]

    def to_openai(self) -> dict[str, Any]:
        """The tool in the OpenAI function-calling format, without examples."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict in the spec-file format (round-trips through :func:`parse_spec`)."""
        return self.model_dump(mode="json")


_SCHEMA_VALUE_KEYS = frozenset({"enum", "const", "default", "examples"})
_REF_BASE = "urn:tokmem:parameters"


def _refs(node: Any) -> Iterable[str]:
    """Every ``$ref`` string of a schema (not looking inside enum/const/default/examples values)."""
    if isinstance(node, Mapping):
        for k, val in node.items():
            if k == "$ref" and isinstance(val, str):
                yield val
            elif k not in _SCHEMA_VALUE_KEYS:
                yield from _refs(val)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _check_refs(schema: dict[str, Any]) -> None:
    """Every ``$ref`` must point inside the schema itself (nothing is ever fetched)."""
    refs = set(_refs(schema))
    if not refs:
        return
    resource = referencing.jsonschema.DRAFT202012.create_resource(schema)
    resolver = referencing.Registry().with_resource(_REF_BASE, resource).resolver(_REF_BASE)
    for ref in sorted(refs):
        try:
            resolver.lookup(ref)
        except referencing.exceptions.Unresolvable:
            raise ValueError(
                f"$ref {ref!r} does not resolve (only local references like '#/$defs/name' are supported)"
            ) from None


def order_like_schema(value: Any, schema: Any) -> Any:
    """Reorder object keys as the schema's ``properties`` list them (recursively).

    Training text is ``json.dumps`` of this, so it matches what constrained decoding can produce.
    """
    if isinstance(value, dict) and isinstance(schema, dict):
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        ordered = {k: order_like_schema(value[k], props[k]) for k in props if k in value}
        ordered.update({k: v for k, v in value.items() if k not in ordered})
        return ordered
    if isinstance(value, list) and isinstance(schema, dict) and isinstance(schema.get("items"), dict):
        return [order_like_schema(v, schema["items"]) for v in value]
    return value


def _where(source: str | None, name: str | None) -> str:
    parts = [p for p in (source, f"tool {name!r}" if name else None) if p]
    return ": ".join(parts) + ": " if parts else ""


def parse_spec(raw: Any, source: str | None = None) -> ToolSpec:
    """Validate one tool spec given as parsed JSON; raise :class:`SpecError` naming the field."""
    if not isinstance(raw, Mapping):
        raise SpecError(f"{_where(source, None)}a tool spec must be a JSON object, got {type(raw).__name__}")
    raw = dict(raw)
    if raw.get("type") == "function" or "function" in raw:
        examples = raw.get("examples")
        inner = raw.get("function")
        if not isinstance(inner, Mapping):
            raise SpecError(f'{_where(source, None)}field "function": expected an object')
        extra = set(raw) - {"type", "function", "examples"}
        if extra:
            raise SpecError(f"{_where(source, None)}unexpected field(s) {sorted(extra)} beside \"function\"")
        raw = dict(inner)
        if examples is not None:
            if "examples" in raw:
                raise SpecError(f'{_where(source, raw.get("name"))}"examples" given twice')
            raw["examples"] = examples
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    try:
        spec = ToolSpec.model_validate(raw)
    except RecursionError:
        raise SpecError(f"{_where(source, name)}the spec is nested too deeply") from None
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "<root>"
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
        raise SpecError(f'{_where(source, name)}field "{loc}": {msg}{more}') from None
    for i, ex in enumerate(spec.examples):
        problems = spec.validate_arguments(ex.arguments)
        if problems:
            raise SpecError(
                f'{_where(source, spec.name)}field "examples.{i}.arguments": {problems[0]} '
                f"(query: {ex.query[:60]!r})"
            )
    return spec


def load_spec_file(path: str | Path) -> list[ToolSpec]:
    """Read a spec file holding one tool or a list of tools."""
    path = Path(path)
    with reading(path, SpecError):
        text = path.read_text(encoding="utf-8")
    raw = parse_json(text, SpecError, str(path))
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise SpecError(f"{path}: the file holds an empty list of tools")
    specs = [parse_spec(item, source=f"{path}[{i}]" if isinstance(raw, list) else str(path)) for i, item in enumerate(items)]
    check_unique(specs, source=str(path))
    return specs


def load_specs(paths: Iterable[str | Path]) -> list[ToolSpec]:
    """Read and validate many spec files; tool names must be unique across them."""
    specs: list[ToolSpec] = []
    for p in paths:
        specs.extend(load_spec_file(p))
    check_unique(specs)
    return specs


def check_unique(specs: Sequence[ToolSpec], source: str | None = None) -> None:
    """Raise :class:`SpecError` if two specs share a name."""
    seen: set[str] = set()
    for s in specs:
        if s.name in seen:
            raise SpecError(f"{_where(source, s.name)}tool defined twice")
        seen.add(s.name)
