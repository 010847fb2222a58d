"""The generator of the auxiliary tool corpus for backbone adaptation ("TokMem w/ adapt").

Once per backbone a LoRA adapter is trained jointly with *temporary* memory tokens on these synthetic
tools, then frozen. The tools are deliberately disjoint from the catalog (``tools/``): they only teach
the backbone the general skill "after a memory token, write the JSON arguments copying values
verbatim from the query, then stop", and "fire no memory token on a query that needs no tool".

Everything is generated from hand-written building blocks (domains x actions x objects, argument
kinds with many phrasings, rich value pools) by a seeded :class:`random.Random`, so the corpus is
reproducible bit for bit. The default corpus (style "v1") ships in ``tokmem_agents/data/auxiliary/``
(``python scripts/make_auxiliary_corpus.py`` rewrites it; ``--style v2`` writes the unshipped
candidate corpus for the next adapter elsewhere);
:func:`tokmem_agents.training.corpus.load_corpus` reads it back. ``generate_corpus(n_tools=N)`` also
makes N synthetic tools for scaling benchmarks: tool ``i`` and its examples do not depend on
``n_tools``, so a smaller corpus is a prefix of a larger one.

This package is used only by the build scripts, the benchmarks and the tests, never by the library
at run time. Its modules: :mod:`.pools` (value pools), :mod:`.fields` (argument kinds, their values
and phrasings), :mod:`.domains` (domains and actions), :mod:`.tools` (tools and their single-call
examples), :mod:`.compose` (multi-call examples) and :mod:`.notool` (no-tool examples). Reading and
writing corpus directories is :mod:`tokmem_agents.training.corpus`, re-exported here.
"""

from __future__ import annotations

import random

from tokmem_agents.bank.records import Example, spec_examples
from tokmem_agents.bank.specs import ToolSpec, parse_spec
from tokmem_agents.training.corpus import (
    COMPOSITIONAL_FILE,
    DEFAULT_DIR,
    NOTOOL_FILE,
    PARAPHRASES_FILE,
    TOOLS_FILE,
    AuxCorpus,
    load_corpus,
    write_corpus,
)

from .compose import _make_multi
from .domains import CATALOG_WORDS
from .fields import Style
from .notool import _make_notool
from .paraphrase import multi_paraphrases, paraphrase_examples
from .tools import _make_tools, _tool_examples, max_tools

__all__ = [
    "CATALOG_WORDS",
    "COMPOSITIONAL_FILE",
    "DEFAULT_DIR",
    "NOTOOL_FILE",
    "PARAPHRASES_FILE",
    "TOOLS_FILE",
    "AuxCorpus",
    "Style",
    "generate_corpus",
    "load_corpus",
    "max_tools",
    "write_corpus",
]


def generate_corpus(
    n_tools: int = 96,
    examples_per_tool: int = 24,
    n_multi: int | None = None,
    n_notool: int = 240,
    seed: int = 0,
    paraphrases_per_tool: int = 8,
    n_multi_paraphrases: int | None = None,
    style: Style = "v1",
) -> AuxCorpus:
    """Make the auxiliary corpus deterministically from ``seed`` (same arguments, same corpus;
    the paraphrases draw from their own random streams, so they change nothing else).

    ``style`` picks the forms (:data:`.fields.Style`): "v1", the default, is the shipped corpus (the
    shipped adapter was trained on it); "v2" adds the argument forms of real short queries, more
    varied and multi-call paraphrases and a few clean-ups - the candidate corpus for the next adapter,
    not shipped. ``n_multi`` defaults to 480 (v1) or 560 (v2); ``n_multi_paraphrases`` multi-call
    paraphrases follow the single-call ones (default none in v1, ``n_multi // 4`` in v2, so that
    training on the paraphrases keeps multi-call queries near 16% of the examples)."""
    if style not in ("v1", "v2"):
        raise ValueError(f"style must be 'v1' or 'v2', got {style!r}")
    if n_multi is None:
        n_multi = 560 if style == "v2" else 480
    tools = _make_tools(n_tools, seed, style)
    specs: list[ToolSpec] = []
    paraphrases: list[Example] = []
    for t in tools:
        rng = random.Random(f"aux-examples-{seed}-{t.name}")
        raw = _tool_examples(t, examples_per_tool, rng)
        specs.append(parse_spec(t.spec_dict(raw), source="auxiliary"))
        paraphrases += paraphrase_examples(t, paraphrases_per_tool, seed, {r["query"] for r in raw})
    examples = [e for s in specs for e in spec_examples(s)]
    multi = _make_multi(tools, n_multi, seed, style)
    if n_multi_paraphrases is None:
        n_multi_paraphrases = n_multi // 4 if style == "v2" else 0
    if n_multi_paraphrases:
        paraphrases += multi_paraphrases(tools, n_multi_paraphrases, seed, {e.query for e in multi})
    return AuxCorpus(specs, examples, multi, _make_notool(n_notool, seed), paraphrases)
