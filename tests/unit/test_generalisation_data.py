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


def test_learn_time_phrasing_variants_stay_apart_from_held_out_and_unrelated_queries() -> None:
    """The variants ``learn-tool --augment N`` makes of each set's examples are training data too:
    none may share a 5-word run with a held-out or unrelated query (checked for N = 4, seeds 0-2)."""
    from tokmem_agents.bank.records import load_jsonl, spec_examples
    from tokmem_agents.bank.specs import load_specs
    from tokmem_agents.config import TrainConfig
    from tokmem_agents.training.augment import augment

    gen = _generator()
    configs = [TrainConfig(augment=4, seed=seed) for seed in range(3)]
    for data in (ROOT / "benchmarks" / "data" / "generalisation", ROOT / "benchmarks" / "data" / "generalisation_dev"):
        unrelated = {g for e in load_jsonl(data / "unrelated.jsonl") for g in gen.ngrams(e.query)}
        for tools in sorted((data / "sets").glob("*/tools.json")):
            own = [e for s in load_specs([tools]) for e in spec_examples(s)]
            variants = [v for c in configs for v in augment(own, c.augment, seed=c.seed)]
            assert len(variants) >= len(own)
            held = {g for e in load_jsonl(tools.parent / "heldout.jsonl") for g in gen.ngrams(e.query)}
            for v in variants:
                shared = gen.ngrams(v.query) & (held | unrelated)
                assert not shared, f"{tools.parent.name}: variant {v.query!r} shares {sorted(shared)[:2]}"
