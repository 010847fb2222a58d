"""Backbone adaptation ("TokMem w/ adapt"): train a LoRA adapter once per backbone, then freeze it.

The adapter is trained jointly with *temporary* memory tokens (one per auxiliary tool of
:mod:`.corpus`) on the shared loop and loss, and the temporary tokens are discarded. The result is
saved in the adapter store (:mod:`tokmem_agents.model.adapters`) and merged into the backbone
whenever it is loaded with it; every tool a user learns afterwards still trains only its own vector.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from ..bank.records import query_key
from ..config import AdaptConfig
from ..errors import BackboneError
from ..model.adapters import Adapter, attach_lora, save_adapter
from ..model.backbone import Backbone
from ..model.lm import MemoryLM
from .corpus import AuxCorpus, load_corpus
from .encoding import Encoded, encode_example
from .init import init_vectors
from .loop import TrainProgress, optimise
from .loss import batch_loss
from .negatives import draw_negatives, shipped_negatives


def train_adapter(
    backbone: Backbone,
    corpus: AuxCorpus,
    config: AdaptConfig | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Train LoRA weights jointly with temporary memory tokens on ``corpus``.

    Returns the LoRA state dict and training stats. ``backbone`` is left exactly as it was (the LoRA
    layers are removed again, base weights never change); the temporary tokens are discarded.
    """
    from peft import get_peft_model_state_dict

    if backbone.fingerprint.adapter is not None:
        raise BackboneError("this backbone is already adapted; adapt the plain base model")
    config = config or AdaptConfig()
    specs = {s.name: s for s in corpus.specs}
    examples = [*corpus.examples, *corpus.compositional, *corpus.notool]
    if config.negatives:
        seen = {query_key(e.query) for e in (*examples, *getattr(corpus, "paraphrases", ()))}
        examples += draw_negatives(config.negatives, shipped_negatives(), seen, seed=config.seed)
    held = list(getattr(corpus, "paraphrases", ())) if config.paraphrases else []  # a corpus may have none
    if not specs or not examples:
        raise BackboneError("the auxiliary corpus is empty")
    token_index = {name: i for i, name in enumerate(specs)}
    encoded = [encode_example(backbone, e, token_index, specs) for e in (*examples, *held)]
    fixed_rows = {id(e) for e in encoded[len(examples) :]}  # paraphrases: no gradient reaches the rows
    gen = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    emb = backbone.model.get_input_embeddings().weight
    rows = torch.nn.Parameter(init_vectors(emb, list(specs), backbone.tokenizer, "name", gen).to(backbone.device))
    peft_model = attach_lora(backbone.model, config)
    try:
        peft_model.eval()
        lora = [p for p in backbone.model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(
            [{"params": lora, "lr": config.lr}, {"params": [rows], "lr": config.memory_lr}], weight_decay=config.weight_decay
        )
        lm = MemoryLM(backbone, rows)
        pad = backbone.tokenizer.pad_token_id or 0
        run = optimise(
            lambda b: adaptation_loss(lm, rows, b, pad, fixed_rows, config.decision_weight), encoded, [*lora, rows], opt, config, backbone.device, progress
        )
        state = {k: v.detach().to(torch.float32).cpu().clone() for k, v in get_peft_model_state_dict(peft_model).items()}
    finally:
        peft_model.unload()
        backbone.model.requires_grad_(False)
        backbone.model.eval()
    stats = {
        "tools": len(specs),
        "examples": len(examples),
        "paraphrases": len(held),
        "epochs": config.epochs,
        "steps": run.steps,
        "seconds": round(run.seconds, 1),
        "final_loss": round(run.final_loss, 5),
        "trainable_parameters": sum(int(t.numel()) for t in state.values()),
        "temporary_tokens": len(specs),
        "threads": torch.get_num_threads(),  # a different count gives different weights
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return state, stats


def adaptation_loss(
    lm: MemoryLM,
    rows: torch.Tensor,
    batch: Sequence[Encoded],
    pad_id: int,
    fixed_rows: set[int],
    decision_weight: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The batch's loss, where examples whose ``id()`` is in ``fixed_rows`` see ``rows`` detached:
    their gradient reaches the adapter only (the paraphrases of ``AdaptConfig.paraphrases``)."""
    plain = [e for e in batch if id(e) not in fixed_rows]
    if len(plain) == len(batch):
        return batch_loss(lm, batch, pad_id, decision_weight=decision_weight)
    # the same storage without a gradient (a Parameter, since a module may hold the rows as one)
    lm.set_rows(torch.nn.Parameter(rows.detach(), requires_grad=False))
    try:
        held, _ = batch_loss(lm, [e for e in batch if id(e) in fixed_rows], pad_id, decision_weight=decision_weight)
    finally:
        lm.set_rows(rows)
    if not plain:
        return held, None
    share = len(plain) / len(batch)
    return share * batch_loss(lm, plain, pad_id, decision_weight=decision_weight)[0] + (1 - share) * held, None


def adapt(
    backbone: Backbone,
    corpus: AuxCorpus | None = None,
    config: AdaptConfig | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
    root: Path | None = None,
) -> Adapter:
    """Train an adapter for ``backbone`` on ``corpus`` (default: the shipped auxiliary corpus) and save it."""
    config = config or AdaptConfig()
    state, stats = train_adapter(backbone, corpus if corpus is not None else load_corpus(), config, progress)
    return save_adapter(state, config, backbone.fingerprint, stats, root)
