"""Ship a trained adapter in the package: its weights rounded to float16, so the package stays small
(a rank-16 adapter on four projections is 7.4 MB in float32, 3.7 MB here; the weights are merged
into the backbone in float32 at load). The rounded weights are a new content hash, hence a new id.

    python scripts/ship_adapter.py TOKMEM_HOME/models/adapters/<id>   # prints the shipped id
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from safetensors.torch import load_file

from tokmem_agents.files import atomic_write_text
from tokmem_agents.model.adapters import SHIPPED_ADAPTERS, SHIPPED_DEFAULTS, WEIGHTS_FILE, read_adapter, save_adapter


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python scripts/ship_adapter.py TRAINED_ADAPTER_DIR", file=sys.stderr)
        return 2
    trained = read_adapter(Path(sys.argv[1]))
    state = {k: v.half() for k, v in load_file(str(trained.path / WEIGHTS_FILE)).items()}
    stats = {**trained.stats, "shipped_from": trained.id, "stored_dtype": "float16"}
    shipped = save_adapter(state, trained.config, trained.base, stats, root=SHIPPED_ADAPTERS)
    for f in shipped.path.iterdir():
        f.chmod(0o644)
    defaults = json.loads(SHIPPED_DEFAULTS.read_text(encoding="utf-8")) if SHIPPED_DEFAULTS.exists() else {}
    defaults[trained.base.model_id] = shipped.id  # other backbones keep their defaults
    atomic_write_text(SHIPPED_DEFAULTS, json.dumps(defaults) + "\n")
    print(shipped.id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
