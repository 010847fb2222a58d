"""The shipped no-tool corpus (``tokmem_agents/data/negatives/``): what is committed is what
``scripts/make_negatives_corpus.py`` writes, every line is a no-tool record, there are enough distinct
queries, and the generator's checks (no tool actions; no equal query, shared 5-word run or close
paraphrase with the benchmark data, the catalog, the auxiliary corpus or the test tools' data) pass
against the sources as they are now."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from tokmem_agents.bank.records import load_jsonl

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tokmem_agents" / "data" / "negatives"
REBUILD = "regenerate with: python scripts/make_negatives_corpus.py"


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "make_negatives_corpus.py"
    spec = importlib.util.spec_from_file_location("make_negatives_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _generator()


@pytest.fixture(scope="module")
def result(gen: ModuleType) -> dict:
    return gen.generate(ROOT)  # builds in memory and runs every check against the sources on disk


def test_shipped_files_are_the_generated_files(result: dict) -> None:
    shipped = sorted(p.name for p in DATA.iterdir() if p.is_file())
    assert shipped == sorted(result["files"]), REBUILD
    for name, text in result["files"].items():
        assert (DATA / name).read_text(encoding="utf-8") == text, f"{name} differs; {REBUILD}"


def test_generation_is_deterministic(gen: ModuleType, result: dict) -> None:
    records, rows = gen.build()
    assert records == result["records"] and rows == result["rows"]


def test_every_line_is_a_no_tool_record_and_there_are_enough(gen: ModuleType) -> None:
    lines = (DATA / gen.CORPUS_FILE).read_text(encoding="utf-8").splitlines()
    queries = []
    for i, line in enumerate(lines, 1):
        rec = json.loads(line)
        assert set(rec) == {"query", "calls"} and rec["calls"] == [], f"line {i}: {rec!r}"
        assert isinstance(rec["query"], str) and rec["query"].strip() == rec["query"] != "", f"line {i}"
        queries.append(rec["query"])
    assert len(set(queries)) == len(queries) >= 1500
    assert len({gen.norm_key(q) for q in queries}) == len(queries)  # distinct beyond case and punctuation
    examples = load_jsonl(DATA / gen.CORPUS_FILE)  # the library's own reader accepts the file
    assert len(examples) == len(queries) and all(not e.calls for e in examples)


def test_categories_are_broad(result: dict) -> None:
    counts: dict[str, int] = {}
    for r in result["rows"]:
        counts[r["category"]] = counts.get(r["category"], 0) + 1
    assert len(counts) >= 20 and min(counts.values()) >= 15
    assert sum(r["kind"] == "one_off" for r in result["rows"]) >= 300  # hand-written one-off queries


def test_checks_reject_a_tool_action(gen: ModuleType, result: dict) -> None:
    bad = [*result["records"], {"query": "Set a timer for 10 minutes", "calls": []}]
    with pytest.raises(AssertionError, match="tool action"):
        gen.check(bad, ROOT)
    for q in ("remind me to call mum at 6", "What's 15% of 80?", "Convert 100 USD to EUR",
              "what time is it in Tokyo", "add milk to my shopping list", "Could you send an email to Bob?"):
        assert gen.action_problems(q), q
    for q in ("How long should a steak rest after cooking?", "Why do exchange rates change every day?",
              "How do I delete a file in Bash?", "What makes a password strong?"):
        assert not gen.action_problems(q), q


def test_checks_reject_a_copy_of_benchmark_data(gen: ModuleType, result: dict) -> None:
    unrelated = ROOT / "benchmarks" / "data" / "generalisation" / "unrelated.jsonl"
    taken = json.loads(unrelated.read_text(encoding="utf-8").splitlines()[0])["query"]
    with pytest.raises(AssertionError, match="equals a query of benchmarks/data/generalisation"):
        gen.check([*result["records"], {"query": taken, "calls": []}], ROOT)
    # a new query that only shares a 5-word run with a benchmark query is caught too
    words = taken.rstrip("?!.").split()
    assert len(words) >= 5
    run = " ".join(words[:5])
    with pytest.raises(AssertionError, match="5-word run"):
        gen.check([*result["records"], {"query": f"Honestly, {run} or not?", "calls": []}], ROOT)
