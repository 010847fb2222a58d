"""Core engine speed on this machine: training examples/s, decode latency per query, peak RSS.

    python benchmarks/core_speed.py [--epochs 2] [--model PATH]

Learns the 4 test tools (tests/integration/data) on the embedded model into a temporary bank,
then decodes the 40 held-out queries (batched and one by one). Prints one table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--model", default=None)
    ap.add_argument("--queries", type=int, default=40)
    args = ap.parse_args()
    os.environ.setdefault("TOKMEM_HOME", tempfile.mkdtemp(prefix="tokmem-bench-"))

    from tokmem_agents import DecodeConfig, TokMem, TrainConfig, load_jsonl, load_specs

    data = ROOT / "tests" / "integration" / "data"
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tm = TokMem.open(Path(tmp) / "bank", model=args.model)
        load_s = time.perf_counter() - t0
        stats = tm.learn(
            load_specs([data / "four_tools.json"]),
            load_jsonl(data / "compose.jsonl"),
            TrainConfig(epochs=args.epochs),
        )
        held = [e.query for e in load_jsonl(data / "heldout.jsonl")][: args.queries]
        tm.call(held[0])  # warm-up (grammar compilation)
        t = time.perf_counter()
        batched = tm.call_batch(held, DecodeConfig(batch_size=8))
        batch_s = (time.perf_counter() - t) / len(held)
        t = time.perf_counter()
        for q in held[:10]:
            tm.call(q)
        single_s = (time.perf_counter() - t) / 10
        t = time.perf_counter()
        tm.call_batch(held[:10], DecodeConfig(batch_size=1, constrained=False))
        unconstrained_s = (time.perf_counter() - t) / 10
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    prompt = sum(r.prompt_tokens for r in batched) / len(batched)
    rows = [
        ("backbone load (s)", f"{load_s:.2f}"),
        ("training examples", f"{stats.examples} x {args.epochs} epochs"),
        ("training examples/s", f"{stats.examples_per_second:.2f}"),
        ("decode s/query, batch 8", f"{batch_s:.3f}"),
        ("decode s/query, one by one", f"{single_s:.3f}"),
        ("decode s/query, one by one, unconstrained", f"{unconstrained_s:.3f}"),
        ("prompt tokens/query", f"{prompt:.1f}"),
        ("peak RSS (MB)", f"{rss_mb:.0f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
