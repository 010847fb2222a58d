"""The generalisation benchmark's tuning split: what is committed is what its generator writes (through
the real generator's functions and checks), it has the benchmark's format, and it stays apart from the
benchmark: no shared tool or set name, no equal query and no shared 5-word run between any of its
queries (training, held-out, unrelated) and any of the benchmark's. Tuning on the benchmark itself,
or a dev query that copies a benchmark phrasing, fails here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "benchmarks" / "data" / "generalisation_dev"
BENCH = ROOT / "benchmarks" / "data" / "generalisation"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generalisation_dev_data", ROOT / "benchmarks" / "generalisation_dev_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_committed_dev_data_is_the_generated_data_and_passes_every_check() -> None:
    gen = _generator()
    result = gen.generate(ROOT)  # the real generator's checks, then check_apart against the benchmark
    committed = sorted(p.relative_to(DEV).as_posix() for p in DEV.rglob("*") if p.is_file())
    assert committed == sorted(result["files"])
    for rel, text in result["files"].items():
        assert (DEV / rel).read_text(encoding="utf-8") == text, f"{rel} differs from the generator's output"
    m = result["manifest"]
    assert m["generator"] == "benchmarks/generalisation_dev_data.py"
    assert len(m["sets"]) == 3 and all(s["counts"]["tools"] == 5 for s in m["sets"].values())
    assert all(s["counts"]["train_examples"] == 75 and s["counts"]["heldout_queries"] == 50 for s in m["sets"].values())
    assert result["checked"]["unrelated"] >= 150 and result["checked"]["benchmark_queries"] > 0


def test_dev_data_has_the_benchmark_format() -> None:
    dev_m = json.loads((DEV / "MANIFEST.json").read_text(encoding="utf-8"))
    bench_m = json.loads((BENCH / "MANIFEST.json").read_text(encoding="utf-8"))
    assert set(dev_m) == set(bench_m) and dev_m["format"] == bench_m["format"]
    assert dev_m["heldout_styles"] == bench_m["heldout_styles"]
    bench_set = next(iter(bench_m["sets"].values()))
    for name, s in dev_m["sets"].items():
        assert set(s) == set(bench_set)
        assert s["files"] == {"tools": f"sets/{name}/tools.json", "heldout": f"sets/{name}/heldout.jsonl"}
        specs = json.loads((DEV / s["files"]["tools"]).read_text(encoding="utf-8"))
        assert [sp["name"] for sp in specs] == s["tools"]
        assert all(set(sp) == {"name", "description", "parameters", "examples"} for sp in specs)
        for line in (DEV / s["files"]["heldout"]).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            assert set(rec) == {"query", "calls"} and len(rec["calls"]) == 1
    for line in (DEV / "unrelated.jsonl").read_text(encoding="utf-8").splitlines():
        assert json.loads(line)["calls"] == []


def test_dev_and_benchmark_share_no_name_query_or_five_word_run() -> None:
    gen = _generator()
    dev = gen.split_contents(gen.read_folder(DEV))
    bench = gen.split_contents(gen.read_folder(BENCH))
    assert len(dev["queries"]) >= 225 + 150 + 150 and len(bench["queries"]) > 0
    assert not set(dev["tools"]) & set(bench["tools"])
    assert not set(dev["sets"]) & set(bench["sets"])
    assert not {q.strip().lower() for q in dev["queries"]} & {q.strip().lower() for q in bench["queries"]}

    def grams(queries: list[str]) -> set[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for q in queries:
            out |= gen.G.ngrams(q)
        return out

    assert not grams(dev["queries"]) & grams(bench["queries"])


def test_check_apart_catches_a_benchmark_query_copied_into_the_dev_split() -> None:
    gen = _generator()
    files = gen.read_folder(DEV)
    bench_query = json.loads((BENCH / "unrelated.jsonl").read_text(encoding="utf-8").splitlines()[0])["query"]
    files["unrelated.jsonl"] += json.dumps({"query": bench_query, "calls": []}) + "\n"
    try:
        gen.check_apart(files, ROOT)
    except AssertionError as e:
        assert "benchmark" in str(e)
    else:
        raise AssertionError("a benchmark query copied into the dev split went unnoticed")
