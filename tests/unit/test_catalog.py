"""The built-in tool catalog (tools/): specs, training data and the held-out evaluation split."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tokmem_agents.bank.records import Example, check_examples, load_jsonl
from tokmem_agents.registry import default_registry
from tokmem_agents.bank.specs import ToolSpec, load_spec_file, load_specs

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
SPEC_FILES = sorted(TOOLS.glob("*.json"))
SPECS: dict[str, ToolSpec] = {s.name: s for s in load_specs(SPEC_FILES)}
EVAL_FILES = {name: TOOLS / "eval" / f"{name}.jsonl" for name in ("single", "multi", "notool")}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _norm(query: str) -> str:
    return " ".join(query.lower().split())


def _literal_problems(query: str, arguments: dict, spec: ToolSpec) -> list[str]:
    """Argument values a small model could not copy from the query (free strings and numbers)."""
    problems = []
    numbers = {abs(float(n)) for n in NUMBER.findall(query.replace(",", ""))}
    for key, value in arguments.items():
        if "enum" in spec.parameters["properties"][key] or isinstance(value, bool):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item not in query:
                problems.append(f"{key}={item!r}")
            elif isinstance(item, (int, float)) and abs(float(item)) not in numbers:
                problems.append(f"{key}={item!r}")
    return problems


def test_catalog_size_and_one_tool_per_file():
    assert len(SPEC_FILES) >= 24
    for path in SPEC_FILES:
        specs = load_spec_file(path)
        assert [s.name for s in specs] == [path.stem]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_examples(name: str) -> None:
    spec = SPECS[name]
    assert len(spec.description) >= 20
    assert len(spec.examples) >= 20
    queries = [_norm(e.query) for e in spec.examples]
    assert len(set(queries)) == len(queries), "duplicate example queries"
    order = list(spec.parameters["properties"])
    for e in spec.examples:
        assert list(e.arguments) == [k for k in order if k in e.arguments], f"key order in {e.query!r}"
        assert not _literal_problems(e.query, e.arguments, spec), e.query


def _calls_valid(examples: list[Example], source: str) -> None:
    check_examples(examples, SPECS, source)
    for ex in examples:
        for call in ex.calls:
            problems = _literal_problems(ex.query, call.arguments, SPECS[call.name])
            assert not problems, f"{source}: {ex.query!r}: {problems}"


def test_compositional_training_data():
    examples = load_jsonl(TOOLS / "compositional.jsonl")
    _calls_valid(examples, "compositional.jsonl")
    multi = [e for e in examples if e.calls]
    assert len(multi) >= 150
    assert all(2 <= len(e.calls) <= 4 for e in multi)
    assert sum(1 for e in examples if not e.calls) >= 25
    assert {c.name for e in multi for c in e.calls} == set(SPECS)


def test_eval_split_sizes_and_validity():
    split = {name: load_jsonl(path) for name, path in EVAL_FILES.items()}
    for name, examples in split.items():
        _calls_valid(examples, f"eval/{name}.jsonl")
    assert all(len(e.calls) == 1 for e in split["single"])
    per_tool = Counter(e.calls[0].name for e in split["single"])
    assert {name: per_tool[name] for name in SPECS if per_tool[name] < 4} == {}
    assert len(split["multi"]) >= 60 and all(2 <= len(e.calls) <= 4 for e in split["multi"])
    assert len(split["notool"]) >= 30 and all(not e.calls for e in split["notool"])


def _training_queries() -> list[str]:
    """Every query the catalog trains on: the specs' examples and the multi-call / no-tool data."""
    return [e.query for s in SPECS.values() for e in s.examples] + [
        e.query for e in load_jsonl(TOOLS / "compositional.jsonl")
    ]


def _eval_queries() -> list[str]:
    return [e.query for path in EVAL_FILES.values() for e in load_jsonl(path)]


def test_eval_queries_never_appear_in_training():
    training = {_norm(q) for q in _training_queries()}
    leaked = [q for q in _eval_queries() if _norm(q) in training]
    assert leaked == []


def _runs(query: str, n: int = 7) -> set[str]:
    words = re.findall(r"\w+", query.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_eval_queries_share_no_seven_word_run_with_training():
    """Stricter than equal queries: a near-copy of an evaluation query in the training data fails too."""
    seen = set().union(*(_runs(q) for q in _training_queries()))
    shared = {q: sorted(_runs(q) & seen) for q in _eval_queries()}
    assert {q: runs for q, runs in shared.items() if runs} == {}


def test_every_tool_has_a_procedure_and_every_procedure_a_tool():
    assert set(default_registry(plugins=False).names()) == set(SPECS)
