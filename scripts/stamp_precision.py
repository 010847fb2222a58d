"""Add the precision fields of the fingerprint (``dtype``, ``reduced_sha256``) to the shipped bank's
and the shipped adapter's metadata, which were written before those fields existed.

The fields are metadata about the base weights (the embedding hash rounded to bfloat16 / float16), not
about the learned tensors: the memory file, its sha256 and the adapter id do not change. The script
recomputes them from the embedded backbone and refuses if the stored embedding hash differs from it.
A rebuild (``scripts/build_default_bank.sh``, ``scripts/build_embedded_adapter.sh``) writes them itself.

    python scripts/stamp_precision.py            # ~10 s, reads the embedded GGUF
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tokmem_agents.model.backbone import load_backbone  # noqa: E402

FILES = [
    (ROOT / "tokmem_agents/data/default_bank/bank.json", "backbone"),
    *((p, "base") for p in sorted((ROOT / "tokmem_agents/data/adapters").glob("*/tokmem-adapter.json"))),
]


def main() -> int:
    base = load_backbone(None, adapter=None, device="cpu", dtype="fp32").fingerprint
    for path, key in FILES:
        meta = json.loads(path.read_text(encoding="utf-8"))
        fp = meta[key]
        if fp["embedding_sha256"] != base.embedding_sha256:
            print(f"{path}: recorded embedding hash differs from the embedded backbone's; not changed", file=sys.stderr)
            return 1
        fp["dtype"], fp["reduced_sha256"] = base.dtype, dict(base.reduced_sha256)
        path.write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"stamped {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
