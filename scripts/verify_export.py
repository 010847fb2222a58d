"""Check that an exported checkpoint reproduces the in-process decoder (issue 21, section 2).

Exports a bank (default: the default bank, which is the shipped catalog bank on the embedded model
until the first ``learn-tool``) with
``TokMem.export_model``, decodes every query of the eval files both ways - ``TokMem.call`` with copy
bias 0 and the argmax call rule (a threshold rule is not carried), and :class:`tokmem_agents.export.ReferenceDecoder` (plain transformers + llguidance under
``tools.lark``) - and prints how many give identical calls, each difference, and the gold accuracy
of both. Usage (about 10 minutes on a 2-core CPU for the 227 queries of tools/eval):

    python scripts/verify_export.py [--bank DIR] [--out DIR] [--data tools/eval/*.jsonl] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bank", type=Path, default=None, help="bank directory [default: the default bank]")
    ap.add_argument("--out", type=Path, default=None, help="write the export here [default: a temporary directory]")
    ap.add_argument("--data", type=Path, nargs="+", default=sorted((ROOT / "tools" / "eval").glob("*.jsonl")))
    ap.add_argument("--limit", type=int, default=None, help="first N queries only")
    ap.add_argument("--json", type=Path, default=None, help="also write the summary and the differences as JSON")
    a = ap.parse_args()

    from tokmem_agents.bank.records import load_jsonl
    from tokmem_agents.config import DecodeConfig
    from tokmem_agents.export import ReferenceDecoder
    from tokmem_agents.tokmem import TokMem

    examples = [e for f in a.data for e in load_jsonl(f)][: a.limit]
    tm = TokMem.open(a.bank)
    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or Path(tmp) / "export"
        t0 = time.perf_counter()
        manifest = tm.export_model(out)
        export_s = time.perf_counter() - t0
        config = DecodeConfig(copy_bias=0.0, decision="argmax")
        t0 = time.perf_counter()
        mine = [r.calls for r in tm.call_batch([e.query for e in examples], config)]
        mine_s = time.perf_counter() - t0
        ref = ReferenceDecoder(out)
        t0 = time.perf_counter()
        theirs = [ref.decode(e.query, max_text_tokens=1).turn.calls for e in examples]
        ref_s = time.perf_counter() - t0
    same = sum(m == t for m, t in zip(mine, theirs))
    gold = [list(e.calls) for e in examples]
    diffs = [
        {"query": e.query, "in_process": [c.to_json() for c in m], "export": [c.to_json() for c in t], "gold": [c.to_json() for c in e.calls]}
        for e, m, t in zip(examples, mine, theirs) if m != t
    ]
    summary = {
        "queries": len(examples), "identical": same, "different": len(examples) - same,
        "exact_in_process": sum(m == g for m, g in zip(mine, gold)), "exact_export": sum(t == g for t, g in zip(theirs, gold)),
        "tools": len(manifest.tools), "not_carried": list(manifest.not_carried),
        "seconds": {"export": round(export_s, 1), "in_process": round(mine_s, 1), "reference": round(ref_s, 1)},
    }
    print(json.dumps(summary, indent=1))
    for d in diffs:
        print(json.dumps(d, ensure_ascii=False))
    if a.json:
        a.json.write_text(json.dumps({"summary": summary, "differences": diffs}, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
