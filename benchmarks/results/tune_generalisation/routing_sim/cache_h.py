"""Cache decision-position hidden states and vocab logsumexp for the dev split (rows never affect the prompt)."""
import json, random, sys
from pathlib import Path
import torch
from tokmem_agents.bank.records import load_jsonl
from tokmem_agents.bank.specs import load_specs
from tokmem_agents.model.backbone import load_backbone
from tokmem_agents.model.lm import MemoryLM
from tokmem_agents.training.init import init_vectors
DEV = Path("../../../../benchmarks/data/generalisation_dev")
adapter = sys.argv[1]
bb = load_backbone(None, adapter=None if adapter == "none" else adapter)
emb = bb.model.get_input_embeddings().weight
lm = MemoryLM(bb, torch.zeros(0, emb.shape[1]))
@torch.no_grad()
def H(qs):
    hs, lse = [], []
    for i in range(0, len(qs), 16):
        chunk = [bb.prompt_ids(q) for q in qs[i:i+16]]
        w = max(map(len, chunk))
        ids = torch.zeros(len(chunk), w, dtype=torch.long); m = torch.zeros_like(ids)
        for r, c in enumerate(chunk):  # left pad so last position is the decision position
            ids[r, w-len(c):] = torch.tensor(c); m[r, w-len(c):] = 1
        pos = (m.cumsum(1) - 1).clamp_min(0)
        h, _ = lm.hidden(ids, attention_mask=m, position_ids=pos)
        h = h[:, -1].float()
        hs.append(h); lse.append(torch.logsumexp(lm.logits(h)[:, :bb.base_vocab].float(), -1))
    return torch.cat(hs), torch.cat(lse)
neg = [e.query for e in load_jsonl(Path("../../../../tokmem_agents/data/negatives/notool.jsonl"))]
random.Random(0).shuffle(neg)
out = {"neg": H(neg[:400]), "unrelated": H([e.query for e in load_jsonl(DEV / "unrelated.jsonl")]), "sets": {}}
man = json.loads((DEV / "MANIFEST.json").read_text())
for name, info in man["sets"].items():
    specs = load_specs([DEV / info["files"]["tools"]]); names = [s.name for s in specs]
    tq, ty = [], []
    for k, s in enumerate(specs):
        for e in s.examples: tq.append(e.query); ty.append(k)
    held = load_jsonl(DEV / info["files"]["heldout"])
    init = init_vectors(emb, names, bb.tokenizer, "name", torch.Generator().manual_seed(0))
    out["sets"][name] = {"train": H(tq), "ty": torch.tensor(ty), "held": H([e.query for e in held]),
                         "hy": torch.tensor([names.index(e.tool_names[0]) for e in held]), "init": init}
out["mean_norm"] = float(emb.float().norm(dim=1).mean())
torch.save(out, f"cache_{adapter}.pt")
print("saved")
