"""What decoding produces: one :class:`CallEvent` per emitted call, parsed and validated once when
the call closes, and the :class:`DecodeResult` of a query built from its events."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ..bank.records import ToolCall
from ..bank.specs import ToolSpec

STOP_END = "end"
STOP_MAX_CALLS = "max_calls"
STOP_MAX_TOKENS = "max_tokens"
STOP_TIME = "time_budget"
STOP_REPETITION = "repetition"


@dataclass(frozen=True)
class InvalidCall:
    """A call whose arguments are not JSON or do not validate against the tool's schema."""

    position: int
    """Order of the call among all emitted calls (0-based)."""
    name: str
    raw: str
    errors: tuple[str, ...]
    call_index: int | None = None
    """Index into :attr:`DecodeResult.calls` when the arguments parsed as a JSON object, else None."""

    def to_json(self) -> dict[str, Any]:
        """``{"position", "name", "raw", "errors"}``."""
        return {"position": self.position, "name": self.name, "raw": self.raw, "errors": list(self.errors)}


@dataclass(frozen=True)
class CallEvent:
    """One call of one query, reported as soon as its arguments close."""

    query_index: int
    """Index of the query in the decoded sequence."""
    position: int
    """Order of the call among the query's emitted calls (0-based)."""
    name: str
    call: ToolCall | None
    """The call when its arguments parsed as a JSON object (valid or not), else None."""
    invalid: InvalidCall | None
    """Why the call is invalid (None when it validated)."""
    truncated: bool
    """Stopped before the model closed it (see :attr:`DecodeResult.truncated`)."""

    @property
    def ok(self) -> bool:
        """Valid and complete: safe to execute."""
        return self.call is not None and self.invalid is None and not self.truncated


def parse_call(
    query_index: int, position: int, spec: ToolSpec, raw: str, parsed_before: int, *, cut: bool, constrained: bool
) -> CallEvent:
    """The event of one closed call: its arguments text ``raw`` parsed and validated against ``spec``.

    ``parsed_before`` is how many of the query's earlier calls parsed (the new call's index among
    them); ``cut`` says the decoder stopped the call at a limit. A cut call counts as truncated when
    the grammar closed it (``constrained``) or when it did not parse; an unconstrained cut call whose
    JSON had already closed is complete."""
    raw = raw.strip()
    call: ToolCall | None = None
    invalid: InvalidCall | None = None
    try:
        args, end = json.JSONDecoder().raw_decode(raw)
    except json.JSONDecodeError as e:
        invalid = InvalidCall(position, spec.name, raw, (f"not JSON: {e.msg}",))
    else:
        if not isinstance(args, dict):
            invalid = InvalidCall(position, spec.name, raw, ("not JSON: arguments must be an object",))
        else:
            errors = spec.validate_arguments(args)
            trailing = raw[end:].strip()
            if trailing:
                errors.append(f"unexpected text after the arguments: {trailing[:40]!r}")
            call = ToolCall(spec.name, args)
            if errors:
                invalid = InvalidCall(position, spec.name, raw, tuple(errors), call_index=parsed_before)
    return CallEvent(query_index, position, spec.name, call, invalid, cut and (constrained or call is None))


@dataclass
class DecodeResult:
    """What the model answered for one query: calls (in order), or plain text, and diagnostics.

    The decoder builds it from the query's events as the stream reported them (:meth:`from_events`)
    and keeps them (:attr:`events`); the fields are the answer (:attr:`valid_calls` reads them, so a
    caller may filter ``calls``), and a result built by hand from them (a test, a remote server's
    answer) gets the matching events derived from them."""

    query: str
    calls: list[ToolCall] = field(default_factory=list)
    text: str = ""
    invalid: list[InvalidCall] = field(default_factory=list)
    stop_reason: str = STOP_END
    prompt_tokens: int = 0
    generated_tokens: int = 0
    seconds: float = 0.0
    truncated: list[int] = field(default_factory=list)
    """Positions (order among emitted calls, as :attr:`InvalidCall.position`) of the calls stopped
    before the model closed their arguments: by ``max_tokens_per_call``, the repetition guard or the
    time budget. Constrained, they were closed by the grammar (schema-valid, in :attr:`calls`, but not
    what the model wrote); unconstrained, they are cut and also in :attr:`invalid`."""
    _events: list[CallEvent] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_events(cls, query: str, events: Sequence[CallEvent], **fields: Any) -> "DecodeResult":
        """The result of a query whose calls were reported as ``events`` (other fields as given)."""
        result = cls(
            query=query,
            calls=[e.call for e in events if e.call is not None],
            invalid=[e.invalid for e in events if e.invalid is not None],
            truncated=[e.position for e in events if e.truncated],
            **fields,
        )
        result._events = list(events)
        return result

    @property
    def events(self) -> list[CallEvent]:
        """Every emitted call in order, as the stream reported it (one shape for streams and results)."""
        return self._events if self._events is not None else self._events_of_fields()

    def reindex(self, query_index: int) -> None:
        """Make this result's events say ``query_index`` (its place among the queries of whoever
        asked for it, when its decode was shared with other callers)."""
        if self._events is not None:
            self._events = [replace(e, query_index=query_index) for e in self._events]

    def _events_of_fields(self) -> list[CallEvent]:
        parsed = dict(zip(self.call_positions, self.calls))
        invalid = {i.position: i for i in self.invalid}
        cut = set(self.truncated)
        out = []
        for k in range(self.emitted_calls):
            call, bad = parsed.get(k), invalid.get(k)
            name = call.name if call is not None else bad.name if bad is not None else ""
            out.append(CallEvent(0, k, name, call, bad, k in cut))
        return out

    @property
    def call_positions(self) -> list[int]:
        """Position among emitted calls of each entry of :attr:`calls`."""
        unparsed = {i.position for i in self.invalid if i.call_index is None}
        return [k for k in range(self.emitted_calls) if k not in unparsed]

    @property
    def emitted_calls(self) -> int:
        """Number of memory tokens that fired (arguments parsed or not)."""
        return len(self.calls) + sum(1 for i in self.invalid if i.call_index is None)

    @property
    def valid_calls(self) -> list[ToolCall]:
        """Calls safe to execute: arguments validated against their tool's schema, not truncated."""
        bad = {i.call_index for i in self.invalid}
        cut = set(self.truncated)
        return [c for i, (c, k) in enumerate(zip(self.calls, self.call_positions)) if i not in bad and k not in cut]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the answer and its diagnostics (no events: they repeat the calls)."""
        return {
            "query": self.query,
            "calls": [c.to_json() for c in self.calls],
            "text": self.text,
            "invalid": [i.to_json() for i in self.invalid],
            "stop_reason": self.stop_reason,
            "prompt_tokens": self.prompt_tokens,
            "generated_tokens": self.generated_tokens,
            "seconds": self.seconds,
            "truncated": list(self.truncated),
        }
