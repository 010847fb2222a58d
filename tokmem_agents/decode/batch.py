"""One batch of queries being decoded, one token per step, and the state of each query in it.

A :class:`Row` applies one chosen token at a time: the answer's kind (calls or text), the call
boundaries, the limits (``max_calls``, ``max_tokens_per_call``, ``max_text_tokens``, the repetition
guard), and the schema constraint's state; the moment a call closes, :meth:`Row.new_events` parses
and validates it once into a :class:`~.results.CallEvent`. A :class:`DecodeBatch` holds the KV cache
of its rows and picks every row's next token (masks, copy bias, greedy argmax).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import torch

from ..bank.memory import MemoryBank
from ..config import DecodeConfig
from ..model.backbone import Backbone
from ..model.lm import MemoryLM
from ..model.precision import autocast
from .copying import CopyIndex, closed_choice
from .grammar import CallGrammar, fill_masks
from .results import (
    STOP_END,
    STOP_MAX_CALLS,
    STOP_MAX_TOKENS,
    STOP_REPETITION,
    STOP_TIME,
    CallEvent,
    DecodeResult,
    parse_call,
)
from .scanner import JsonScanner


class DecodeContext(Protocol):
    """What a batch needs of the decoder that runs it (:class:`~.decoder.Decoder` is one)."""

    backbone: Backbone
    bank: MemoryBank
    lm: MemoryLM
    end_ids: frozenset[int]

    def vocab_mask(self, allowed: frozenset[str] | None) -> torch.Tensor:
        """Ids that may ever be generated."""
        ...

    def grammar(self, config: DecodeConfig) -> CallGrammar:
        """The call grammar for ``config``."""
        ...

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes a token spells."""
        ...

    def copy_index(self, query: str) -> CopyIndex:
        """The copy-bias index of ``query``."""
        ...


def _repeats(tokens: list[int], window: int) -> bool:
    """True when the last ``window`` tokens repeat a pattern of at most ``window // 4`` tokens."""
    tail = tokens[-window:]
    return any(all(tail[i] == tail[i - p] for i in range(p, window)) for p in range(1, window // 4 + 1))


class Row:
    """The decoding state of one query: its generated tokens, calls, limits and events."""

    def __init__(self, decoder: DecodeContext, prompt_len: int, config: DecodeConfig) -> None:
        self.decoder = decoder
        self.config = config
        self.prompt_len = prompt_len
        self.tokens: list[int] = []
        self.phase = "start"
        """``start`` (nothing yet), ``call`` (memory tokens fired) or ``text`` (a plain answer)."""
        self.calls = 0
        self.call_tokens = 0
        self.grammar = decoder.grammar(config) if config.constrained and len(decoder.bank) else None
        self.constraint: Any = None
        self.stop = STOP_END
        self.done = False
        self.starts: list[int] = []
        """Index in :attr:`tokens` of each call's memory token."""
        self.truncated: list[int] = []
        """Positions of the calls the decoder stopped (closed or cut) at a limit."""
        self.args: list[JsonScanner] = []
        """Unconstrained decoding: the argument bytes of each call (constrained: the constraint's)."""
        self.events: list[CallEvent] = []
        self._parsed = 0

    # -- one token -------------------------------------------------------------------------------
    def push(self, tok: int) -> None:
        """Append the chosen token ``tok`` and update the phase, the call boundaries and the limits."""
        config = self.config
        is_mem = tok >= self.decoder.backbone.base_vocab
        if tok in self.decoder.end_ids:
            self.done, self.stop = True, STOP_END
            return
        if self.phase == "start":
            self.phase = "call" if is_mem else "text"
        if is_mem:
            if self.calls >= config.max_calls:
                self.done, self.stop = True, STOP_MAX_CALLS
                return
            self.calls += 1
            self.call_tokens = 0
            self.starts.append(len(self.tokens))
            if self.grammar is not None and self.constraint is None:
                self.constraint = self.grammar.new_state()
            elif self.grammar is None:
                self.args.append(JsonScanner())
        else:
            self.call_tokens += 1
            if self.args and self.phase == "call":
                self.args[-1].feed(self.decoder.token_bytes(tok))
        self.tokens.append(tok)
        if self.constraint is not None:
            self.constraint.advance(tok)
            if self.constraint.done:
                self.done, self.stop = True, STOP_END
            elif self.constraint.in_call:
                if self.call_tokens >= config.max_tokens_per_call:
                    self.close(STOP_MAX_TOKENS)
                elif config.repetition_guard and self.call_tokens >= config.repetition_guard and _repeats(self.tokens, config.repetition_guard):
                    self.close(STOP_REPETITION)
            return  # a closed call may be followed by more calls, whatever its length
        limit = config.max_text_tokens if self.phase == "text" else config.max_tokens_per_call
        if self.call_tokens >= limit:
            self.done, self.stop = True, STOP_MAX_TOKENS
            if self.phase == "call" and not is_mem:
                self.truncated.append(self.calls - 1)  # truncated only if its arguments did not close (parse_call)

    def close(self, reason: str) -> None:
        """End the row inside a constrained call: the grammar closes the call's JSON (no model step)."""
        if self.config.max_closing_tokens:
            self.tokens.extend(self.constraint.close(self.config.max_closing_tokens))
        self.truncated.append(self.calls - 1)
        self.done, self.stop = True, reason

    def stop_at_deadline(self) -> None:
        """The time budget ran out: close an open constrained call, else just stop."""
        if self.constraint is not None and self.constraint.in_call:
            self.close(STOP_TIME)
        else:
            self.done, self.stop = True, STOP_TIME

    # -- what the copy bias and the events read ---------------------------------------------------
    def open_args(self) -> JsonScanner | None:
        """The scanner of the call being decoded (None outside a call)."""
        if self.phase != "call" or not self.starts:
            return None
        if self.constraint is not None:
            return self.constraint.current
        return self.args[-1]

    def spec_of(self, k: int) -> Any:
        """The spec of the tool of call ``k``."""
        return self.decoder.bank.tools[self.tokens[self.starts[k]] - self.decoder.backbone.base_vocab].spec

    def _call_text(self, k: int) -> str:
        if self.constraint is None:
            return self.args[k].text
        if k < len(self.constraint.calls):
            return self.constraint.calls[k][1]
        current = self.constraint.current
        return current.text if current is not None else ""

    def _closed_calls(self) -> int:
        """How many calls are complete: all once the row is done, else those whose JSON closed
        (constrained) or that a later memory token followed (unconstrained)."""
        if self.done:
            return self.calls
        if self.constraint is not None:
            return len(self.constraint.calls)
        return max(self.calls - 1, 0)

    def new_events(self, query_index: int) -> list[CallEvent]:
        """The calls that closed since the last call of this method, each parsed and validated once."""
        out = []
        for k in range(len(self.events), self._closed_calls()):
            event = parse_call(
                query_index, k, self.spec_of(k), self._call_text(k), self._parsed,
                cut=k in self.truncated, constrained=self.constraint is not None,
            )
            self._parsed += event.call is not None
            self.events.append(event)
            out.append(event)
        return out

    def result(self, query: str, seconds: float) -> DecodeResult:
        """The finished row as a :class:`DecodeResult` (the text before the first call, and its events)."""
        first = self.starts[0] if self.starts else len(self.tokens)
        text = self.decoder.backbone.tokenizer.decode(self.tokens[:first], skip_special_tokens=True).strip()
        return DecodeResult.from_events(
            query, self.events, text=text, stop_reason=self.stop, prompt_tokens=self.prompt_len,
            generated_tokens=len(self.tokens), seconds=seconds,
        )


class DecodeBatch:
    """Queries decoded together: prefilled once, then advanced one token per :meth:`step` (so a stream
    can hand out calls between steps; torch's no-grad and autocast modes are entered per step)."""

    def __init__(
        self, decoder: DecodeContext, queries: list[str], prompts: list[list[int]], config: DecodeConfig,
        deadline: float | None, offset: int,
    ) -> None:
        self.t0 = time.perf_counter()
        self.decoder, self.queries, self.config, self.deadline, self.offset = decoder, queries, config, deadline, offset
        bb = decoder.backbone
        v = bb.base_vocab
        self.dev = bb.device
        self.pad = bb.tokenizer.pad_token_id or 0
        self.base = decoder.vocab_mask(config.allowed_tools)
        self.text_only = self.base.clone()
        self.text_only[v:] = False
        self.start = self.base.clone()
        if config.require_call:
            self.start[:v] = False
        self.rows = [Row(decoder, len(p), config) for p in prompts]
        recorded = decoder.bank.call_threshold
        auto_mass = recorded is not None or config.call_threshold is not None  # a threshold given means mass
        mass = config.decision == "mass" or (config.decision == "auto" and auto_mass)
        self.threshold = (config.call_threshold or recorded or 0.5) if mass else None
        """The ``mass`` decision's first-token threshold (None: ``argmax``)."""
        self.copy = [decoder.copy_index(q) for q in queries] if config.copy_bias else None
        self.active = list(range(len(self.rows)))  # row index of each batch position
        self.finished = not self.rows
        if self.rows:
            with torch.no_grad(), autocast(self.dev, config.precision):
                self._prefill(prompts)

    def _prefill(self, prompts: list[list[int]]) -> None:
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for r, p in enumerate(prompts):
            ids[r, width - len(p) :] = torch.tensor(p, dtype=torch.long)
            mask[r, width - len(p) :] = 1
        ids, mask = ids.to(self.dev), mask.to(self.dev)
        pos = (mask.cumsum(-1) - 1).clamp_min(0)
        h, self.past = self.decoder.lm.hidden(ids, attention_mask=mask, position_ids=pos, use_cache=True)
        self.logits = self.decoder.lm.logits(h[:, -1]).float()
        self.mask = mask
        self.last_pos = pos[:, -1]

    def _masks(self) -> torch.Tensor:
        masks = torch.empty((len(self.active), self.logits.shape[-1]), dtype=torch.bool)
        constrained = []
        for b, r in enumerate(self.active):
            row = self.rows[r]
            if row.phase == "call" and row.constraint is not None:
                constrained.append(b)
            else:
                masks[b] = self.text_only if row.phase == "text" else (self.start if row.phase == "start" else self.base)
        if constrained:
            sub = torch.empty((len(constrained), self.logits.shape[-1]), dtype=torch.bool)
            fill_masks([self.rows[self.active[b]].constraint for b in constrained], sub)
            masks[constrained] = sub & self.base
        return masks

    def _copy_biased(self, logits: torch.Tensor) -> torch.Tensor:
        """``logits`` plus ``copy_bias`` on the tokens that continue a query span, for rows inside a
        string argument value that is not a closed choice (``enum``/``const``) of the tool's schema."""
        assert self.copy is not None
        out = None
        for b, r in enumerate(self.active):
            row = self.rows[r]
            args = row.open_args()
            found = args.open_string if args is not None else None
            # the spec's parameters, not its .schema (a deep copy): this runs at every step
            if found is None or closed_choice(row.spec_of(len(row.starts) - 1).parameters, found.path):
                continue
            ids = self.copy[r].candidates(found.value)
            if ids:
                out = logits.clone() if out is None else out
                out[b, ids] += self.config.copy_bias
        return logits if out is None else out

    def _decide(self, masks: torch.Tensor) -> None:
        """The ``mass`` decision: where a row may both call and not call (its first token; between
        constrained calls), keep only the memory tokens when their total probability reaches the
        threshold, else only the other tokens (``masks`` is narrowed in place)."""
        v = self.decoder.backbone.base_vocab
        points, thresholds = [], []
        for b, r in enumerate(self.active):
            row = self.rows[r]
            if row.phase == "start":
                points.append(b)
                thresholds.append(self.threshold)
            elif row.phase == "call" and row.constraint is not None and not row.constraint.in_call:
                points.append(b)
                thresholds.append(self.config.continue_threshold)
        if not points:
            return
        m = masks[points]
        mem = m.clone()
        mem[:, :v] = False
        other = m & ~mem
        both = mem.any(-1) & other.any(-1)
        if not bool(both.any()):
            return
        logits = self.logits[points]
        ninf = torch.tensor(float("-inf"), device=logits.device)
        log_mem = torch.logsumexp(torch.where(mem, logits, ninf), -1)
        log_other = torch.logsumexp(torch.where(other, logits, ninf), -1)
        p_mem = torch.sigmoid(log_mem - log_other)
        call = p_mem >= torch.tensor(thresholds, device=logits.device)
        chosen = torch.where(call.unsqueeze(1), mem, other)
        keep = torch.where(both.unsqueeze(1), chosen, m)
        masks[points] = keep

    def step(self) -> list[CallEvent]:
        """Pick the next token of every active row, then run the model on them; returns the calls
        that closed meanwhile."""
        with torch.no_grad(), autocast(self.dev, self.config.precision):
            return self._step()

    def _step(self) -> list[CallEvent]:
        rows = self.rows
        masks = self._masks().to(self.dev)
        if self.threshold is not None:
            self._decide(masks)
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
            row.push(tok)
            next_tokens.append(tok)
        if self.deadline is not None and time.perf_counter() > self.deadline:
            for r in self.active:
                if not rows[r].done:
                    rows[r].stop_at_deadline()
        events = [e for r in self.active for e in rows[r].new_events(self.offset + r)]
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
        h, self.past = self.decoder.lm.hidden(
            step_ids, attention_mask=self.mask, position_ids=self.last_pos.unsqueeze(1), past=self.past, use_cache=True
        )
        self.logits = self.decoder.lm.logits(h[:, -1]).float()
        return events

    def results(self) -> list[DecodeResult]:
        """The :class:`DecodeResult` of every query, in order (call once :attr:`finished`)."""
        elapsed = time.perf_counter() - self.t0
        n = max(len(self.rows), 1)
        return [row.result(q, elapsed / n) for q, row in zip(self.queries, self.rows)]
