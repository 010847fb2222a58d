"""GPU check (issue 21): learn the 4 integration tools on a CUDA backbone in bf16, decode the held-out
queries, print accuracy, training examples/s and queries/s. Without CUDA it says so and exits 0.

    python benchmarks/gpu_check.py [--model PATH_OR_HUB_DIR] [--dtype bf16|fp16|fp32] [--epochs 5]

The model must be on disk (a checkpoint directory, a cached hub id or a .gguf file); the embedded
SmolLM2-135M is the default. Run it on the GPU machine after `pip install -e .`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DTYPES = ("bf16", "fp16", "fp32")  # load_backbone reads these names itself


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--dtype", choices=DTYPES, default="bf16")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--adapter", default="auto", help="an adapter id, 'auto' or 'none'")
    a = ap.parse_args()

    import torch

    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here (torch.cuda.is_available() is False); nothing to check.")
        return 0

    from tokmem_agents import DecodeConfig, TokMem, TrainConfig, load_jsonl, load_specs
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.evaluation.metrics import Prediction, evaluate
    from tokmem_agents.model.backbone import load_backbone

    data = ROOT / "tests" / "integration" / "data"
    t0 = time.perf_counter()
    backbone = load_backbone(a.model, adapter=None if a.adapter == "none" else a.adapter, device="cuda",
                             dtype=a.dtype)
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        tm = TokMem(backbone, MemoryBank(backbone.fingerprint), Path(tmp) / "bank")
        stats = tm.learn(load_specs([data / "four_tools.json"]), load_jsonl(data / "compose.jsonl"), TrainConfig(epochs=a.epochs))
        held = load_jsonl(data / "heldout.jsonl")
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        results = tm.call_batch([e.query for e in held], DecodeConfig())
        torch.cuda.synchronize()
        decode_s = time.perf_counter() - t0
    preds = [Prediction(calls=r.calls, text=r.text, prompt_tokens=r.prompt_tokens, seconds=r.seconds) for r in results]
    report = evaluate(held, preds, tm.bank.specs).to_json()
    print(f"device {torch.cuda.get_device_name(0)}, dtype {a.dtype}, model {backbone.model_id}, loaded in {load_s:.1f} s")
    print(f"learned {len(stats.tools)} tools: {stats.examples} examples x {stats.epochs} epochs, "
          f"{stats.examples_per_second:.1f} examples/s")
    print(f"decoded {len(held)} queries: {len(held) / decode_s:.1f} queries/s")
    print({k: report[k] for k in ("tool_f1", "sequence_acc", "full_em", "schema_valid")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
