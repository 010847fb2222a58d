"""Learning tools: only the new memory rows receive gradients; the backbone and old rows stay frozen.

Each example becomes ``chat_template(user: query) + [mem_a] json(args_a) [mem_b] json(args_b) ... <end>``
with next-token cross entropy on the assistant side only. A no-tool example (no calls) adds the
loss ``-log P(first assistant token is not a memory token)``, teaching the bank not to fire.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import torch
import torch.nn.functional as F

from .backbone import Backbone
from .config import TrainConfig
from .data import Example, check_examples, spec_examples, synthesize_compositional
from .errors import BankError, SpecError, TrainingDivergedError
from .lm import MemoryLM, autocast
from .memory import LearnedTool, MemoryBank, init_vectors
from .specs import ToolSpec, check_unique, order_like_schema

log = logging.getLogger(__name__)

NO_TOOL_WEIGHT = 8.0
"""Loss weight of a no-tool example's single term (about the target length of a call example)."""


@dataclass(frozen=True)
class TrainProgress:
    """One optimiser step, reported to a progress callback."""

    step: int
    total_steps: int
    epoch: int
    loss: float
    examples_done: int
    total_examples: int
    elapsed: float

    @property
    def examples_per_second(self) -> float:
        return self.examples_done / self.elapsed if self.elapsed > 0 else 0.0


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

    @property
    def examples_per_second(self) -> float:
        """Training throughput (examples processed per second, all epochs)."""
        return self.examples * self.epochs / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Encoded:
    """A tokenised training example."""

    ids: list[int]
    prompt_len: int
    tools: tuple[str, ...]

    @property
    def no_tool(self) -> bool:
        return not self.tools


def call_text(arguments: Mapping[str, Any], spec: ToolSpec | None = None) -> str:
    """The training text of a call's arguments: ``json.dumps`` with keys in schema order."""
    args = order_like_schema(dict(arguments), spec.schema) if spec is not None else arguments
    return json.dumps(args, ensure_ascii=False)


def encode_example(
    backbone: Backbone, ex: Example, token_index: Mapping[str, int], specs: Mapping[str, ToolSpec] | None = None
) -> Encoded:
    """Token ids of ``prompt + [mem] json(args) ... <end>`` (no-tool examples: the prompt only)."""
    prompt = backbone.prompt_ids(ex.query)
    target: list[int] = []
    for call in ex.calls:
        target.append(backbone.base_vocab + token_index[call.name])
        text = call_text(call.arguments, (specs or {}).get(call.name))
        target.extend(backbone.tokenizer(text, add_special_tokens=False)["input_ids"])
    if ex.calls:
        target.append(backbone.end_token_ids[0])
    return Encoded(prompt + target, len(prompt), tuple(c.name for c in ex.calls))


def collate(batch: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch's ids right-padded with ``pad_id`` to its longest example, and the attention mask."""
    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, e in enumerate(batch):
        ids[r, : len(e.ids)] = torch.tensor(e.ids)
        mask[r, : len(e.ids)] = 1
    return ids, mask


@dataclass(frozen=True)
class Targets:
    """Where a batch's loss is read, as (row, column) positions of the hidden states.

    ``rows``/``cols`` predict the assistant tokens ``labels`` (a call example's target, teacher
    forced); ``neg_rows``/``neg_cols`` are the last prompt position of each no-tool example, where
    the first assistant token is decided.
    """

    rows: list[int]
    cols: list[int]
    labels: list[int]
    neg_rows: list[int]
    neg_cols: list[int]


def target_positions(batch: Sequence[Encoded]) -> Targets:
    """The :class:`Targets` of a batch: the trainer's and the LoRA baseline's loss read the same places."""
    t = Targets([], [], [], [], [])
    for r, e in enumerate(batch):
        if e.no_tool:
            t.neg_rows.append(r)
            t.neg_cols.append(e.prompt_len - 1)
            continue
        for p in range(e.prompt_len - 1, len(e.ids) - 1):
            t.rows.append(r)
            t.cols.append(p)
            t.labels.append(e.ids[p + 1])
    return t


def batch_loss(lm: MemoryLM, batch: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean loss over the batch's target tokens, and the per-example mean losses (detached)."""
    ids, mask = collate(batch, pad_id)
    h, _ = lm.hidden(ids, attention_mask=mask)
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
    per_token = torch.cat(terms).cpu()
    weights = torch.ones_like(per_token)
    if t.neg_rows:  # a no-tool example weighs as much as a typical call example, not as one token
        weights[len(t.rows) :] = NO_TOOL_WEIGHT
    own = torch.tensor(owners)
    per_example = torch.zeros(len(batch)).index_add_(0, own, per_token.detach())
    counts = torch.zeros(len(batch)).index_add_(0, own, torch.ones_like(per_token.detach()))
    return (per_token * weights).sum() / weights.sum(), per_example / counts.clamp_min(1)


def lr_schedule(step: int, total: int, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then linear decay to zero at ``total``."""
    if warmup and step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


GROUP_SPAN = 50
"""With ``group_by_length``, examples are sorted by length within windows of this many batches."""


def batch_order(order: list[int], lengths: Sequence[int], batch_size: int, rng: random.Random, group_by_length: bool = False) -> list[list[int]]:
    """One epoch's batches (example indices): ``order`` is shuffled in place (each epoch reshuffles the
    last one) and cut into ``batch_size`` pieces. With ``group_by_length``, each window of
    ``GROUP_SPAN`` batches is sorted by length before it is cut and the batches are shuffled again,
    so a batch holds examples of similar length (less padding)."""
    rng.shuffle(order)
    cut = order
    if group_by_length:
        span = batch_size * GROUP_SPAN
        cut = [i for w in range(0, len(order), span) for i in sorted(order[w : w + span], key=lengths.__getitem__)]
    batches = [cut[b : b + batch_size] for b in range(0, len(cut), batch_size)]
    if group_by_length:
        rng.shuffle(batches)
    return batches


def _renormalise(rows: torch.Tensor, target_norm: torch.Tensor) -> None:
    with torch.no_grad():
        rows.mul_(target_norm / rows.norm(dim=1, keepdim=True).clamp_min(1e-8))


@dataclass(frozen=True)
class RunResult:
    """What :func:`optimise` reports: steps, wall time, last loss and each example's last-epoch loss."""

    steps: int
    seconds: float
    final_loss: float
    last_losses: dict[int, float]


def optimise(
    loss_fn: Callable[[Sequence[Encoded]], tuple[torch.Tensor, torch.Tensor | None]],
    encoded: Sequence[Encoded],
    params: Sequence[torch.Tensor],
    opt: torch.optim.Optimizer,
    config: TrainConfig,
    device: torch.device,
    progress: Callable[[TrainProgress], None] | None = None,
    before_step: Callable[[], None] | None = None,
    after_step: Callable[[], None] | None = None,
) -> RunResult:
    """The training loop shared by :func:`learn`, adaptation and the LoRA baseline: shuffled batches,
    ``loss_fn(batch) -> (loss, per-example losses or None)`` under the configured autocast, linear
    warm-up/decay, gradient clipping over ``params``, ``before_step`` (e.g. swap rows in) and
    ``after_step`` (e.g. renormalise) around every optimiser step."""
    steps_per_epoch = math.ceil(len(encoded) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = int(config.warmup_ratio * total)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_schedule(s, total, warmup))
    rng = random.Random(config.seed)
    order = list(range(len(encoded)))
    lengths = [len(e.ids) for e in encoded]
    start = time.perf_counter()
    step = done = 0
    last_losses: dict[int, float] = {}
    loss_val = float("nan")
    for epoch in range(config.epochs):
        for idx in batch_order(order, lengths, config.batch_size, rng, config.group_by_length):
            batch = [encoded[i] for i in idx]
            if before_step is not None:
                before_step()
            with autocast(device, config.precision):
                loss, per_ex = loss_fn(batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if config.max_grad_norm:
                torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
            opt.step()
            sched.step()
            if after_step is not None:
                after_step()
            step += 1
            done += len(batch)
            loss_val = float(loss.detach())
            if epoch == config.epochs - 1 and per_ex is not None:
                last_losses.update(zip(idx, per_ex.tolist()))
            if progress is not None:
                progress(
                    TrainProgress(step, total, epoch + 1, loss_val, done, len(encoded) * config.epochs, time.perf_counter() - start)
                )
    return RunResult(total, time.perf_counter() - start, loss_val, last_losses)


def plan_examples(
    bank: MemoryBank,
    new_specs: Sequence[ToolSpec],
    extra: Sequence[Example],
    config: TrainConfig,
) -> tuple[list[Example], dict[str, list[Example]]]:
    """Validate and assemble the training set: the new tools' examples, extra data, replay, synthesis.

    Returns the examples and, per new tool, the examples that mention it.
    """
    check_unique(new_specs)
    new_names = [s.name for s in new_specs]
    known = {**bank.specs, **{s.name: s for s in new_specs}}
    check_examples(extra, known, source="--data")
    per_tool: dict[str, list[Example]] = {n: [] for n in new_names}
    own = [e for s in new_specs for e in spec_examples(s)]
    for e in [*own, *extra]:
        for n in set(e.tool_names):
            if n in per_tool:
                per_tool[n].append(e)
    missing = [n for n, exs in per_tool.items() if not exs]
    if missing:
        raise SpecError(
            f"tool(s) {missing} have no examples: add \"examples\" to the spec or calls of them in --data"
        )
    examples = own + list(extra)
    rng = random.Random(config.seed)
    if config.replay:
        for t in bank.tools:
            if t.name in per_tool:
                continue
            stored = [e for e in t.examples if all(n in known for n in e.tool_names)]
            rng.shuffle(stored)
            examples.extend(stored[: config.replay_per_tool])
    n_synth = config.synthesized_examples(len(new_specs))
    if n_synth > 0:
        pools: dict[str, list[Example]] = {n: [e for e in own if e.tool_names == [n]] for n in new_names}
        for t in bank.tools:
            if t.name not in pools:
                pools[t.name] = [e for e in t.examples if len(e.calls) == 1]
        examples.extend(
            synthesize_compositional(pools, n_synth, seed=config.seed, must_include=new_names)
        )
    return examples, per_tool


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
    emb = backbone.model.get_input_embeddings().weight
    old_in = bank.input_vectors.to(backbone.device)
    new_in = torch.nn.Parameter(init_vectors(emb, new_names, backbone.tokenizer, bank.config.init, gen).to(backbone.device))
    params = [new_in]
    old_out = new_out = None
    if not bank.config.coupled:
        old_out = bank.out_vectors.to(backbone.device)
        new_out = torch.nn.Parameter(init_vectors(emb, new_names, backbone.tokenizer, bank.config.init, gen).to(backbone.device))
        params.append(new_out)
    target_in = old_in.norm(dim=1).mean() if len(bank) and config.renormalize else None
    target_out = old_out.norm(dim=1).mean() if old_out is not None and len(bank) and config.renormalize else None

    all_specs = {**bank.specs, **{s.name: s for s in specs}}
    encoded = [encode_example(backbone, e, token_index, all_specs) for e in examples]
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    lm = MemoryLM(backbone, old_in)

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

    pad = backbone.tokenizer.pad_token_id or 0
    run = optimise(lambda b: batch_loss(lm, b, pad), encoded, params, opt, config, backbone.device, progress, rows, renormalise)
    seconds, last_losses, loss_val, total = run.seconds, run.last_losses, run.final_loss, run.steps
    # A diverged row (too large a learning rate) would be saved as a tool that is useless: refuse it.
    # Judged by its norm in the rows' own dtype: NaN/inf entries or overflow, (near-)zero, or exploded.
    scale = float(emb.detach().float().norm(dim=1).mean())
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
    bank.add(new_tools, new_in.detach().cpu(), None if new_out is None else new_out.detach().cpu())
    return TrainStats(
        tools=new_names, examples=len(examples), steps=total, seconds=seconds, final_loss=loss_val, per_tool=stats,
        epochs=config.epochs,
    )
