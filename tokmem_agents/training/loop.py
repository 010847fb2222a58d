"""The one optimisation loop shared by learning tools, adapting a backbone and the LoRA baseline:
shuffled (optionally length-grouped) batches, autocast, AdamW steps with linear warm-up then decay,
gradient clipping, progress reports."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from ..config import LoopConfig
from ..model.precision import autocast
from .encoding import Encoded


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
        """Throughput so far."""
        return self.examples_done / self.elapsed if self.elapsed > 0 else 0.0


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
    config: LoopConfig,
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
    last: torch.Tensor | None = None
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
            last = loss.detach()  # read back only when someone looks: on a GPU each read waits for the step
            if epoch == config.epochs - 1 and per_ex is not None:
                last_losses.update(zip(idx, per_ex.tolist()))
            if progress is not None:
                loss_val = float(last)
                progress(
                    TrainProgress(step, total, epoch + 1, loss_val, done, len(encoded) * config.epochs, time.perf_counter() - start)
                )
    if last is not None:
        loss_val = float(last)
    return RunResult(total, time.perf_counter() - start, loss_val, last_losses)


