"""The no-tool queries :func:`~tokmem_agents.training.trainer.learn` mixes in with
``TrainConfig.negative_share > 0``, so memory tokens learn *not* to fire on what no tool serves: a
shipped corpus of varied queries (questions,
advice, chit-chat, writing, coding, near misses of everyday tool domains; written by
``scripts/make_negatives_corpus.py``), after the negatives a bank stores from its users' data. The
corpus assumes action tools: it asks for definitions, translations, jokes, code and facts, so a
tool that serves such queries (a dictionary, a translator) should not learn against it."""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from ..bank.records import Example, load_jsonl, query_key

SHIPPED = Path(__file__).parent.parent / "data" / "negatives" / "notool.jsonl"


@lru_cache(maxsize=1)
def shipped_negatives() -> tuple[Example, ...]:
    """The shipped no-tool corpus (read once per process)."""
    return tuple(e for e in load_jsonl(SHIPPED) if not e.calls)


def draw_negatives(count: int, pool: Sequence[Example], exclude: set[str], seed: int) -> list[Example]:
    """``count`` no-tool examples drawn without replacement from ``pool`` (those whose
    :func:`query_key` is in ``exclude`` skipped), in a fixed order for a seed; fewer when the pool is smaller."""
    rng = random.Random(seed)
    candidates = [e for e in pool if not e.calls and query_key(e.query) not in exclude]
    rng.shuffle(candidates)
    return candidates[:count]
