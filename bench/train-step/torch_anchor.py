#!/usr/bin/env python3
"""PyTorch anchor for bench/train-step/run.ts (run with Debian's /usr/bin/python3 and python3-torch).

Usage: torch_anchor.py DIR THREADS
Reads what run.ts wrote into DIR (meta.json + little-endian float32 / int32 files): the model's initial
weights by optical's names, the token ids [S, B, L] and the teacher token states [S, B, L, H] of S batches.
Builds the same model as optical's konaForward (pre-LN Kona layers, timing signal, no dropout) and the same
step: token-level OT loss L = (1/B) sum_b <P*_b, C_b>, C_ij = relu(|s_i|^2 + |t_j|^2 - 2 s_i.t_j) / scale,
P* from a batched log-domain Sinkhorn on C.detach() (uniform marginals, eps, stop when every problem's
L1 marginal error <= tol, or maxIter); backward; AdamW (weight decay 0.01) on the transformer and
SparseAdam on the embedding table (a sparse nn.Embedding), as optical's trainer does (dense AdamW +
lazy Adam on the rows a batch touches).
Then serves one JSON command per stdin line, answering with one JSON line:
  {"cmd": "steps", "n": N}   run N steps on batches 0..N-1 -> {"ms": [...], "loss": [...]}
  {"cmd": "reset"}           restore the initial weights and fresh optimiser state
Benchmark only, never a test dependency.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def main():
    d = sys.argv[1]
    torch.set_num_threads(int(sys.argv[2]))
    meta = json.load(open(os.path.join(d, "meta.json")))
    cfg = meta["cfg"]
    S, B, L, H = meta["S"], meta["B"], meta["L"], meta["H"]
    ids = torch.from_numpy(np.fromfile(os.path.join(d, "ids.i32"), dtype="<i4").reshape(S, B, L).astype(np.int64))
    teacher = torch.from_numpy(np.fromfile(os.path.join(d, "teacher.f32"), dtype="<f4").reshape(S, B, L, H))
    init = {p["name"]: np.fromfile(os.path.join(d, p["file"]), dtype="<f4").reshape(p["shape"]) for p in meta["params"]}
    ot = meta["ot"]
    eps_ln = cfg["layerNormEps"]

    def fresh():
        params = {k: torch.nn.Parameter(torch.from_numpy(v.copy())) for k, v in init.items() if k not in ("embeddings.weight", "timing.inv_timescales")}
        emb = torch.nn.Embedding(*init["embeddings.weight"].shape, sparse=True)
        with torch.no_grad():
            emb.weight.copy_(torch.from_numpy(init["embeddings.weight"]))
        dense = torch.optim.AdamW(list(params.values()), lr=meta["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
        sparse = torch.optim.SparseAdam(list(emb.parameters()), lr=meta["table_lr"], betas=(0.9, 0.999), eps=1e-8)
        return params, emb, dense, sparse

    inv = torch.from_numpy(init["timing.inv_timescales"])
    pos = torch.arange(L, dtype=torch.float32)[:, None] * inv[None, :]
    timing = torch.cat([torch.sin(pos), torch.cos(pos)], 1)  # [L, E]

    def forward(p, emb, x_ids):
        mask = (x_ids >= 0).float()  # [B, L]
        m3 = mask[:, :, None]
        e = emb(x_ids.clamp(min=0)) * m3
        x = (2 * e if cfg["doubleEmbedding"] else e) + timing * m3
        key_bias = ((1 - mask) * -1e9)[:, None, None, :]
        for li, lc in enumerate(cfg["layers"]):
            pre = f"layers.{li}."
            D, heads = lc["inDim"], lc["heads"]
            dh = D // heads
            h = F.layer_norm(x, (D,), p[pre + "attn_norm.scale"], p[pre + "attn_norm.bias"], eps_ln)
            qkv = h @ p[pre + "attn.qkv.weight"] + p[pre + "attn.qkv.bias"]
            q, k, v = qkv.split(D, dim=2)
            sp = lambda t: t.reshape(B, L, heads, dh).transpose(1, 2)
            scores = (sp(q) / math.sqrt(dh)) @ sp(k).transpose(2, 3) + key_bias
            ctx = (scores.softmax(-1) @ sp(v)).transpose(1, 2).reshape(B, L, D)
            a = ctx @ p[pre + "attn.out.weight"] + p[pre + "attn.out.bias"]
            res = (x @ p[pre + "residual.weight"] + p[pre + "residual.bias"]) * m3 if D != lc["hidden"] else x
            x = a + res
            h2 = F.layer_norm(x, (lc["hidden"],), p[pre + "ffn_norm.scale"], p[pre + "ffn_norm.bias"], eps_ln)
            f = torch.relu(h2 @ p[pre + "ffn.fc1.weight"] + p[pre + "ffn.fc1.bias"]) @ p[pre + "ffn.fc2.weight"] + p[pre + "ffn.fc2.bias"]
            x = x + f * m3
        return x * m3

    @torch.no_grad()
    def sinkhorn(C):
        # batched log-domain Sinkhorn, uniform marginals over all L tokens (every batch row is full)
        Bn, n, m = C.shape
        C = C.double()
        la = torch.full((Bn, n), -math.log(n), dtype=torch.float64)
        lb = torch.full((Bn, m), -math.log(m), dtype=torch.float64)
        f = torch.zeros(Bn, n, dtype=torch.float64)
        g = torch.zeros(Bn, m, dtype=torch.float64)
        e = ot["epsilon"]
        for _ in range(ot["maxIter"]):
            f = e * la - e * torch.logsumexp((g[:, None, :] - C) / e, 2)
            g = e * lb - e * torch.logsumexp((f[:, :, None] - C) / e, 1)
            logP = (f[:, :, None] + g[:, None, :] - C) / e
            err = (logP.exp().sum(2) - la.exp()).abs().sum(1)  # row-marginal L1 error per problem
            if float(err.max()) <= ot["tol"]:
                break
        return torch.exp((f[:, :, None] + g[:, None, :] - C) / e).float()

    def step(p, emb, dense, sparse, k):
        dense.zero_grad(set_to_none=True)
        sparse.zero_grad(set_to_none=True)
        s = forward(p, emb, ids[k])
        t = teacher[k]
        s2 = (s * s).sum(-1, keepdim=True)
        t2 = (t * t).sum(-1)[:, None, :]
        C = torch.relu(s2 + t2 - 2 * s @ t.transpose(1, 2)) / ot["scale"]
        P = sinkhorn(C.detach())
        loss = (P * C).sum() / B
        loss.backward()
        dense.step()
        sparse.step()
        return float(loss)

    state = fresh()
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "reset":
            state = fresh()
            print(json.dumps({"ok": True}), flush=True)
        elif cmd["cmd"] == "steps":
            ms, losses = [], []
            for k in range(cmd["n"]):
                t0 = time.perf_counter()
                losses.append(step(*state, k % S))
                ms.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"ms": ms, "loss": losses}), flush=True)


if __name__ == "__main__":
    main()
