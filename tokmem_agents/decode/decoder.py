"""Greedy decoding over vocabulary + memory tokens with a KV cache, batched, as one event stream.

The first generated token decides the answer's kind: a memory token starts tool calls (each call is
the memory token, its JSON arguments, then the next memory token or the end of the turn); any other
token starts a plain-text answer (unless ``require_call``). With ``constrained=True`` arguments are
decoded under the tool's JSON Schema (see :mod:`.grammar`); a call the decoder has to stop early
(token budget, degenerate repetition, time budget) is closed by the grammar so it stays valid, and
is reported in :attr:`~.results.DecodeResult.truncated`, never passed off as a normal call.

:meth:`Decoder.stream` is the one decoding loop: it yields each call as a :class:`~.results.CallEvent`
the moment its arguments close (parsed and validated once, with jsonschema: invalid calls are
reported, never dropped), then each query's :class:`~.results.DecodeResult`, built from its events.
:meth:`Decoder.decode` is the same stream, collected.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, Sequence

import torch

from ..bank.memory import MemoryBank
from ..config import DecodeConfig
from ..errors import BackboneError, UnknownToolError
from ..model.backbone import Backbone
from ..model.lm import MemoryLM
from .batch import DecodeBatch
from .copying import CopyIndex, CopyVocab
from .grammar import CallGrammar, ll_tokenizer, token_bytes
from .results import CallEvent, DecodeResult


class Decoder:
    """Decodes queries against one bank on one backbone (reusable; caches the constraint grammars)."""

    def __init__(self, backbone: Backbone, bank: MemoryBank) -> None:
        bank.fingerprint.check(backbone.fingerprint, "this bank")
        self.backbone = backbone
        self.bank = bank
        out = None if bank.output_vectors is None else bank.output_vectors.to(backbone.device)
        self.lm = MemoryLM(backbone, bank.input_vectors.to(backbone.device), out)
        self.end_ids = frozenset(backbone.end_token_ids)
        self._grammars: dict[tuple[Any, ...], CallGrammar] = {}
        self._ll: Any = None

    # -- what a batch needs ------------------------------------------------------------------------
    def vocab_mask(self, allowed: frozenset[str] | None) -> torch.Tensor:
        """Ids that may ever be generated: the tokenizer's vocabulary and the allowed memory tokens."""
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

    def grammar(self, config: DecodeConfig) -> CallGrammar:
        """The compiled call grammar for ``config``'s allowed tools and call cap (built once each)."""
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

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes a token spells (empty for special and memory tokens), for unconstrained calls;
        with a tokenizer llguidance cannot read (a slow one), its own decoding of the single token."""
        bb = self.backbone
        if self._ll is None:
            try:
                self._ll = ll_tokenizer(bb.tokenizer, bb.base_vocab + len(self.bank), tuple(bb.end_token_ids))
            except BackboneError:
                self._ll = False
        if self._ll is False:
            if token_id >= bb.text_vocab:
                return b""
            return bb.tokenizer.decode([token_id], skip_special_tokens=True).encode("utf-8")
        return token_bytes(self._ll, token_id)

    def copy_index(self, query: str) -> CopyIndex:
        """The :class:`~.copying.CopyIndex` of ``query`` (the vocabulary side is built once per process)."""
        return CopyIndex(query, CopyVocab.of_tokenizer(self.backbone.tokenizer, self.backbone.text_vocab))

    # -- decoding ----------------------------------------------------------------------------------
    def stream(
        self,
        queries: Sequence[str],
        config: DecodeConfig | None = None,
        *,
        prompts: Sequence[Sequence[int]] | None = None,
    ) -> Iterator[CallEvent | DecodeResult]:
        """Decode ``queries``, ``config.batch_size`` at a time, yielding a :class:`CallEvent` per call the
        moment its JSON closes (constrained; unconstrained, when the next memory token or the end
        follows), then the :class:`DecodeResult` of every query of a batch, in query order.

        ``prompts`` replaces the chat prompt of each query with ready token ids (e.g. a rendered
        conversation; the queries then only label the results)."""
        config = config or DecodeConfig()
        if prompts is not None and len(prompts) != len(queries):
            raise ValueError(f"{len(prompts)} prompts for {len(queries)} queries")
        deadline = time.perf_counter() + config.time_budget if config.time_budget else None
        for i in range(0, len(queries), config.batch_size):
            chunk = list(queries[i : i + config.batch_size])
            if prompts is not None:
                ids = [list(p) for p in prompts[i : i + config.batch_size]]
            else:
                ids = [self.backbone.prompt_ids(q) for q in chunk]
            batch = DecodeBatch(self, chunk, ids, config, deadline, offset=i)
            while not batch.finished:
                yield from batch.step()
            yield from batch.results()

    def decode(
        self,
        queries: Sequence[str],
        config: DecodeConfig | None = None,
        *,
        on_call: Callable[[CallEvent], None] | None = None,
        prompts: Sequence[Sequence[int]] | None = None,
    ) -> list[DecodeResult]:
        """Decode many queries (see :meth:`stream`); ``on_call`` gets each call as soon as it closes."""
        out: list[DecodeResult] = []
        for item in self.stream(queries, config, prompts=prompts):
            if isinstance(item, DecodeResult):
                out.append(item)
            elif on_call is not None:
                on_call(item)
        return out

    def __call__(self, query: str, config: DecodeConfig | None = None) -> DecodeResult:
        """Decode one query."""
        return self.decode([query], config)[0]
