"""The generalisation benchmark's data (issue 20): what is committed is what the generator writes, and
its held-out templates, held-out queries and unrelated queries stay apart from every training corpus
(the sets' own training examples, the catalog, the auxiliary corpus): no shared template, no shared
5-word run. A new training example that copies a held-out phrasing fails this test."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("generalisation_data", ROOT / "benchmarks" / "generalisation_data.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_committed_data_is_the_generated_data_and_stays_apart_from_training() -> None:
    gen = _generator()
    result = gen.generate(ROOT)  # runs every disjointness check against the corpora as they are now
    data = ROOT / "benchmarks" / "data" / "generalisation"
    committed = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
    assert committed == sorted(result["files"])
    for rel, text in result["files"].items():
        assert (data / rel).read_text(encoding="utf-8") == text, f"{rel} differs from the generator's output"
    assert result["checked"]["unrelated"] >= 200 and len(result["manifest"]["sets"]) >= 3


def test_the_checks_catch_a_training_example_that_copies_a_held_out_phrasing() -> None:
    gen = _generator()
    built = {}
    for name, set_def in gen.SETS.items():
        heldout, tids = gen.build_heldout(name, set_def)
        built[name] = {"specs": gen.build_training(name, set_def), "heldout": heldout, "heldout_templates": tids}
    unrelated, _ = gen.build_unrelated()
    first = next(iter(built.values()))
    first["specs"][0]["examples"].append({"query": first["heldout"][0]["query"], "arguments": first["heldout"][0]["calls"][0]["arguments"]})
    try:
        gen.check_all(built, unrelated, ROOT)
    except AssertionError as e:
        assert "held" in str(e).lower() or "5-word" in str(e) or "run" in str(e)
    else:
        raise AssertionError("a held-out query copied into training went unnoticed")
