"""Initial memory vectors of new tools (see :class:`~tokmem_agents.config.BankConfig`): the mean of the
tool name's sub-token embeddings (default), the mean embedding plus noise, orthogonal rows, or
prototypes of the decision states of the tool's examples (:func:`prototype_vectors`)."""

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
    if method == "prototype":
        raise ValueError("prototype rows come from decision states: use prototype_vectors")
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


PROTOTYPE_REFERENCE = 64
"""How many shipped no-tool queries give the reference (generic) decision state of ``prototype``."""


def prototype_vectors(states: torch.Tensor, owners: Sequence[int], n: int, reference: torch.Tensor, norm: float) -> torch.Tensor:
    """``prototype`` rows: for each new tool ``k``, the unit direction from the mean ``reference``
    decision state to the mean of its own ``states`` (rows of ``states`` whose ``owners`` entry is
    ``k``), times ``norm``. Every tool must own at least one state."""
    own = torch.tensor(list(owners), device=states.device)
    centre = reference.float().mean(0)  # a tool's examples owe their shared "a request" part to no tool
    rows = []
    for k in range(n):
        mine = states[own == k].float()
        if not len(mine):
            raise ValueError(f"tool {k} has no decision state")
        d = mine.mean(0) - centre
        rows.append(d / d.norm().clamp_min(1e-8) * norm)
    return torch.stack(rows) if rows else torch.zeros(0, states.shape[1], device=states.device)
