"""Learning tools: only the new memory rows receive gradients; the backbone and old rows stay frozen.

:func:`learn` plans the examples (:mod:`.plan`), encodes them (:mod:`.encoding`), initialises the
new rows (:mod:`.init`), runs the shared loop (:mod:`.loop`) on the TokMem loss (:mod:`.loss`)
with renormalisation after every step, refuses diverged rows, and adds the new tools to the bank.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch

from ..bank.memory import LearnedTool, MemoryBank
from ..bank.records import Example, query_key
from ..bank.specs import ToolSpec
from ..config import TrainConfig
from ..errors import BankError, SpecError, TrainingDivergedError
from ..model.backbone import Backbone
from ..model.lm import MemoryLM
from .encoding import Encoded, encode_decision, encode_example
from .init import PROTOTYPE_REFERENCE, init_vectors, prototype_vectors
from .loop import TrainProgress, optimise
from .loss import batch_loss
from .negatives import draw_negatives, shipped_negatives
from .plan import plan_examples
from .decision_only import perturbed_queries, spec_queries
from .states import decision_states


def _renormalise(rows: torch.Tensor, target_norm: torch.Tensor) -> None:
    with torch.no_grad():
        rows.mul_(target_norm / rows.norm(dim=1, keepdim=True).clamp_min(1e-8))


log = logging.getLogger(__name__)


@dataclass
class TrainStats:
    """Summary of one :func:`learn` call."""

    tools: list[str]
    examples: int
    steps: int
    seconds: float
    final_loss: float
    per_tool: dict[str, dict[str, Any]] = field(default_factory=dict)
    epochs: int = 1
    decision_only: int = 0
    """Decision-only requests trained beside the ``examples`` (``TrainConfig.spec_queries`` and
    ``perturbed_queries``)."""

    @property
    def examples_per_second(self) -> float:
        """Training throughput (examples, decision-only ones included, processed per second, all epochs)."""
        return (self.examples + self.decision_only) * self.epochs / self.seconds if self.seconds else 0.0


def _prototypes(lm: MemoryLM, encoded: Sequence[Encoded], first: int, n: int, pad: int, norm: float, seed: int) -> torch.Tensor:
    """``prototype`` rows for new tools ``first .. first + n - 1`` (see :func:`prototype_vectors`): their
    examples' decision states against the reference of :data:`PROTOTYPE_REFERENCE` shipped no-tool queries."""
    states, owners = decision_states(lm, [e for e in encoded if not e.no_tool], pad)
    keep = [i for i, o in enumerate(owners) if o >= first]
    reference = [encode_example(lm.backbone, e, {}) for e in draw_negatives(PROTOTYPE_REFERENCE, shipped_negatives(), set(), seed)]
    ref_states, _ = decision_states(lm, reference, pad)
    return prototype_vectors(states[keep], [owners[i] - first for i in keep], n, ref_states, norm)


def learn(
    backbone: Backbone,
    bank: MemoryBank,
    specs: Sequence[ToolSpec],
    extra: Sequence[Example] = (),
    config: TrainConfig | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
) -> TrainStats:
    """Learn ``specs`` (new to ``bank``) into ``bank`` in place; existing rows stay bit-identical.

    Raises :class:`SpecError`/:class:`DataError` before any training when the input is invalid.
    On an exception (e.g. KeyboardInterrupt) the bank is left unchanged.
    """
    config = config or TrainConfig()
    bank.fingerprint.check(backbone.fingerprint, "this bank")
    clash = [s.name for s in specs if s.name in bank]
    if clash:
        raise BankError(f"tool(s) {clash} already learned (use --retrain to learn them again)")
    if not specs:
        raise SpecError("no tools to learn")
    examples, per_tool = plan_examples(bank, specs, extra, config)
    new_names = [s.name for s in specs]
    token_index = {**{n: i for i, n in enumerate(bank.names)}, **{n: len(bank) + i for i, n in enumerate(new_names)}}

    gen = torch.Generator().manual_seed(config.seed)
    descriptions = [s.description for s in specs]
    emb = backbone.model.get_input_embeddings().weight
    old_in = bank.input_vectors.to(backbone.device)
    all_specs = {**bank.specs, **{s.name: s for s in specs}}
    encoded = [encode_example(backbone, e, token_index, all_specs) for e in examples]
    requests = [(q, s.name) for s in specs for q in spec_queries(s, config.spec_queries)]
    if config.perturbed_queries:
        own = [e for e in examples if len(e.calls) == 1 and e.calls[0].name in new_names]
        requests += perturbed_queries(own, config.perturbed_queries, config.seed)
    encoded += [encode_decision(backbone, q, tool, token_index) for q, tool in requests]
    lm = MemoryLM(backbone, old_in)
    pad = backbone.tokenizer.pad_token_id or 0
    emb_norm = emb.detach().float().norm(dim=1).mean()

    if bank.config.init == "prototype":  # one forward pass over the examples serves both rows of a decoupled bank
        start = _prototypes(lm, encoded[: len(examples)], len(bank), len(new_names), pad, float(emb_norm), config.seed)
        initial: Callable[[], torch.Tensor] = start.clone
    else:
        initial = lambda: init_vectors(emb, new_names, backbone.tokenizer, bank.config.init, gen, descriptions)  # noqa: E731

    new_in = torch.nn.Parameter(initial().to(backbone.device))
    params = [new_in]
    old_out = new_out = None
    if not bank.config.coupled:
        old_out = bank.out_vectors.to(backbone.device)
        new_out = torch.nn.Parameter(initial().to(backbone.device))
        params.append(new_out)

    def target(old: torch.Tensor | None) -> torch.Tensor | None:
        """The norm new rows are held at: the existing rows' mean, or the embeddings' for a first learn."""
        if old is None or not config.renormalize:
            return None
        if len(bank):
            return old.norm(dim=1).mean()
        return emb_norm.to(backbone.device) if config.renormalize_first else None

    target_in, target_out = target(old_in), target(old_out)

    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)

    def rows() -> None:
        lm.set_rows(
            torch.cat([old_in, new_in]),
            None if new_out is None else torch.cat([old_out, new_out]),  # type: ignore[list-item]
        )

    def renormalise() -> None:
        if target_in is not None:
            _renormalise(new_in.data, target_in)
        if target_out is not None and new_out is not None:
            _renormalise(new_out.data, target_out)

    run = optimise(lambda b: batch_loss(lm, b, pad, config.no_tool_weight), encoded, params, opt, config, backbone.device, progress, rows, renormalise)
    seconds, last_losses, loss_val, total = run.seconds, run.last_losses, run.final_loss, run.steps
    # A diverged row (too large a learning rate) would be saved as a tool that is useless: refuse it.
    # Judged by its norm in the rows' own dtype: NaN/inf entries or overflow, (near-)zero, or exploded.
    scale = float(emb_norm)
    broken: set[str] = set()
    for p in params:
        norm = p.detach().norm(dim=1)
        bad = ~norm.isfinite() | (norm <= 1e-6 * scale) | (norm >= 1e6 * scale)
        broken.update(new_names[i] for i in bad.nonzero().flatten().tolist())
    if broken:
        names = ", ".join(n for n in new_names if n in broken)
        raise TrainingDivergedError(
            f"training diverged: the memory vector(s) of {names} came out non-finite, zero or exploded, so nothing "
            f"was learned and the bank was left unchanged; try a smaller learning rate (--lr, was {config.lr:g})"
        )

    stats: dict[str, dict[str, Any]] = {}
    new_tools = []
    srng = random.Random(config.seed + 1)
    for s in specs:
        idxs = [i for i, e in enumerate(examples) if s.name in e.tool_names]
        losses = [last_losses[i] for i in idxs if i in last_losses]
        stored = list(per_tool[s.name])
        srng.shuffle(stored)
        stats[s.name] = {
            "examples": len(idxs),
            "final_loss": round(sum(losses) / len(losses), 5) if losses else None,
            "seconds": round(seconds * len(idxs) / max(1, len(examples)), 2),
            "epochs": config.epochs,
            "lr": config.lr,
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        new_tools.append(LearnedTool(spec=s, stats=stats[s.name], examples=tuple(stored[: config.stored_examples_per_tool])))
    was_empty = not len(bank)
    bank.add(new_tools, new_in.detach().cpu(), None if new_out is None else new_out.detach().cpu())
    learned_negatives = config.negative_share > 0 and any(not e.calls for e in examples)
    if was_empty:  # a threshold this low is only right for memory tokens that learned negatives
        bank.call_threshold = config.call_threshold if learned_negatives else None
    elif (bank.call_threshold is not None) != learned_negatives:
        log.warning(
            "the bank decides calls by %s, but %s were learned %s negatives; they may call too %s (learn them "
            "with the bank's recipe, or start a new bank)",
            "total memory probability" if bank.call_threshold is not None else "argmax", ", ".join(new_names),
            "without" if bank.call_threshold is not None else "with", "often" if bank.call_threshold is not None else "rarely",
        )
    bank.remember_negatives(extra, {query_key(e.query) for e in extra if e.calls}, config.stored_negatives)
    return TrainStats(
        tools=new_names, examples=len(examples), steps=total, seconds=seconds, final_loss=loss_val, per_tool=stats,
        epochs=config.epochs, decision_only=len(encoded) - len(examples),
    )
