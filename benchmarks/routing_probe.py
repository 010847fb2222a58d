"""How well can a backbone's decision states route the development split's held-out phrasings?

Memory tokens route by ``h . row`` where ``h`` is the hidden state at the last prompt position (it
depends on the query alone), so a memory row is a linear read-out of ``h``. This probe fits simple
read-outs on the training examples' states (class centroids after centring, and logistic regression)
and scores the held-out phrasings, in about a minute: an upper bound for routing that training rows
cannot easily beat, and a fast way to compare adapters or backbones before a full tuning run.
With ``--minilm`` it scores all-MiniLM-L6-v2 centroids as a reference sentence encoder. With
``--sites`` it also reads other places of the backbone that memory rows do not read: the last prompt
position at the middle and three-quarter layers, and the mean over the query's own tokens at the
middle and last layers (where the routing information is, and where it is lost).

    python benchmarks/routing_probe.py [--adapter auto|none|ID] [--model M] [--minilm] [--sites]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, setup_logging  # noqa: E402

from tokmem_agents.bank.records import load_jsonl  # noqa: E402
from tokmem_agents.bank.specs import load_specs  # noqa: E402
from tokmem_agents.model.backbone import Backbone, load_backbone  # noqa: E402
from tokmem_agents.model.lm import MemoryLM  # noqa: E402
from tokmem_agents.training.encoding import Encoded  # noqa: E402
from tokmem_agents.training.states import decision_states  # noqa: E402

DEV = ROOT / "benchmarks" / "data" / "generalisation_dev"


def readouts(xt: torch.Tensor, yt: torch.Tensor, xh: torch.Tensor, yh: torch.Tensor, n: int) -> dict[str, float]:
    """Held-out accuracy of centroid and logistic read-outs fitted on (xt, yt)."""
    mu = xt.mean(0)
    cent = torch.stack([F.normalize(xt[yt == k] - mu, dim=1).mean(0) for k in range(n)])
    out = {"centroid_cosine": float(((F.normalize(xh - mu, dim=1) @ F.normalize(cent, dim=1).T).argmax(1) == yh).float().mean())}
    for wd in (0.0, 0.01):
        w = torch.zeros(n, xt.shape[1], requires_grad=True)
        opt = torch.optim.Adam([w], lr=1e-2)
        for _ in range(300):
            loss = F.cross_entropy(xt @ w.T, yt) + wd * (w**2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        out[f"logistic_l2_{wd:g}"] = float(((xh @ w.detach().T).argmax(1) == yh).float().mean())
    return out


@torch.no_grad()
def site_states(bb: Backbone, queries: list[str]) -> dict[str, torch.Tensor]:
    """Per query: the last prompt position's hidden state at the middle and 3/4 layers, and the mean
    hidden state over the query's own tokens at the middle and last layers."""
    out: dict[str, list[torch.Tensor]] = {}
    for q in queries:
        text = bb.chat.prompt(q)
        enc = bb.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        lo = text.find(q)
        span = [i for i, (a, b) in enumerate(enc["offset_mapping"]) if a >= lo and b <= lo + len(q) and b > a]
        if lo < 0 or not span:
            raise SystemExit(f"--sites: the chat template does not hold the query verbatim ({q!r})")
        ids = torch.tensor([enc["input_ids"]], device=bb.device)
        hs = bb.model(ids, output_hidden_states=True).hidden_states
        n = len(hs) - 1
        for layer in (n // 2, (3 * n) // 4):
            out.setdefault(f"lastpos_layer{layer}", []).append(hs[layer][0, -1].float().cpu())
        for layer in (n // 2, n):
            out.setdefault(f"query_mean_layer{layer}", []).append(hs[layer][0, span].float().mean(0).cpu())
    return {k: torch.stack(v) for k, v in out.items()}


def main(argv: Sequence[str] | None = None) -> None:
    """Print one line per dev set and the mean."""
    setup_logging()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--adapter", default="auto", help="an adapter id, 'auto' (the model's default) or 'none'")
    ap.add_argument("--minilm", action="store_true", help="also score all-MiniLM-L6-v2 centroids (reference)")
    ap.add_argument("--sites", action="store_true", help="also read other layers and the query's mean state")
    a = ap.parse_args(argv)
    bb = load_backbone(a.model, adapter=None if a.adapter == "none" else a.adapter)
    lm = MemoryLM(bb, torch.zeros(0, bb.model.get_input_embeddings().weight.shape[1]))
    pad = bb.tokenizer.pad_token_id or 0

    def states(queries: list[str]) -> torch.Tensor:
        prompts = [bb.prompt_ids(q) for q in queries]
        return decision_states(lm, [Encoded(p, len(p), ()) for p in prompts], pad)[0]

    embed: Callable[[list[str]], torch.Tensor] | None = None
    if a.minilm:
        from tokmem_agents.evaluation.methods.retrieval import MiniLMRetriever

        embed = MiniLMRetriever().embed
    manifest = json.loads((DEV / "MANIFEST.json").read_text(encoding="utf-8"))
    rows = []
    for name, info in sorted(manifest["sets"].items()):
        specs = load_specs([DEV / info["files"]["tools"]])
        names = [s.name for s in specs]
        train = [(e.query, k) for k, s in enumerate(specs) for e in s.examples]
        held = load_jsonl(DEV / info["files"]["heldout"])
        yt = torch.tensor([k for _, k in train])
        yh = torch.tensor([names.index(e.tool_names[0]) for e in held])
        row = readouts(states([q for q, _ in train]), yt, states([e.query for e in held]), yh, len(names))
        if a.sites:
            st, sh = site_states(bb, [q for q, _ in train]), site_states(bb, [e.query for e in held])
            for site in st:
                row.update({f"{site}:{k}": v for k, v in readouts(st[site], yt, sh[site], yh, len(names)).items()})
        if embed is not None:
            c = F.normalize(torch.stack([embed([q for q, k in train if k == j]).mean(0) for j in range(len(names))]), dim=1)
            row["minilm_centroid"] = float(((embed([e.query for e in held]) @ c.T).argmax(1) == yh).float().mean())
        rows.append(row)
        print(name, json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)
    print("mean", json.dumps({k: round(sum(r[k] for r in rows) / len(rows), 3) for k in rows[0]}))


if __name__ == "__main__":
    main()
