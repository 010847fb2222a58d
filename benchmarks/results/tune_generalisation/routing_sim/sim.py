"""Routing-only simulation on cached decision states: the first-position TokMem loss
(CE over [vocab LSE, h.r_1..h.r_n]) with variants; reports forced tool acc on held-out phrasings,
recall (argmax rule) and false calls on unrelated queries."""
import sys, math, torch, torch.nn.functional as F
C = torch.load(sys.argv[1] if len(sys.argv) > 1 else "cache_auto.pt")
NEGH, NEGL = C["neg"]; UH, UL = C["unrelated"]; MN = C["mean_norm"]

def run(epochs=5, lr=2e-2, neg=0, init="name", renorm=False, anchor=0.0, tool_ce=0.0, wd=0.0, seed=0, bs=4, negw=8.0):
    out = []
    for name, s in C["sets"].items():
        g = torch.Generator().manual_seed(seed)
        (Xt, Lt), ty, (Xh, Lh), hy = s["train"], s["ty"], s["held"], s["hy"]
        n = int(ty.max()) + 1
        r0 = s["init"].clone()
        if init == "proto":
            mu = NEGH.mean(0)
            U = torch.stack([F.normalize(Xt[ty == k].mean(0) - mu, dim=0) for k in range(n)])
            r0 = U * MN
        elif init == "proto+name":
            mu = NEGH.mean(0)
            U = torch.stack([F.normalize(Xt[ty == k].mean(0) - mu, dim=0) for k in range(n)])
            r0 = r0 + U * MN
        R = torch.nn.Parameter(r0.clone())
        X, L, Y = Xt, Lt, ty
        if neg:
            X = torch.cat([X, NEGH[:neg]]); L = torch.cat([L, NEGL[:neg]]); Y = torch.cat([Y, torch.full((neg,), -1)])
        opt = torch.optim.AdamW([R], lr=lr, weight_decay=wd)
        N = len(Y); steps = math.ceil(N / bs) * epochs; warm = int(0.1 * steps)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda st: (st + 1) / warm if st < warm else max(0.0, (steps - st) / max(1, steps - warm)))
        for ep in range(epochs):
            perm = torch.randperm(N, generator=g)
            for b in range(0, N, bs):
                i = perm[b:b + bs]
                logits = torch.cat([L[i, None], X[i] @ R.T], 1)
                y = Y[i]
                pos = y >= 0
                loss = 0
                terms = []
                if pos.any():
                    terms.append(F.cross_entropy(logits[pos], y[pos] + 1, reduction="none"))
                    if tool_ce:
                        terms[-1] = terms[-1] + tool_ce * F.cross_entropy(logits[pos][:, 1:], y[pos], reduction="none")
                if (~pos).any():
                    lg = logits[~pos]
                    terms.append(negw * (torch.logsumexp(lg, -1) - lg[:, 0]))
                loss = torch.cat(terms).sum() / (pos.sum() + negw * (~pos).sum())
                if anchor:
                    loss = loss + anchor * ((R - r0) ** 2).sum(1).mean() / MN ** 2
                opt.zero_grad(); loss.backward(); opt.step(); sched.step()
                if renorm:
                    with torch.no_grad(): R.mul_(MN / R.norm(dim=1, keepdim=True))
        with torch.no_grad():
            fh = (Xh @ R.T).argmax(1)
            acc = float((fh == hy).float().mean())
            call_h = (Xh @ R.T).max(1).values > Lh  # crude: max memory logit vs vocab LSE
            pm_h = torch.sigmoid(torch.logsumexp(Xh @ R.T, 1) - Lh)
            pm_u = torch.sigmoid(torch.logsumexp(UH @ R.T, 1) - UL)
            tr = float(((Xt @ R.T).argmax(1) == ty).float().mean())
            out.append((acc, float((pm_h >= 0.5).float().mean()), float((pm_u >= 0.5).float().mean()), tr, float(R.norm(dim=1).mean() / MN)))
    m = [sum(o[j] for o in out) / len(out) for j in range(5)]
    return m

VARIANTS = {
    "base": {}, "e2": {"epochs": 2}, "e1": {"epochs": 1}, "lr5e3": {"lr": 5e-3}, "renorm": {"renorm": True},
    "proto": {"init": "proto"}, "proto_e1": {"init": "proto", "epochs": 1}, "proto_renorm": {"init": "proto", "renorm": True},
    "proto+name": {"init": "proto+name"}, "anchor1": {"anchor": 1.0}, "proto_anchor1": {"init": "proto", "anchor": 1.0},
    "toolce1": {"tool_ce": 1.0}, "wd0.1": {"wd": 0.1}, "neg35": {"neg": 40}, "proto_neg35": {"init": "proto", "neg": 40},
    "proto_anchor1_neg35": {"init": "proto", "anchor": 1.0, "neg": 40},
}
sel = sys.argv[2:] or list(VARIANTS)
for k in sel:
    m = run(**VARIANTS[k])
    print(f"{k:22s} forced {m[0]:.3f}  recall@.5 {m[1]:.3f}  false@.5 {m[2]:.3f}  train {m[3]:.3f}  norm {m[4]:.2f}", flush=True)
