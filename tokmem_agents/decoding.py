"""Greedy decoding over vocabulary + memory tokens with a KV cache, batched.

The first generated token decides the answer's kind: a memory token starts tool calls (each call is
the memory token, its JSON arguments, then the next memory token or the end of the turn); any other
token starts a plain-text answer. With ``constrained=True`` arguments are decoded under the tool's
JSON Schema (see :mod:`tokmem_agents.constraints`). Every call's arguments are validated with
jsonschema afterwards; invalid ones are reported in :attr:`DecodeResult.invalid`, never dropped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch

from .backbone import Backbone
from .config import DecodeConfig
from .constraints import CallGrammar, fill_masks
from .data import ToolCall
from .errors import UnknownToolError
from .lm import MemoryLM, autocast
from .memory import MemoryBank

STOP_END = "end"
STOP_MAX_CALLS = "max_calls"
STOP_MAX_TOKENS = "max_tokens"
STOP_TIME = "time_budget"


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

    @property
    def valid_calls(self) -> list[ToolCall]:
        """Calls whose arguments validated against their tool's schema."""
        bad = {i.call_index for i in self.invalid}
        return [c for i, c in enumerate(self.calls) if i not in bad]

    @property
    def emitted_calls(self) -> int:
        """Number of memory tokens that fired (arguments parsed or not)."""
        return len(self.calls) + sum(1 for i in self.invalid if i.call_index is None)

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
        }


class _Row:
    """Per-query decoding state."""

    __slots__ = ("prompt_len", "tokens", "phase", "calls", "call_tokens", "constraint", "stop", "done")

    def __init__(self, prompt_len: int) -> None:
        self.prompt_len = prompt_len
        self.tokens: list[int] = []
        self.phase = "start"
        self.calls = 0
        self.call_tokens = 0
        self.constraint: Any = None
        self.stop = STOP_END
        self.done = False


class Decoder:
    """Decodes queries against one bank on one backbone (reusable; caches the constraint grammar)."""

    def __init__(self, backbone: Backbone, bank: MemoryBank) -> None:
        bank.fingerprint.check(backbone.fingerprint, "this bank")
        self.backbone = backbone
        self.bank = bank
        self.lm = MemoryLM(backbone, bank.input_vectors.to(backbone.device), None if bank.output_vectors is None else bank.output_vectors.to(backbone.device))
        self._grammars: dict[tuple[Any, ...], Any] = {}
        self.end_ids = set(backbone.end_token_ids)

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
    def decode(self, queries: Sequence[str], config: DecodeConfig | None = None) -> list[DecodeResult]:
        """Decode many queries, ``config.batch_size`` at a time."""
        config = config or DecodeConfig()
        out: list[DecodeResult] = []
        deadline = time.perf_counter() + config.time_budget if config.time_budget else None
        for i in range(0, len(queries), config.batch_size):
            out.extend(self._decode_batch(list(queries[i : i + config.batch_size]), config, deadline))
        return out

    def __call__(self, query: str, config: DecodeConfig | None = None) -> DecodeResult:
        return self.decode([query], config)[0]

    def _decode_batch(self, queries: list[str], config: DecodeConfig, deadline: float | None) -> list[DecodeResult]:
        with torch.no_grad(), autocast(self.backbone.device, config.precision):
            return self._decode_batch_inner(queries, config, deadline)

    def _decode_batch_inner(self, queries: list[str], config: DecodeConfig, deadline: float | None) -> list[DecodeResult]:
        t0 = time.perf_counter()
        bb = self.backbone
        v = bb.base_vocab
        dev = bb.device
        prompts = [bb.prompt_ids(q) for q in queries]
        width = max(len(p) for p in prompts)
        pad = bb.tokenizer.pad_token_id or 0
        ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for r, p in enumerate(prompts):
            ids[r, width - len(p) :] = torch.tensor(p)
            mask[r, width - len(p) :] = 1
        ids, mask = ids.to(dev), mask.to(dev)
        pos = (mask.cumsum(-1) - 1).clamp_min(0)
        h, past = self.lm.hidden(ids, attention_mask=mask, position_ids=pos, use_cache=True)
        logits = self.lm.logits(h[:, -1]).float()
        base = self._base_mask(config.allowed_tools)
        text_only = base.clone()
        text_only[v:] = False
        grammar = self._grammar(config) if config.constrained and len(self.bank) else None

        rows = [_Row(len(p)) for p in prompts]
        active = list(range(len(rows)))  # row index of each batch position
        last_pos = pos[:, -1]
        while active:
            masks = torch.empty((len(active), logits.shape[-1]), dtype=torch.bool)
            constrained_rows = []
            for b, r in enumerate(active):
                row = rows[r]
                if row.phase == "call" and row.constraint is not None:
                    constrained_rows.append(b)
                else:
                    masks[b] = text_only if row.phase == "text" else base
            if constrained_rows:
                sub = torch.empty((len(constrained_rows), logits.shape[-1]), dtype=torch.bool)
                fill_masks([rows[active[b]].constraint for b in constrained_rows], sub)
                masks[constrained_rows] = sub & base
            masks = masks.to(dev)
            choice = logits.masked_fill(~masks, float("-inf")).argmax(-1).tolist()
            any_allowed = masks.any(-1).tolist()
            next_tokens: list[int] = []
            for b, r in enumerate(active):
                row = rows[r]
                if not any_allowed[b]:
                    row.done, row.stop = True, STOP_END
                    next_tokens.append(pad)
                    continue
                tok = int(choice[b])
                self._step(row, tok, config, grammar)
                next_tokens.append(tok)
            if deadline is not None and time.perf_counter() > deadline:
                for r in active:
                    if not rows[r].done:
                        rows[r].done, rows[r].stop = True, STOP_TIME
            keep = [b for b, r in enumerate(active) if not rows[r].done]
            if not keep:
                break
            if len(keep) < len(active):
                past.batch_select_indices(torch.tensor(keep, device=dev))
                mask = mask[keep]
                last_pos = last_pos[keep]
                active = [active[b] for b in keep]
                next_tokens = [next_tokens[b] for b in keep]
            step_ids = torch.tensor(next_tokens, device=dev).unsqueeze(1)
            mask = torch.cat([mask, torch.ones((len(active), 1), dtype=mask.dtype, device=dev)], dim=1)
            last_pos = last_pos + 1
            h, past = self.lm.hidden(step_ids, attention_mask=mask, position_ids=last_pos.unsqueeze(1), past=past, use_cache=True)
            logits = self.lm.logits(h[:, -1]).float()
        elapsed = time.perf_counter() - t0
        return [self._finish(q, row, elapsed / len(rows)) for q, row in zip(queries, rows)]

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
            if grammar is not None and row.constraint is None:
                row.constraint = grammar.new_state()
        else:
            row.call_tokens += 1
        row.tokens.append(tok)
        if row.constraint is not None:
            row.constraint.advance(tok)
            if row.constraint.done:
                row.done, row.stop = True, STOP_END
                return
        limit = config.max_text_tokens if row.phase == "text" else config.max_tokens_per_call
        if row.call_tokens >= limit:
            row.done, row.stop = True, STOP_MAX_TOKENS

    def _finish(self, query: str, row: _Row, seconds: float) -> DecodeResult:
        """Split generated tokens into text and calls, parse and validate the arguments."""
        tok = self.backbone.tokenizer
        v = self.backbone.base_vocab
        res = DecodeResult(query=query, stop_reason=row.stop, prompt_tokens=row.prompt_len, generated_tokens=len(row.tokens), seconds=seconds)
        segments: list[tuple[int, list[int]]] = []
        text_ids: list[int] = []
        for t in row.tokens:
            if t >= v:
                segments.append((t - v, []))
            elif segments:
                segments[-1][1].append(t)
            else:
                text_ids.append(t)
        res.text = tok.decode(text_ids, skip_special_tokens=True).strip()
        for k, (mem, arg_ids) in enumerate(segments):
            spec = self.bank.tools[mem].spec
            raw = tok.decode(arg_ids, skip_special_tokens=True).strip()
            try:
                args, end = json.JSONDecoder().raw_decode(raw)
                trailing = raw[end:].strip()
            except json.JSONDecodeError as e:
                res.invalid.append(InvalidCall(k, spec.name, raw, (f"not JSON: {e.msg}",)))
                continue
            if not isinstance(args, dict):
                res.invalid.append(InvalidCall(k, spec.name, raw, ("not JSON: arguments must be an object",)))
                continue
            errors = spec.validate_arguments(args)
            if trailing:
                errors.append(f"unexpected text after the arguments: {trailing[:40]!r}")
            idx = len(res.calls)
            res.calls.append(ToolCall(spec.name, args))
            if errors:
                res.invalid.append(InvalidCall(k, spec.name, raw, tuple(errors), call_index=idx))
        return res
