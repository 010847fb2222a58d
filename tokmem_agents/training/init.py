"""Initial memory vectors of new tools (see :class:`~tokmem_agents.config.BankConfig`): the mean of the
tool name's sub-token embeddings (default), the mean embedding plus noise, or orthogonal rows."""

from __future__ import annotations

from typing import Any, Sequence

import torch


def init_vectors(
    embedding: torch.Tensor,
    names: Sequence[str],
    tokenizer: Any,
    method: str,
    generator: torch.Generator,
    descriptions: Sequence[str] | None = None,
) -> torch.Tensor:
    """Initial rows for new tools (see :class:`~tokmem_agents.config.BankConfig`); ``descriptions``
    (one per name) are read by the ``spec`` method."""
    # random draws come from the CPU generator (a seed gives the same rows on every device) and move
    # to the embedding's device; the table itself never leaves it
    emb = embedding.detach().to(torch.float32)
    n, d = len(names), emb.shape[1]
    mean = emb.mean(0)
    mean_norm = emb.norm(dim=1).mean()
    if method == "mean":
        noise = torch.randn(n, d, generator=generator).to(emb.device) * emb.std(0) * 0.02
        return mean.expand(n, d) + noise
    if method == "orthogonal":
        q = torch.empty(max(n, 1), d)
        torch.nn.init.orthogonal_(q, generator=generator)
        q = q[:n].to(emb.device)
        return q / q.norm(dim=1, keepdim=True).clamp_min(1e-8) * mean_norm
    if method in ("name", "spec"):
        rows = []
        for k, name in enumerate(names):
            words = name.replace("_", " ").replace(".", " ").replace("-", " ")
            if method == "spec" and descriptions:
                words = f"{words}: {descriptions[k]}"
            ids = tokenizer(words, add_special_tokens=False)["input_ids"]
            ids = [i for i in ids if i < emb.shape[0]] or [0]
            rows.append(emb[ids].mean(0))
        return torch.stack(rows) if rows else torch.zeros(0, d, device=emb.device)
    raise ValueError(f"unknown init method {method!r}")
