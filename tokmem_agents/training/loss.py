"""The TokMem loss: next-token cross entropy on every assistant-side token (memory tokens, argument
tokens, the end token), none on the prompt; a no-tool example adds
``-log P(first assistant token is not a memory token)``, weighted like a typical call example. The
adapter's loss may weigh the decision tokens (memory tokens, end token) above the arguments."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from ..model.lm import MemoryLM
from .encoding import Encoded, collate, target_positions

NO_TOOL_WEIGHT = 8.0
"""Loss weight of a no-tool example's single term (about the target length of a call example)."""


def batch_loss(
    lm: MemoryLM,
    batch: Sequence[Encoded],
    pad_id: int,
    no_tool_weight: float = NO_TOOL_WEIGHT,
    decision_weight: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted mean loss over the batch's target tokens, and the per-example mean losses (detached).

    ``decision_weight`` weighs the decision tokens of a call example (its :attr:`Encoded.decisions`:
    each memory token and the end token, i.e. which tool and whether another call follows) against
    its argument tokens. A single-term example (a no-tool query, or a decision-only one) weighs
    ``no_tool_weight`` tokens, as much as a typical call example."""
    ids, mask = collate(batch, pad_id)
    dev = lm.embedding.base.weight.device  # collated on the CPU; the model may be elsewhere
    h, _ = lm.hidden(ids.to(dev), attention_mask=mask.to(dev))
    t = target_positions(batch)
    # logits only where the loss needs them
    terms: list[torch.Tensor] = []
    owners: list[int] = []
    if t.rows:
        logits = lm.logits(h[t.rows, t.cols])
        terms.append(F.cross_entropy(logits.float(), torch.tensor(t.labels, device=logits.device), reduction="none"))
        owners.extend(t.rows)
    if t.neg_rows:
        logits = lm.logits(h[t.neg_rows, t.neg_cols]).float()
        v = lm.base_vocab
        terms.append(torch.logsumexp(logits, -1) - torch.logsumexp(logits[:, :v], -1))
        owners.extend(t.neg_rows)
    per_token = torch.cat(terms)  # reduced where it was computed: no device round trip per step
    weights = torch.ones_like(per_token)
    if decision_weight != 1.0 and t.rows:
        weights[: len(t.rows)][torch.tensor(t.decisions, device=weights.device)] = decision_weight
    single = [batch[r].decision_only for r in t.rows]
    if any(single):
        weights[: len(t.rows)][torch.tensor(single, device=weights.device)] = no_tool_weight
    if t.neg_rows:  # a no-tool example weighs as much as a typical call example, not as one token
        weights[len(t.rows) :] = no_tool_weight
    own = torch.tensor(owners, device=per_token.device)
    zeros = torch.zeros(len(batch), device=per_token.device)
    per_example = zeros.index_add(0, own, per_token.detach())
    counts = zeros.index_add(0, own, torch.ones_like(per_token.detach()))
    return (per_token * weights).sum() / weights.sum(), per_example / counts.clamp_min(1)


