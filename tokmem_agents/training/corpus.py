"""The auxiliary corpus that adapts a backbone: synthetic tools (disjoint from the catalog) with
single-call, multi-call and no-tool examples, and paraphrased single calls (other verbs and object
names than the examples use; adaptation may train on them with the memory rows held fixed).

The default corpus ships in ``tokmem_agents/data/auxiliary/`` and is generated, reproducibly, by
``python scripts/make_auxiliary_corpus.py`` (the generator lives in ``scripts/auxiliary``: only the
build scripts and benchmarks run it). This module only reads and writes corpus directories.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..bank.records import Example, load_jsonl, spec_examples
from ..bank.specs import ToolSpec, load_specs
from ..files import atomic_write_bytes

DEFAULT_DIR = Path(__file__).parent.parent / "data" / "auxiliary"
TOOLS_FILE = "tools.json"
COMPOSITIONAL_FILE = "compositional.jsonl"
NOTOOL_FILE = "notool.jsonl"
PARAPHRASES_FILE = "paraphrases.jsonl"


@dataclass(frozen=True)
class AuxCorpus:
    """Auxiliary tools with single-call examples, multi-call examples and no-tool examples."""

    specs: list[ToolSpec]
    examples: list[Example]
    compositional: list[Example]
    notool: list[Example]
    paraphrases: list[Example] = field(default_factory=list)
    """Single calls of the same tools worded unlike any of their examples (``AdaptConfig.paraphrases``)."""

    @property
    def all_examples(self) -> list[Example]:
        """Single-call, multi-call and no-tool examples together (paraphrases are kept apart)."""
        return [*self.examples, *self.compositional, *self.notool]

    def subset(self, n_tools: int) -> "AuxCorpus":
        """The first ``n_tools`` tools, with the examples that call only those tools (no-tool ones kept)."""
        specs = self.specs[:n_tools]
        keep = {s.name for s in specs}

        def inside(exs: list[Example]) -> list[Example]:
            return [e for e in exs if all(n in keep for n in e.tool_names)]

        return AuxCorpus(specs, inside(self.examples), inside(self.compositional), list(self.notool), inside(self.paraphrases))


def _jsonl(examples: Sequence[Example]) -> bytes:
    return "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in examples).encode("utf-8")


def write_corpus(corpus: AuxCorpus, path: str | Path = DEFAULT_DIR) -> Path:
    """Write ``tools.json``, ``compositional.jsonl``, ``notool.jsonl`` and, if there are any,
    ``paraphrases.jsonl`` into ``path`` (atomic per file)."""
    path = Path(path)
    tools = json.dumps([s.to_json() for s in corpus.specs], ensure_ascii=False, indent=1) + "\n"
    atomic_write_bytes(path / TOOLS_FILE, tools.encode("utf-8"))
    atomic_write_bytes(path / COMPOSITIONAL_FILE, _jsonl(corpus.compositional))
    atomic_write_bytes(path / NOTOOL_FILE, _jsonl(corpus.notool))
    if corpus.paraphrases:
        atomic_write_bytes(path / PARAPHRASES_FILE, _jsonl(corpus.paraphrases))
    return path


def load_corpus(path: str | Path = DEFAULT_DIR) -> AuxCorpus:
    """Read an auxiliary corpus written by :func:`write_corpus` (by default the shipped one);
    ``paraphrases.jsonl`` is optional."""
    path = Path(path)
    specs = load_specs([path / TOOLS_FILE])
    paraphrases = path / PARAPHRASES_FILE
    return AuxCorpus(
        specs,
        [e for s in specs for e in spec_examples(s)],
        load_jsonl(path / COMPOSITIONAL_FILE),
        load_jsonl(path / NOTOOL_FILE),
        load_jsonl(paraphrases) if paraphrases.exists() else [],
    )
