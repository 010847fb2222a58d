"""``tokmem.json``: what an exported checkpoint's memory tokens are, and reading calls back from text.

An export (:mod:`.checkpoint`) adds one special token ``<|tool:NAME|>`` per tool to the tokenizer.
The manifest beside the weights lists them (name, token, id, spec), the end-of-turn ids, and what
the export does not carry. :meth:`ExportManifest.parse` turns what a serving engine returns (the
memory tokens rendered as text, each followed by its JSON arguments) into :class:`ToolCall` s.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..bank.memory import token_label
from ..bank.records import ToolCall
from ..bank.specs import TOOL_NAME_RE, ToolSpec, parse_spec
from ..errors import BankError, SpecError
from ..files import parse_json, reading

MANIFEST_FILE = "tokmem.json"
GRAMMAR_FILE = "tools.lark"
EXPORT_KIND = "tokmem-export"
EXPORT_FORMAT = 1
_TOKEN_RE = re.compile(re.escape(token_label("@")).replace("@", "(" + TOOL_NAME_RE.pattern.strip("^$") + ")"))


@dataclass(frozen=True)
class ExportedTool:
    """One memory token of an export: its tool, its special token and the token's id."""

    spec: ToolSpec
    token_id: int

    @property
    def token(self) -> str:
        """The special token's text, ``<|tool:NAME|>``."""
        return token_label(self.spec.name)


@dataclass(frozen=True)
class ParsedTurn:
    """An assistant turn read back from text: the calls in order, or the plain text when there are none.

    ``errors`` names each call whose arguments are not one JSON object valid for its tool's schema
    (left out of ``calls``)."""

    calls: list[ToolCall]
    text: str
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExportManifest:
    """The contents of ``tokmem.json``."""

    tools: tuple[ExportedTool, ...]
    end_token_ids: tuple[int, ...]
    backbone: dict[str, Any]
    not_carried: tuple[str, ...] = ()
    """What the bank decides that a plain greedy decode under ``tools.lark`` cannot (see the README)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to ``tokmem.json``."""
        return {
            "kind": EXPORT_KIND,
            "format_version": EXPORT_FORMAT,
            "tools": [{"name": t.spec.name, "token": t.token, "token_id": t.token_id, "spec": t.spec.to_json()} for t in self.tools],
            "end_token_ids": list(self.end_token_ids),
            "backbone": self.backbone,
            "not_carried": list(self.not_carried),
        }

    @classmethod
    def from_json(cls, raw: Any, where: str) -> "ExportManifest":
        """Parse ``tokmem.json``; anything malformed is a :class:`BankError` naming ``where``."""
        if not isinstance(raw, dict) or raw.get("kind") != EXPORT_KIND:
            raise BankError(f"{where}: not a tokmem export manifest")
        if raw.get("format_version") != EXPORT_FORMAT:
            raise BankError(f"{where}: export format {raw.get('format_version')!r}, this version reads {EXPORT_FORMAT}")
        try:
            tools = tuple(ExportedTool(parse_spec(t["spec"], source=where), int(t["token_id"])) for t in raw["tools"])
            ends = tuple(int(i) for i in raw["end_token_ids"])
            backbone = dict(raw.get("backbone", {}))
            not_carried = tuple(str(s) for s in raw.get("not_carried", []))
        except (KeyError, TypeError, ValueError, SpecError) as e:
            raise BankError(f"{where}: malformed export manifest ({e})") from None
        if not tools or not ends:
            raise BankError(f"{where}: an export manifest needs tools and end-token ids")
        return cls(tools, ends, backbone, not_carried)

    @classmethod
    def read(cls, directory: str | Path) -> "ExportManifest":
        """The manifest of an exported checkpoint directory."""
        path = Path(directory) / MANIFEST_FILE
        with reading(path, BankError):
            text = path.read_text(encoding="utf-8")
        return cls.from_json(parse_json(text, BankError, str(path)), str(path))

    @property
    def token_ids(self) -> dict[str, int]:
        """Tool name -> the id of its memory token."""
        return {t.spec.name: t.token_id for t in self.tools}

    def tool_of(self, token_id: int) -> str | None:
        """The tool whose memory token has ``token_id`` (None for any other id)."""
        return next((t.spec.name for t in self.tools if t.token_id == token_id), None)

    def parse(self, text: str) -> ParsedTurn:
        """Read calls from a turn as text (decoded with special tokens kept: vLLM's
        ``skip_special_tokens=False``): each ``<|tool:NAME|>`` of a known tool starts a call whose
        arguments are the JSON object right after it; anything after the object (an end-of-turn
        marker, whitespace) is ignored. No memory token: plain text. A text that spells a memory
        token character by character reads as one; :meth:`parse_ids` cannot be fooled that way."""
        known = {t.spec.name for t in self.tools}
        marks = [m for m in _TOKEN_RE.finditer(text) if m.group(1) in known]
        if not marks:
            return ParsedTurn([], text)
        parts = [(m.group(1), text[m.end() : marks[k + 1].start() if k + 1 < len(marks) else len(text)]) for k, m in enumerate(marks)]
        return self._calls(parts, text[: marks[0].start()])

    def parse_ids(self, token_ids: Sequence[int], decode: Callable[[list[int]], str]) -> ParsedTurn:
        """Read calls from a turn as token ids, split at the memory token ids; ``decode`` turns the
        ids between them into text (a tokenizer's ``decode``)."""
        ids = list(token_ids)
        marks = [k for k, t in enumerate(ids) if self.tool_of(t) is not None]
        if not marks:
            return ParsedTurn([], decode(ids))
        bounds = [*marks, len(ids)]
        parts = [(str(self.tool_of(ids[k])), decode(ids[k + 1 : bounds[j + 1]])) for j, k in enumerate(marks)]
        return self._calls(parts, decode(ids[: marks[0]]))

    def _calls(self, parts: list[tuple[str, str]], text: str) -> ParsedTurn:
        specs = {t.spec.name: t.spec for t in self.tools}
        calls: list[ToolCall] = []
        errors: list[str] = []
        decoder = json.JSONDecoder()
        for k, (name, body) in enumerate(parts):
            where = f"call {k + 1} ({name})"
            try:
                args, _ = decoder.raw_decode(body.lstrip())
            except json.JSONDecodeError as e:
                errors.append(f"{where}: arguments are not JSON ({e.msg})")
                continue
            problems = ["arguments are not a JSON object"] if not isinstance(args, dict) else specs[name].validate_arguments(args)
            if problems:
                errors.append(f"{where}: {'; '.join(problems)}")
                continue
            calls.append(ToolCall(name, args))
        return ParsedTurn(calls, text, errors)
