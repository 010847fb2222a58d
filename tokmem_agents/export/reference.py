"""Decoding an export with nothing of tokmem's model code: plain ``transformers`` weights, greedy
steps under ``tools.lark`` with llguidance's token mask, calls read back by the manifest.

This is what a serving engine with llguidance structured output does; :class:`ReferenceDecoder`
checks that an export reproduces the in-process decoder (``scripts/verify_export.py``, the tests)
without an engine. The prompt is the exported chat template's (its ``date_string`` fixed at export).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..decode.grammar import ll_tokenizer
from ..model.chat import ChatTemplate
from .manifest import GRAMMAR_FILE, ExportManifest, ParsedTurn


@dataclass(frozen=True)
class ReferenceTurn:
    """One greedy turn: the generated ids (end token excluded) and the turn read back."""

    token_ids: list[int]
    turn: ParsedTurn


class ReferenceDecoder:
    """An exported directory loaded with ``AutoModelForCausalLM`` / ``AutoTokenizer``."""

    def __init__(self, directory: str | Path, device: str | torch.device = "cpu") -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        directory = Path(directory)
        self.manifest = ExportManifest.read(directory)
        self.tokenizer = AutoTokenizer.from_pretrained(str(directory))
        self.model = AutoModelForCausalLM.from_pretrained(str(directory), dtype=torch.float32).to(device).eval()
        self.grammar = (directory / GRAMMAR_FILE).read_text(encoding="utf-8")
        self.vocab = int(self.model.get_output_embeddings().weight.shape[0])
        self._ll = ll_tokenizer(self.tokenizer, self.vocab, self.manifest.end_token_ids)
        # transformers 5 renames past_key_values to cache on some models
        self._cache_kw = "cache" if "cache" in inspect.signature(self.model.forward).parameters else "past_key_values"

    def prompt_ids(self, query: str) -> list[int]:
        """The chat prompt of one user turn, rendered as the bank was trained on it."""
        return list(self.tokenizer(ChatTemplate(self.tokenizer).prompt(query), add_special_tokens=False)["input_ids"])

    @torch.no_grad()
    def decode(self, query: str, max_new_tokens: int = 512, max_text_tokens: int | None = None) -> ReferenceTurn:
        """Greedy decoding of ``query`` under the grammar until an end token (or ``max_new_tokens``);
        a plain-text answer stops after ``max_text_tokens`` (e.g. 1 when only the calls matter)."""
        import llguidance
        import llguidance.torch

        matcher = llguidance.LLMatcher(self._ll, self.grammar, log_level=0)
        mask = llguidance.torch.allocate_token_bitmask(1, self.vocab)
        ids = torch.tensor([self.prompt_ids(query)], device=self.model.device)
        past: Any = None
        out: list[int] = []
        ends = set(self.manifest.end_token_ids)
        memory = set(self.manifest.token_ids.values())
        for _ in range(max_new_tokens):
            res = self.model(input_ids=ids, use_cache=True, **{self._cache_kw: past})
            past = res["cache"] if "cache" in res else res.get("past_key_values")
            logits = res.logits[:, -1, :].float().cpu()
            llguidance.torch.fill_next_token_bitmask(matcher, mask, 0)
            llguidance.torch.apply_token_bitmask_inplace(logits, mask)
            tok = int(logits.argmax(-1))
            if tok in ends or not matcher.consume_token(tok):
                break
            out.append(tok)
            if matcher.is_stopped() or (max_text_tokens is not None and out[0] not in memory and len(out) >= max_text_tokens):
                break
            ids = torch.tensor([[tok]], device=self.model.device)
        decode = lambda part: self.tokenizer.decode(part, skip_special_tokens=False, clean_up_tokenization_spaces=False)  # noqa: E731
        return ReferenceTurn(out, self.manifest.parse_ids(out, decode))
