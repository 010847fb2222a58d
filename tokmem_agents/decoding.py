"""Greedy decoding over vocabulary + memory tokens with a KV cache, batched.

The first generated token decides the answer's kind: a memory token starts tool calls (each call is
the memory token, its JSON arguments, then the next memory token or the end of the turn); any other
token starts a plain-text answer (unless ``require_call``). With ``constrained=True`` arguments are
decoded under the tool's JSON Schema (see :mod:`tokmem_agents.constraints`); a call the decoder has to
stop early (token budget, degenerate repetition, time budget) is closed by the grammar so it stays
valid, and is reported in :attr:`DecodeResult.truncated`, never passed off as a normal call. Every
call's arguments are validated with jsonschema afterwards; invalid ones are reported in
:attr:`DecodeResult.invalid`, never dropped. :meth:`Decoder.stream` reports each call as soon as its
arguments close.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import torch

from .backbone import Backbone
from .config import DecodeConfig
from .constraints import CallGrammar, fill_masks
from .copying import CopyIndex, CopyVocab, closed_choice, open_string
from .data import ToolCall
from .errors import UnknownToolError
from .lm import MemoryLM, autocast
from .memory import MemoryBank

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
        return {"position": self.position, "name": self.name, "raw": self.raw, "errors": list(self.errors)}


@dataclass
class DecodeResult:
    """What the model answered for one query: calls (in order), or plain text, and diagnostics."""

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

    @property
    def call_positions(self) -> list[int]:
        """Position among emitted calls of each entry of :attr:`calls`."""
        unparsed = {i.position for i in self.invalid if i.call_index is None}
        return [k for k in range(self.emitted_calls) if k not in unparsed]

    @property
    def valid_calls(self) -> list[ToolCall]:
        """Calls safe to execute: arguments validated against their tool's schema, not truncated."""
        bad = {i.call_index for i in self.invalid}
        cut = set(self.truncated)
        return [c for i, (c, k) in enumerate(zip(self.calls, self.call_positions)) if i not in bad and k not in cut]

    @property
    def emitted_calls(self) -> int:
        """Number of memory tokens that fired (arguments parsed or not)."""
        return len(self.calls) + sum(1 for i in self.invalid if i.call_index is None)

    def events(self, query_index: int = 0) -> list[CallEvent]:
        """Every emitted call in order, as :meth:`Decoder.stream` reported it (one shape for both)."""
        parsed = dict(zip(self.call_positions, self.calls))
        invalid = {i.position: i for i in self.invalid}
        cut = set(self.truncated)
        out = []
        for k in range(self.emitted_calls):
            call, bad = parsed.get(k), invalid.get(k)
            name = call.name if call is not None else bad.name if bad is not None else ""
            out.append(CallEvent(query_index, k, name, call, bad, k in cut))
        return out

    def to_json(self) -> dict[str, Any]:
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


@dataclass(frozen=True)
class CallEvent:
    """One call of one query, reported by :meth:`Decoder.stream` as soon as its arguments close."""

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



class _Row:
    """Per-query decoding state."""

    __slots__ = ("prompt_len", "tokens", "phase", "calls", "call_tokens", "constraint", "stop", "done", "starts", "truncated", "reported", "reported_parsed")

    def __init__(self, prompt_len: int) -> None:
        self.prompt_len = prompt_len
        self.tokens: list[int] = []
        self.phase = "start"
        self.calls = 0
        self.call_tokens = 0
        self.constraint: Any = None
        self.stop = STOP_END
        self.done = False
        self.starts: list[int] = []  # index in ``tokens`` of each call's memory token
        self.truncated: list[int] = []  # positions of calls closed (or cut) by the decoder
        self.reported = 0  # calls already reported to a stream
        self.reported_parsed = 0  # of which parsed as JSON objects

    def closed_calls(self) -> int:
        """How many calls are complete: all once the row is done, else those whose JSON closed
        (constrained) or that a later memory token followed (unconstrained)."""
        if self.done:
            return self.calls
        if self.constraint is not None:
            return len(self.constraint.calls)
        return max(self.calls - 1, 0)

    def segment(self, k: int) -> tuple[int, list[int]]:
        """``(memory token id, argument token ids)`` of call ``k``."""
        start = self.starts[k]
        stop = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.tokens)
        return self.tokens[start], self.tokens[start + 1 : stop]


def _repeats(tokens: list[int], window: int) -> bool:
    """True when the last ``window`` tokens repeat a pattern of at most ``window // 4`` tokens."""
    tail = tokens[-window:]
    return any(all(tail[i] == tail[i - p] for i in range(p, window)) for p in range(1, window // 4 + 1))


class Decoder:
    """Decodes queries against one bank on one backbone (reusable; caches the constraint grammar)."""

    def __init__(self, backbone: Backbone, bank: MemoryBank) -> None:
        bank.fingerprint.check(backbone.fingerprint, "this bank")
        self.backbone = backbone
        self.bank = bank
        self.lm = MemoryLM(backbone, bank.input_vectors.to(backbone.device), None if bank.output_vectors is None else bank.output_vectors.to(backbone.device))
        self._grammars: dict[tuple[Any, ...], Any] = {}
        self.end_ids = set(backbone.end_token_ids)

    def copy_index(self, query: str) -> CopyIndex:
        """The :class:`~.copying.CopyIndex` of ``query`` (the vocabulary side is built once per process)."""
        return CopyIndex(query, CopyVocab.of_tokenizer(self.backbone.tokenizer, self.backbone.text_vocab))

    # -- masks -----------------------------------------------------------------------------
    def _base_mask(self, allowed: frozenset[str] | None) -> torch.Tensor:
        v, n = self.backbone.base_vocab, len(self.bank)
        mask = torch.zeros(v + n, dtype=torch.bool)
        mask[: self.backbone.text_vocab] = True
        if allowed is None:
            mask[v:] = True
        else:
            unknown = sorted(set(allowed) - set(self.bank.names))
            if unknown:
                raise UnknownToolError(f"tool(s) {unknown} are not in this bank")
            for name in allowed:
                mask[v + self.bank.index(name)] = True
        return mask

    def _grammar(self, config: DecodeConfig) -> Any:
        key = (config.allowed_tools, config.max_calls)
        if key not in self._grammars:
            self._grammars[key] = CallGrammar(
                self.backbone.tokenizer,
                self.backbone.base_vocab,
                [(t.name, t.spec.schema) for t in self.bank.tools],
                list(self.backbone.end_token_ids),
                allowed_tools=config.allowed_tools,
                max_calls=config.max_calls,
            )
        return self._grammars[key]

    # -- decoding --------------------------------------------------------------------------
    def decode(
        self,
        queries: Sequence[str],
        config: DecodeConfig | None = None,
        *,
        on_call: Callable[[CallEvent], None] | None = None,
        prompts: Sequence[Sequence[int]] | None = None,
    ) -> list[DecodeResult]:
        """Decode many queries, ``config.batch_size`` at a time.

        ``on_call`` is called with each call as soon as its arguments close (see :meth:`stream`);
        ``prompts`` replaces the chat prompt of each query with ready token ids (e.g. a rendered
        conversation; the queries then only label the results).
        """
        out: list[DecodeResult] = []
        for item in self.stream(queries, config, prompts=prompts):
            if isinstance(item, DecodeResult):
                out.append(item)
            elif on_call is not None:
                on_call(item)
        return out

    def stream(
        self,
        queries: Sequence[str],
        config: DecodeConfig | None = None,
        *,
        prompts: Sequence[Sequence[int]] | None = None,
    ) -> Iterator[CallEvent | DecodeResult]:
        """Decode like :meth:`decode`, yielding a :class:`CallEvent` per call the moment its JSON closes
        (constrained; unconstrained, when the next memory token or the end follows), then the
        :class:`DecodeResult` of every query of a batch once the batch is done, in query order."""
        config = config or DecodeConfig()
        if prompts is not None and len(prompts) != len(queries):
            raise ValueError(f"{len(prompts)} prompts for {len(queries)} queries")
        deadline = time.perf_counter() + config.time_budget if config.time_budget else None
        for i in range(0, len(queries), config.batch_size):
            chunk = list(queries[i : i + config.batch_size])
            ids = [list(p) for p in prompts[i : i + config.batch_size]] if prompts is not None else [self.backbone.prompt_ids(q) for q in chunk]
            batch = _Batch(self, chunk, ids, config, deadline, offset=i)
            while not batch.finished:
                yield from batch.step()
            yield from batch.results()

    def __call__(self, query: str, config: DecodeConfig | None = None) -> DecodeResult:
        return self.decode([query], config)[0]

    def _step(self, row: _Row, tok: int, config: DecodeConfig, grammar: Any) -> None:
        """Append ``tok`` to ``row`` and update its phase and limits."""
        v = self.backbone.base_vocab
        is_mem = tok >= v
        if tok in self.end_ids:
            row.done, row.stop = True, STOP_END
            return
        if row.phase == "start":
            row.phase = "call" if is_mem else "text"
        if is_mem:
            if row.calls >= config.max_calls:
                row.done, row.stop = True, STOP_MAX_CALLS
                return
            row.calls += 1
            row.call_tokens = 0
            row.starts.append(len(row.tokens))
            if grammar is not None and row.constraint is None:
                row.constraint = grammar.new_state()
        else:
            row.call_tokens += 1
        row.tokens.append(tok)
        if row.constraint is not None:
            row.constraint.advance(tok)
            if row.constraint.done:
                row.done, row.stop = True, STOP_END
            elif row.constraint.in_call:
                if row.call_tokens >= config.max_tokens_per_call:
                    self._close(row, config, STOP_MAX_TOKENS)
                elif config.repetition_guard and row.call_tokens >= config.repetition_guard and _repeats(row.tokens, config.repetition_guard):
                    self._close(row, config, STOP_REPETITION)
            return  # a closed call may be followed by more calls, whatever its length
        limit = config.max_text_tokens if row.phase == "text" else config.max_tokens_per_call
        if row.call_tokens >= limit:
            row.done, row.stop = True, STOP_MAX_TOKENS
            if row.phase == "call" and not is_mem:
                row.truncated.append(row.calls - 1)  # kept only if its arguments did not close (_finish)

    def _close(self, row: _Row, config: DecodeConfig, reason: str) -> None:
        """End ``row`` inside a constrained call: the grammar closes the call's JSON (no model step)."""
        if config.max_closing_tokens:
            row.tokens.extend(row.constraint.close(config.max_closing_tokens))
        row.truncated.append(row.calls - 1)
        row.done, row.stop = True, reason

    def _parse(self, row: _Row, k: int, call_index: int) -> tuple[ToolCall | None, InvalidCall | None]:
        """Parse and validate call ``k`` of ``row`` (``call_index``: its index among parsed calls)."""
        mem, arg_ids = row.segment(k)
        spec = self.bank.tools[mem - self.backbone.base_vocab].spec
        raw = self.backbone.tokenizer.decode(arg_ids, skip_special_tokens=True).strip()
        try:
            args, end = json.JSONDecoder().raw_decode(raw)
            trailing = raw[end:].strip()
        except json.JSONDecodeError as e:
            return None, InvalidCall(k, spec.name, raw, (f"not JSON: {e.msg}",))
        if not isinstance(args, dict):
            return None, InvalidCall(k, spec.name, raw, ("not JSON: arguments must be an object",))
        errors = spec.validate_arguments(args)
        if trailing:
            errors.append(f"unexpected text after the arguments: {trailing[:40]!r}")
        call = ToolCall(spec.name, args)
        return call, (InvalidCall(k, spec.name, raw, tuple(errors), call_index=call_index) if errors else None)

    def _finish(self, query: str, row: _Row, seconds: float) -> DecodeResult:
        """Split generated tokens into text and calls, parse and validate the arguments."""
        tok = self.backbone.tokenizer
        v = self.backbone.base_vocab
        res = DecodeResult(query=query, stop_reason=row.stop, prompt_tokens=row.prompt_len, generated_tokens=len(row.tokens), seconds=seconds)
        if not row.starts:  # rows built by hand (tests) carry no call starts
            row.starts = [i for i, t in enumerate(row.tokens) if t >= v]
            row.calls = len(row.starts)
        first = row.starts[0] if row.starts else len(row.tokens)
        res.text = tok.decode(row.tokens[:first], skip_special_tokens=True).strip()
        for k in range(len(row.starts)):
            call, invalid = self._parse(row, k, len(res.calls))
            if call is not None:
                res.calls.append(call)
            if invalid is not None:
                res.invalid.append(invalid)
            if k in row.truncated and (row.constraint is not None or call is None):
                res.truncated.append(k)
        return res


class _Batch:
    """One batch of queries being decoded, advanced one token per :meth:`step` (so a stream can
    hand out calls between steps; torch's no-grad and autocast modes are entered per step)."""

    def __init__(self, dec: Decoder, queries: list[str], prompts: list[list[int]], config: DecodeConfig, deadline: float | None, offset: int) -> None:
        self.t0 = time.perf_counter()
        self.dec, self.queries, self.config, self.deadline, self.offset = dec, queries, config, deadline, offset
        bb = dec.backbone
        v = bb.base_vocab
        self.dev = bb.device
        self.pad = bb.tokenizer.pad_token_id or 0
        self.base = dec._base_mask(config.allowed_tools)
        self.text_only = self.base.clone()
        self.text_only[v:] = False
        self.start = self.base.clone()
        if config.require_call:
            self.start[:v] = False
        self.grammar = dec._grammar(config) if config.constrained and len(dec.bank) else None
        self.rows = [_Row(len(p)) for p in prompts]
        self.copy = [dec.copy_index(q) for q in queries] if config.copy_bias else None
        self.active = list(range(len(self.rows)))  # row index of each batch position
        self.finished = not self.rows
        if self.rows:
            with self._modes():
                self._prefill(prompts)

    def _modes(self) -> Any:
        return _Modes(self.dev, self.config.precision)

    def _prefill(self, prompts: list[list[int]]) -> None:
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for r, p in enumerate(prompts):
            ids[r, width - len(p) :] = torch.tensor(p, dtype=torch.long)
            mask[r, width - len(p) :] = 1
        ids, mask = ids.to(self.dev), mask.to(self.dev)
        pos = (mask.cumsum(-1) - 1).clamp_min(0)
        h, self.past = self.dec.lm.hidden(ids, attention_mask=mask, position_ids=pos, use_cache=True)
        self.logits = self.dec.lm.logits(h[:, -1]).float()
        self.mask = mask
        self.last_pos = pos[:, -1]

    def _masks(self) -> torch.Tensor:
        rows = self.rows
        masks = torch.empty((len(self.active), self.logits.shape[-1]), dtype=torch.bool)
        constrained = []
        for b, r in enumerate(self.active):
            row = rows[r]
            if row.phase == "call" and row.constraint is not None:
                constrained.append(b)
            else:
                masks[b] = self.text_only if row.phase == "text" else (self.start if row.phase == "start" else self.base)
        if constrained:
            sub = torch.empty((len(constrained), self.logits.shape[-1]), dtype=torch.bool)
            fill_masks([rows[self.active[b]].constraint for b in constrained], sub)
            masks[constrained] = sub & self.base
        return masks

    def step(self) -> list[CallEvent]:
        """Pick the next token of every active row, then run the model on them; returns the calls
        that closed meanwhile."""
        with self._modes():
            return self._step()

    def _step(self) -> list[CallEvent]:
        dec, rows, config = self.dec, self.rows, self.config
        masks = self._masks().to(self.dev)
        logits = self._copy_biased(self.logits) if self.copy is not None else self.logits
        choice = logits.masked_fill(~masks, float("-inf")).argmax(-1).tolist()
        any_allowed = masks.any(-1).tolist()
        next_tokens: list[int] = []
        for b, r in enumerate(self.active):
            row = rows[r]
            if not any_allowed[b]:
                row.done, row.stop = True, STOP_END
                next_tokens.append(self.pad)
                continue
            tok = int(choice[b])
            dec._step(row, tok, config, self.grammar)
            next_tokens.append(tok)
        if self.deadline is not None and time.perf_counter() > self.deadline:
            for r in self.active:
                row = rows[r]
                if row.done:
                    continue
                if row.constraint is not None and row.constraint.in_call:
                    dec._close(row, config, STOP_TIME)
                else:
                    row.done, row.stop = True, STOP_TIME
        events = self._events()
        keep = [b for b, r in enumerate(self.active) if not rows[r].done]
        if not keep:
            self.finished = True
            return events
        if len(keep) < len(self.active):
            self.past.batch_select_indices(torch.tensor(keep, device=self.dev))
            self.mask = self.mask[keep]
            self.last_pos = self.last_pos[keep]
            self.active = [self.active[b] for b in keep]
            next_tokens = [next_tokens[b] for b in keep]
        step_ids = torch.tensor(next_tokens, device=self.dev).unsqueeze(1)
        self.mask = torch.cat([self.mask, torch.ones((len(self.active), 1), dtype=self.mask.dtype, device=self.dev)], dim=1)
        self.last_pos = self.last_pos + 1
        h, self.past = dec.lm.hidden(step_ids, attention_mask=self.mask, position_ids=self.last_pos.unsqueeze(1), past=self.past, use_cache=True)
        self.logits = dec.lm.logits(h[:, -1]).float()
        return events

    def _copy_biased(self, logits: torch.Tensor) -> torch.Tensor:
        """``logits`` plus ``copy_bias`` on the tokens that continue a query span, for rows inside a
        string argument value that is not a closed choice (``enum``/``const``) of the tool's schema."""
        assert self.copy is not None
        out = None
        tok = self.dec.backbone.tokenizer
        v = self.dec.backbone.base_vocab
        for b, r in enumerate(self.active):
            row = self.rows[r]
            if row.phase != "call" or not row.starts:
                continue
            mem, args = row.segment(len(row.starts) - 1)
            found = open_string(tok.decode(args, skip_special_tokens=True))
            if found is None or closed_choice(self.dec.bank.tools[mem - v].spec.schema, found.path):
                continue
            ids = self.copy[r].candidates(found.value)
            if ids:
                out = logits.clone() if out is None else out
                out[b, ids] += self.config.copy_bias
        return logits if out is None else out

    def _events(self) -> list[CallEvent]:
        """Calls of active rows that closed since the last step."""
        out = []
        for r in self.active:
            row = self.rows[r]
            closed = row.closed_calls()
            while row.reported < closed:
                k = row.reported
                call, invalid = self.dec._parse(row, k, row.reported_parsed)
                row.reported_parsed += call is not None
                cut = k in row.truncated and (row.constraint is not None or call is None)
                name = self.dec.bank.tools[row.tokens[row.starts[k]] - self.dec.backbone.base_vocab].name
                out.append(CallEvent(self.offset + r, k, name, call, invalid, cut))
                row.reported += 1
        return out

    def results(self) -> list[DecodeResult]:
        elapsed = time.perf_counter() - self.t0
        n = max(len(self.rows), 1)
        return [self.dec._finish(q, row, elapsed / n) for q, row in zip(self.queries, self.rows)]


class _Modes:
    """``torch.no_grad()`` plus the decode precision's autocast, as one context manager."""

    def __init__(self, device: torch.device, precision: str) -> None:
        self._grad = torch.no_grad()
        self._cast = autocast(device, precision)

    def __enter__(self) -> None:
        self._grad.__enter__()
        self._cast.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._cast.__exit__(*exc)
        self._grad.__exit__(*exc)
