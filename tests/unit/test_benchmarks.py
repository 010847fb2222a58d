"""The benchmark scripts end to end on the tiny random model with tiny sizes: each writes its JSON,
Markdown and plot, report.py assembles them, and the shared backbone comes out untouched."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
PNG = b"\x89PNG\r\n\x1a\n"


def _script(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FirstTools:
    """A retriever that returns the first k tools (the MiniLM model is not loaded in unit tests)."""

    def index(self, documents: Any) -> None:
        self.n = len(documents)

    def top_k(self, query: str, k: int) -> list[int]:
        return list(range(min(k, self.n)))


@pytest.fixture(scope="module")
def runs(tiny_model_dir: Path, tiny_backbone: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import tokmem_agents.evaluation.methods.retrieval as retrieval

    out = tmp_path_factory.mktemp("bench")
    model = tiny_backbone.model
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    types = {n: type(m) for n, m in model.named_modules()}
    quick = ["--model", str(tiny_model_dir), "--limit", "2", "--epochs", "1", "--max-new-tokens", "6", "--out", str(out)]
    mp = pytest.MonkeyPatch()
    mp.setattr(retrieval, "MiniLMRetriever", FirstTools)
    try:
        compare = _script("compare").main([*quick, "--tools", "3", "--k", "2"])
        scaling = _script("scaling").main([*quick, "--catalog-tools", "2", "--sizes", "2", "3", "--skip-icl-above", "2",
                                           "--train-per-tool", "3", "--heldout-per-tool", "1", "--limit-prompted", "1"])
        synthesis = _script("synthesis").main([*quick, "--tools", "3", "--synthesize", "0", "4", "--with-data"])
        forgetting = _script("forgetting").main([*quick, "--tools", "4", "--groups", "2",
                                                 "--variants", "renorm_replay", "none", "lora"])
        results_md = _script("report").main(["--results", str(out), "--out", str(out.parent / "RESULTS.md")])
    finally:
        mp.undo()
    return {"out": out, "compare": compare, "scaling": scaling, "synthesis": synthesis, "forgetting": forgetting,
            "md": results_md,
            "before": before, "types": types, "model": model}


def test_compare_writes_every_method_and_cost(runs: dict[str, Any]) -> None:
    saved = json.loads((runs["out"] / "compare.json").read_text())
    assert saved["benchmark"] == "compare" and saved["n_tools"] == 3
    assert saved["command"].startswith("python benchmarks/compare.py --model ")
    assert saved["machine"]["cores"] >= 1 and saved["date"]
    methods = saved["methods"]
    assert list(methods) == ["tokmem", "tokmem_free", "icl", "rag", "lora"]
    for name, m in methods.items():
        assert set(m["sets"]) == {"single", "multi", "notool"}
        assert all(r["n"] == 2 for r in m["sets"].values())
        assert m["peak_rss_mb"] > 0
    # decoupled (the default): an input and an output row per tool
    assert methods["tokmem"]["trainable_parameters"] == 2 * 3 * 64 and methods["tokmem"]["train_seconds"] > 0
    assert methods["icl"]["trainable_parameters"] == 0 and methods["icl"]["train_seconds"] is None
    lora = methods["lora"]
    assert lora["trainable_parameters"] == 2 * 8 * (64 + 64 + 64 + 32) and lora["train_seconds"] > 0
    assert lora["train_examples"] == methods["tokmem"]["train_examples"]  # the same data and steps
    assert lora["train_steps"] == methods["tokmem"]["train_steps"]
    # prompt cost: TokMem and LoRA see the bare query, ICL every schema, RAG k=2 of 3
    tok = methods["tokmem"]["sets"]["single"]["prompt_tokens_per_query"]
    assert methods["lora"]["sets"]["single"]["prompt_tokens_per_query"] == tok
    assert tok < methods["rag"]["sets"]["single"]["prompt_tokens_per_query"] < methods["icl"]["sets"]["single"]["prompt_tokens_per_query"]
    md = (runs["out"] / "compare.md").read_text()
    assert "| TokMem (constrained) |" in md and "| LoRA (r=8, q/v) |" in md and "**notool**" in md


def test_compare_update_reruns_only_the_given_methods(runs: dict[str, Any], tiny_model_dir: Path, tmp_path: Path) -> None:
    import shutil

    import tokmem_agents.evaluation.methods.retrieval as retrieval

    shutil.copy(runs["out"] / "compare.json", tmp_path / "compare.json")
    before = json.loads((tmp_path / "compare.json").read_text())
    quick = ["--model", str(tiny_model_dir), "--limit", "2", "--epochs", "1", "--max-new-tokens", "6", "--out", str(tmp_path)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(retrieval, "MiniLMRetriever", FirstTools)
        after = _script("compare").main([*quick, "--tools", "3", "--k", "2", "--methods", "rag", "--update"])
        with pytest.raises(SystemExit, match="another tools"):
            _script("compare").main([*quick, "--tools", "2", "--methods", "rag", "--update"])
        with pytest.raises(SystemExit, match="no previous results file"):
            _script("compare").main([*quick, "--tools", "3", "--methods", "rag", "--update", "--name", "other"])
    assert list(after["methods"]) == list(before["methods"])  # same methods, same order
    assert "--update" in after["methods"]["rag"]["run"]["command"]
    for m in before["methods"]:
        if m != "rag":
            assert after["methods"][m]["sets"] == before["methods"][m]["sets"]
            assert "--update" not in after["methods"][m]["run"]["command"]
    assert json.loads((tmp_path / "compare.json").read_text())["methods"].keys() == before["methods"].keys()


def test_scaling_measures_icl_prompts_even_when_skipped(runs: dict[str, Any]) -> None:
    saved = json.loads((runs["out"] / "scaling.json").read_text())
    sizes = saved["sizes"]
    assert [s["n_tools"] for s in sizes] == [2, 3] and saved["catalog_size"] == 2
    assert sizes[1]["n_catalog"] == 2 and sizes[1]["n_synthetic"] == 1 and sizes[1]["eval_sizes"]["synthetic_single"] == 1
    icl_small, icl_big = sizes[0]["methods"]["icl"], sizes[1]["methods"]["icl"]
    assert "report" in icl_small and "skipped" not in icl_small
    assert "skip-icl-above 2" in icl_big["skipped"] and "report" not in icl_big
    assert icl_big["prompt_tokens_per_query"] > icl_small["prompt_tokens_per_query"] > 0
    for s in sizes:
        assert s["methods"]["tokmem"]["trainable_parameters"] == 2 * s["n_tools"] * 64  # input + output row per tool
        assert set(s["methods"]) == {"tokmem", "icl", "rag", "lora"}
    rag = sizes[0]["methods"]["rag"]  # --limit-prompted 1: one query per non-empty subset
    assert rag["report"]["n"] == sum(1 for n in sizes[0]["eval_sizes"].values() if n) < sizes[0]["methods"]["tokmem"]["report"]["n"]
    assert "--limit-prompted" in rag["note"]
    assert (runs["out"] / "scaling.png").read_bytes().startswith(PNG)
    md = (runs["out"] / "scaling.md").read_text()
    assert "skipped" in md and "![scaling plot](scaling.png)" in md and "--limit-prompted" in md


def test_synthesis_variants_differ_only_in_multi_call_data(runs: dict[str, Any]) -> None:
    saved = json.loads((runs["out"] / "synthesis.json").read_text())
    assert saved["benchmark"] == "synthesis" and saved["adapter"] is None  # "auto" on a model without one
    v = saved["variants"]
    assert list(v) == ["single_only", "synthesized_4", "handwritten"]
    assert v["synthesized_4"]["train_examples"] == v["single_only"]["train_examples"] + 4
    assert v["handwritten"]["train_examples"] == v["single_only"]["train_examples"] + saved["handwritten_multi"]
    assert saved["handwritten_multi"] > 0 and v["handwritten"]["synthesized"] == 0
    for r in v.values():
        assert set(r["sets"]) == {"single", "multi", "notool"} and all(x["n"] == 2 for x in r["sets"].values())
    md = (runs["out"] / "synthesis.md").read_text()
    assert "| 4 synthesised | 4 synthesised |" in md and "| single-call examples only | none |" in md


def test_forgetting_table_per_round(runs: dict[str, Any]) -> None:
    saved = json.loads((runs["out"] / "forgetting.json").read_text())
    assert saved["groups"] == [saved["groups"][0], saved["groups"][1]] and sum(map(len, saved["groups"])) == 4
    for v in ("renorm_replay", "none", "lora"):
        rounds = saved["variants"][v]["rounds"]
        assert [len(r["accuracy"]) for r in rounds] == [1, 2]
        assert "avg_forgetting" in saved["variants"][v]
    assert saved["variants"]["none"]["trainable_parameters"] == 2 * 4 * 64  # input + output row per tool
    assert (runs["out"] / "forgetting.png").read_bytes().startswith(PNG)
    assert "**Summary**" in (runs["out"] / "forgetting.md").read_text()


def test_report_assembles_results_md(runs: dict[str, Any]) -> None:
    md = Path(runs["md"]).read_text()
    assert md.startswith("# Benchmark results")
    for title in ("## Machine", "## Where TokMem loses", "## TokMem vs ICL, RAG and LoRA", "## Scaling", "## Compositional synthesis",
                  "## Continual learning"):
        assert title in md
    assert "python benchmarks/scaling.py --model" in md and "Do not edit by hand" in md
    assert f"]({runs['out'].name}/scaling.png)" in md and f"]({runs['out'].name}/forgetting.png)" in md


def test_benchmarks_leave_the_shared_backbone_untouched(runs: dict[str, Any]) -> None:
    model = runs["model"]
    after = model.state_dict()
    assert after.keys() == runs["before"].keys()
    assert all(torch.equal(after[k], v) for k, v in runs["before"].items())
    assert {n: type(m) for n, m in model.named_modules()} == runs["types"]
    assert not any(p.requires_grad for p in model.parameters())


def test_report_without_results(tmp_path: Path) -> None:
    out = _script("report").main(["--results", str(tmp_path), "--out", str(tmp_path / "R.md")])
    assert "No results yet" in out.read_text()


def test_findings_say_where_tokmem_loses() -> None:
    report = _script("report")
    compare = {"benchmark": "compare", "methods": {
        "tokmem": {"sets": {"single": {"tool_f1": 0.8, "full_em": 0.5}, "notool": {"no_tool_false_call_rate": 0.2}}},
        "lora": {"sets": {"single": {"tool_f1": 0.9, "full_em": 0.4}, "notool": {"no_tool_false_call_rate": 0.3}}},
        "icl": {"sets": {"single": {"tool_f1": 0.1, "full_em": 0.1}, "notool": {"no_tool_false_call_rate": 0.0}}},
    }}
    scaling = {"benchmark": "scaling", "sizes": [
        {"n_tools": 8, "methods": {"tokmem": {"report": {"tool_f1": 0.7, "full_em": 0.5, "no_tool_false_call_rate": 0.1}},
                                   "rag": {"report": {"full_em": 0.3}}}},
        {"n_tools": 50, "methods": {"tokmem": {"report": {"tool_f1": 0.6, "full_em": 0.2, "no_tool_false_call_rate": 0.6}},
                                    "rag": {"report": {"full_em": 0.3}}}},
    ]}
    forgetting = {"benchmark": "forgetting", "variants": {
        "renorm_replay": {"final_mean": 0.5, "avg_forgetting": 0.2, "rounds": [{"no_tool_false_call_rate": 0.3}]},
        "none": {"final_mean": 0.6, "avg_forgetting": 0.1, "rounds": [{"no_tool_false_call_rate": 0.1}]},
        "lora": {"final_mean": 0.55, "avg_forgetting": 0.4, "rounds": [{"no_tool_false_call_rate": 0.2}]}}}
    lines = report.findings([compare, scaling, forgetting])
    assert lines[0] == "single-call tool-F1: TokMem (constrained) 0.800 is beaten by LoRA (r=8, q/v) 0.900."
    assert lines[1] == "no-tool false-call rate: TokMem (constrained) 0.200 is beaten by ICL (all schemas) 0.000."
    assert not any("single-call full EM" in x for x in lines)  # TokMem wins there
    assert "falls from 0.700 (8 tools) to 0.600 (50 tools)" in lines[2] and "rises from 0.100 to 0.600" in lines[2]
    assert lines[3].endswith("above TokMem's at 50 tools.")
    assert "LoRA's mean accuracy over all groups (0.550) is above TokMem, renorm + replay's (0.500)" in lines[4]
    assert lines[5].startswith("Renormalisation + replay forgot more (0.200) than neither (0.100)")
    assert lines[6] == "TokMem's default, renormalisation + replay, ends below TokMem with neither (mean accuracy 0.500 vs 0.600)."
    assert lines[7] == "After the last round TokMem fires a tool on more no-tool queries than LoRA (TokMem, renorm + replay 0.300 vs 0.200)."
    assert len(lines) == 8


def test_decode_config_takes_the_copy_bias() -> None:
    import argparse

    from tokmem_agents.config import DecodeConfig

    sys.path.insert(0, str(BENCH))
    import _common as common

    ap = argparse.ArgumentParser()
    common.add_model_args(ap)
    assert common.decode_config(ap.parse_args([])).copy_bias == DecodeConfig().copy_bias
    assert common.decode_config(ap.parse_args(["--copy-bias", "0"])).copy_bias == 0.0


def test_generalisation_runs_through_the_cli_and_scores_by_style(tiny_model_dir: Path, tmp_path: Path) -> None:
    """generalisation.py end to end on a cut-down copy of its data (one set, a few queries) and the tiny model."""
    import shutil

    src = BENCH / "data" / "generalisation"
    data = tmp_path / "data"
    shutil.copytree(src, data)
    manifest = json.loads((data / "MANIFEST.json").read_text(encoding="utf-8"))
    manifest["sets"] = {"screen": manifest["sets"]["screen"]}
    (data / "MANIFEST.json").write_text(json.dumps(manifest), encoding="utf-8")
    heldout = data / "sets" / "screen" / "heldout.jsonl"
    heldout.write_text("".join(heldout.read_text(encoding="utf-8").splitlines(keepends=True)[:6]), encoding="utf-8")
    unrelated = data / "unrelated.jsonl"
    unrelated.write_text("".join(unrelated.read_text(encoding="utf-8").splitlines(keepends=True)[:4]), encoding="utf-8")
    gen = _script("generalisation")
    res = gen.main(["--data", str(data), "--model", str(tiny_model_dir), "--out", str(tmp_path / "out"), "--keep", str(tmp_path / "work")])
    s = res["sets"]["screen"]
    assert s["heldout_n"] == 6 and s["unrelated_n"] == 4 and s["tools"] == 5
    assert 0 <= s["tool_accuracy"] <= 1 and 0 <= s["false_call_rate"] <= 1
    templates = manifest["sets"]["screen"]["heldout_template_per_line"][:6]
    assert sum(v["n"] for v in s["by_style"].values()) == 6 and len(s["by_style"]) == len({t.rsplit(".", 1)[1] for t in templates})
    assert res["mean"]["tool_accuracy"] == s["tool_accuracy"] and res["catalog"] is None
    md = (tmp_path / "out" / "generalisation.md").read_text(encoding="utf-8")
    assert "| screen | 5 |" in md and "Targets (issue 20)" in md
    assert (tmp_path / "work" / "banks" / "screen" / "bank.json").is_file()


def test_gpu_check_says_there_is_no_cuda_and_exits_0() -> None:
    import subprocess
    import sys

    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA machine runs the real check")
    res = subprocess.run([sys.executable, str(BENCH / "gpu_check.py")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "no CUDA device" in res.stdout


def test_report_renders_a_serving_run_with_its_speed_ratios(tmp_path: Path) -> None:
    """serving.py runs only in the vLLM environment; its result file renders like every other one."""
    rows = [{"decoder": d, "batch": b, "queries_per_s": q, "mean_latency_s": 1.0, "exact": 0.5}
            for d, b, q in (("in-process", 1, 1.0), ("in-process", 8, 2.0), ("vllm-cpu", 1, 2.5), ("vllm-cpu", 8, 7.0))]
    result = {"format": 1, "benchmark": "serving", "date": "2026-12-02 00:00:00 UTC", "command": "python benchmarks/serving.py",
              "model": "m", "adapter": None, "machine": {"cpu": "c", "versions": {"vllm": "0.32.0"}},
              "settings": {"dtype": "fp32"}, "queries": 4, "rows": rows}
    (tmp_path / "serving.json").write_text(json.dumps(result))
    text = _script("report").main(["--results", str(tmp_path), "--out", str(tmp_path / "R.md")]).read_text()
    assert "## Serving: the in-process decoder vs vLLM" in text
    assert "batch 1: 2.5x, batch 8: 3.5x" in text and "| vllm-cpu | 8 | 7.00 |" in text and "vllm 0.32.0" in text
    assert _script("serving").parse_args([]).batches == [1, 8, 32]


def test_learn_one_tool_times_learn_tool_and_scores_before_and_after(tiny_model_dir: Path, tmp_path: Path) -> None:
    """learn_one_tool.py on a one-tool tiny bank: the new tool is learned through the CLI, timed, scored."""
    script = _script("learn_one_tool")
    base = tmp_path / "base"
    sys.modules["_common"].run_cli(tmp_path / "home", "learn-tool", BENCH.parent / "tools" / "add_days.json", "--bank", base,
             "--model", tiny_model_dir, "--epochs", 1)
    others = tmp_path / "others.jsonl"
    rows = [line for line in (BENCH.parent / "tools" / "eval" / "single.jsonl").read_text(encoding="utf-8").splitlines()
            if '"add_days"' in line][:2]
    others.write_text("\n".join(rows) + "\n", encoding="utf-8")
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text("".join((BENCH / "data" / "learn_one_tool" / "heldout.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:3]), encoding="utf-8")
    res = script.main(["--bank", str(base), "--heldout", str(heldout), "--others", str(others), "--out", str(tmp_path / "out")])
    assert res["tools_before"] == 1 and res["tools_after"] == 2
    assert res["tool"] == "set_reminder" and res["tool_examples"] == 20
    assert res["train_examples"] >= 20 + 4 and res["train_seconds"] > 0  # 4 of add_days replayed and res["learn_wall_seconds"] >= res["train_seconds"]
    assert res["new_tool"]["n"] == 3 and res["others_before"]["n"] == res["others_after"]["n"] == 2
    md = (tmp_path / "out" / "learn_one_tool.md").read_text(encoding="utf-8")
    assert "(`set_reminder`, 20 examples) into the 1-tool bank" in md and "| new tool, held-out phrasings | 3 |" in md
    assert [t["name"] for t in json.loads((base / "bank.json").read_text(encoding="utf-8"))["tools"]] == ["add_days"]  # a copy learned
