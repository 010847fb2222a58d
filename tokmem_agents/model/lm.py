"""The forward pass of a frozen backbone extended by memory rows.

Memory token ``i`` (id ``base_vocab + i``) reads its input row through :class:`MemoryEmbedding`
(passed to the backbone as ``inputs_embeds``) and gets the logit ``h . out_i`` from
:class:`MemoryHead`, beside the ordinary vocabulary logits. The backbone itself is never modified.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import nn

from .backbone import Backbone


class MemoryEmbedding(nn.Module):
    """Input embedding over vocabulary + memory ids: holds the frozen base table and the rows."""

    def __init__(self, base: nn.Module, rows: torch.Tensor) -> None:
        super().__init__()
        self.base = base
        self.rows = rows
        self.base_vocab = int(base.weight.shape[0])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Embeddings of ``ids``: the base table's rows, memory rows for memory ids."""
        is_mem = ids >= self.base_vocab
        emb = self.base(ids.clamp(max=self.base_vocab - 1))
        if self.rows.shape[0] and bool(is_mem.any()):
            mem = self.rows.to(emb.dtype)[(ids - self.base_vocab).clamp(0, self.rows.shape[0] - 1)]
            emb = torch.where(is_mem.unsqueeze(-1), mem, emb)
        return emb


class MemoryHead(nn.Module):
    """Output layer over vocabulary + memory: base logits and an extra block ``h @ rows.T``."""

    def __init__(self, base: nn.Module, rows: torch.Tensor) -> None:
        super().__init__()
        self.base = base
        self.rows = rows

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Logits of hidden states ``h``: the vocabulary's, then one per memory row."""
        logits = self.base(h)
        if self.rows.shape[0] == 0:
            return logits
        return torch.cat([logits, h @ self.rows.to(h.dtype).T], dim=-1)


class MemoryLM:
    """A backbone plus memory rows (input rows; output rows default to the input rows: coupled)."""

    def __init__(self, backbone: Backbone, input_rows: torch.Tensor, output_rows: torch.Tensor | None = None) -> None:
        self.backbone = backbone
        model = backbone.model
        self.embedding = MemoryEmbedding(model.get_input_embeddings(), input_rows)
        self.head = MemoryHead(model.get_output_embeddings(), input_rows if output_rows is None else output_rows)
        self.decoder = model.base_model
        self.base_vocab = backbone.base_vocab
        # transformers 5 renamed ``past_key_values`` to ``cache`` on some models
        self._cache_kw = "cache" if "cache" in inspect.signature(self.decoder.forward).parameters else "past_key_values"

    def set_rows(self, input_rows: torch.Tensor, output_rows: torch.Tensor | None = None) -> None:
        """Swap in new memory rows (the trainer does this every step; the rest is built once)."""
        self.embedding.rows = input_rows
        self.head.rows = input_rows if output_rows is None else output_rows

    @property
    def vocab_size(self) -> int:
        """Width of the logits: vocabulary plus memory tokens."""
        return self.base_vocab + int(self.embedding.rows.shape[0])

    def hidden(
        self,
        ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        past: Any = None,
        use_cache: bool = False,
    ) -> tuple[torch.Tensor, Any]:
        """Last hidden states (after the final norm) for ``ids``, and the updated KV cache."""
        out = self.decoder(
            inputs_embeds=self.embedding(ids),
            attention_mask=attention_mask,
            position_ids=position_ids,
            use_cache=use_cache,
            **{self._cache_kw: past},
        )
        if not use_cache:
            return out.last_hidden_state, None
        cache = out["cache"] if "cache" in out else out.get("past_key_values")
        return out.last_hidden_state, cache

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        """Logits over vocabulary + memory tokens for hidden states ``h``."""
        return self.head(h)
