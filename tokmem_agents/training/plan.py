"""The training set of one :func:`~tokmem_agents.training.trainer.learn` call: the new tools' examples,
extra (multi-call) data, replayed stored examples of the bank's other tools, and synthesised
compositions, validated before anything trains."""

from __future__ import annotations

import random
from typing import Sequence

from ..bank.memory import MemoryBank
from ..bank.records import Example, check_examples, query_key, spec_examples
from ..bank.specs import ToolSpec, check_unique
from ..config import TrainConfig
from ..errors import SpecError
from .augment import augment
from .negatives import draw_negatives, shipped_negatives
from .synthesis import synthesize_compositional


def plan_examples(
    bank: MemoryBank,
    new_specs: Sequence[ToolSpec],
    extra: Sequence[Example],
    config: TrainConfig,
) -> tuple[list[Example], dict[str, list[Example]]]:
    """Validate and assemble the training set: the new tools' examples (and their phrasing
    variants), extra data, replay, synthesis, and no-tool queries (the bank's stored negatives first,
    then the shipped corpus) to make up ``config.negative_share`` of it.

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
    if config.augment:
        examples.extend(augment(own, config.augment, seed=config.seed))
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
    # a drawn negative never repeats a query of the plan (a call's query, a variant or a given negative)
    given = {query_key(e.query) for e in examples}
    stored = draw_negatives(len(bank.negatives), bank.negatives, given, seed=config.seed) if config.replay else []
    if config.negative_share:
        calls = sum(1 for e in examples if e.calls)
        count = round(calls * config.negative_share / (1 - config.negative_share))
        taken = stored[:count]
        seen = given | {query_key(e.query) for e in taken}
        examples.extend(taken + draw_negatives(count - len(taken), shipped_negatives(), seen, seed=config.seed))
    else:
        examples.extend(stored[: config.replay_per_tool * len(bank)])
    return examples, per_tool


