"""A frozen causal LM with its tokenizer, chat template and fingerprint, loaded once per process.

:func:`load_backbone` resolves a model (see :mod:`.sources`), merges an adapter into its weights
(see :mod:`.adapters`), freezes it (``requires_grad=False`` everywhere, eval mode) and caches it
per (model, adapter, device, dtype), so every bank and every integration in a process shares it.
"""

from __future__ import annotations

import os
import threading
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Any

import torch

from ..errors import BackboneError
from .adapters import Adapter, apply_adapter, default_adapter, read_adapter
from .chat import ChatTemplate
from .fingerprint import Fingerprint, dtype_name, embedding_sha256, reduced_sha256
from .precision import resolve_device, weight_dtype
from .sources import load_weights, quiet_third_party, resolve_model


@dataclass
class Backbone:
    """A frozen causal LM with its tokenizer, chat template and fingerprint."""

    model: Any
    tokenizer: Any
    model_id: str
    fingerprint: Fingerprint
    end_token_ids: tuple[int, ...]
    """Tokens that end the assistant turn (end-of-turn, then eos)."""

    @property
    def chat(self) -> ChatTemplate:
        """The tokenizer's chat template (the one renderer of prompts and conversations)."""
        return ChatTemplate(self.tokenizer)

    @property
    def device(self) -> torch.device:
        """Where the weights live (inputs are moved there)."""
        return next(self.model.parameters()).device

    @property
    def hidden_size(self) -> int:
        """Width of the hidden states and of every memory vector."""
        return self.fingerprint.hidden_size

    @property
    def base_vocab(self) -> int:
        """Width of the backbone's logits; memory token i has id ``base_vocab + i``."""
        return self.fingerprint.vocab_size

    @property
    def text_vocab(self) -> int:
        """Number of ids the tokenizer can produce (ids above, up to ``base_vocab``, are padding)."""
        return min(len(self.tokenizer), self.base_vocab)

    def prompt_ids(self, query: str) -> list[int]:
        """Token ids of the chat prompt for ``query``, ending where the assistant turn starts."""
        return self.tokenizer(self.chat.prompt(query), add_special_tokens=False)["input_ids"]


_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str, str, str], Backbone] = {}


def load_backbone(
    model: str | os.PathLike[str] | None = None,
    *,
    adapter: str | os.PathLike[str] | None = "auto",
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    use_cache: bool = True,
    verbose: bool = False,
) -> Backbone:
    """Load (once per process) and freeze a causal LM; ``None`` means the embedded SmolLM2-135M.

    ``adapter``: a trained adapter (id or directory, see :mod:`tokmem_agents.model.adapters`) merged
    into the weights; ``"auto"`` takes the model's shipped default adapter if it has one; None: no
    adapter. ``device``: ``cpu``, ``cuda[:N]`` or ``mps`` (None: the best one present, see
    :func:`~tokmem_agents.model.precision.default_device`). ``dtype``: the weights' dtype, ``fp32``
    (None), ``bf16`` or ``fp16`` (see :mod:`.fingerprint` for banks learned at another one).
    ``verbose`` lets transformers print its own progress bars and advisories.
    """
    dev, dt = resolve_device(device), weight_dtype(dtype)
    model_id, kind, location = resolve_model(model)
    ref = default_adapter(model_id) if adapter == "auto" else adapter
    chosen = read_adapter(ref) if ref not in (None, "", "none") else None
    key = (model_id, chosen.id if chosen else "", str(dev), str(dt))
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        with nullcontext() if verbose else quiet_third_party():
            lm, tok = load_weights(kind, location, dt, use_cache)
            backbone = freeze(lm, tok, model_id, dev, adapter=chosen)
        _LOADED[key] = backbone
        return backbone


def freeze(lm: Any, tok: Any, model_id: str, device: torch.device | str = "cpu", adapter: Adapter | None = None) -> Backbone:
    """Wrap an already loaded HF causal LM as a frozen :class:`Backbone` (used by tests too), with
    ``adapter`` merged into its weights."""
    lm = lm.to(device)
    lm.requires_grad_(False)
    lm.eval()
    out = lm.get_output_embeddings()
    inp = lm.get_input_embeddings()
    if out is None or inp is None:
        raise BackboneError(f"{model_id}: the model exposes no input/output embeddings")
    vocab = int(out.weight.shape[0])
    if int(inp.weight.shape[0]) != vocab:
        raise BackboneError(f"{model_id}: input and output vocabularies differ ({inp.weight.shape[0]} vs {vocab})")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    fp = Fingerprint(
        model_id=model_id,
        hidden_size=int(inp.weight.shape[1]),
        vocab_size=vocab,
        embedding_sha256=embedding_sha256(lm),
        dtype=dtype_name(inp.weight.dtype),
        reduced_sha256=reduced_sha256(lm),
    )
    if adapter is not None:
        apply_adapter(lm, adapter, fp)
        fp = replace(fp, adapter=adapter.id)
    return Backbone(model=lm, tokenizer=tok, model_id=model_id, fingerprint=fp, end_token_ids=ChatTemplate(tok).end_token_ids())
