"""Decision states: the hidden state at an example's last prompt position, where the first assistant
token (a memory token or text) is decided. A memory token's logit there is ``h . row``, so these
states are what a memory row reads; they depend on the query alone, never on the rows. Used by the
``prototype`` row init and by ``benchmarks/routing_probe.py``."""

from __future__ import annotations

from typing import Sequence

import torch

from ..model.lm import MemoryLM
from .encoding import Encoded, collate


@torch.no_grad()
def decision_states(lm: MemoryLM, encoded: Sequence[Encoded], pad_id: int, batch_size: int = 16) -> tuple[torch.Tensor, list[int]]:
    """The hidden state at each example's last prompt position (where the first assistant token is
    decided; it depends on the query alone, never on memory rows), and the index of the memory token
    that follows it there (-1 for a no-tool example)."""
    states: list[torch.Tensor] = []
    owners: list[int] = []
    dev = lm.embedding.base.weight.device
    for i in range(0, len(encoded), batch_size):
        chunk = [Encoded(e.ids[: e.prompt_len], e.prompt_len, e.tools) for e in encoded[i : i + batch_size]]
        ids, mask = collate(chunk, pad_id)
        h, _ = lm.hidden(ids.to(dev), attention_mask=mask.to(dev))
        for r, (e, full) in enumerate(zip(chunk, encoded[i : i + batch_size])):
            states.append(h[r, e.prompt_len - 1].float())
            owners.append(full.ids[e.prompt_len] - lm.base_vocab if not full.no_tool else -1)
    return torch.stack(states), owners
