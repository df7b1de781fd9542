#!/usr/bin/env python3
"""POT anchor for bench/ot/run.ts (run with Debian's /usr/bin/python3 and python3-pot).

Usage: pot_anchor.py DIR
Reads the problems that run.ts wrote into DIR (meta.json + little-endian float64 .f64 files),
then serves one JSON command per stdin line and answers with one JSON line, so that run.ts can
interleave POT's timed runs with its own (fair under a fluctuating machine load):
  {"cmd": "agree"}               solve the agreement problems, write DIR/agree_<k>_plan.pot.f64
  {"cmd": "batch"}               one timed loop of ot.sinkhorn(method='sinkhorn_log') over the batch
  {"cmd": "single", "eps": e}    one timed ot.sinkhorn(method='sinkhorn') on the 512x512 problem
  {"cmd": "single_log", "eps": e} the same with method='sinkhorn_log'
Never a test dependency: benchmark only.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import ot

warnings.filterwarnings("ignore")


def load(d, name, shape):
    return np.fromfile(os.path.join(d, name), dtype="<f8").reshape(shape)


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "meta.json")))
    bm = meta["batch"]
    B, N, M = bm["B"], bm["N"], bm["M"]
    cost = load(d, "batch_cost.f64", (B, N, M))
    ab = np.full(N, 1.0 / N)
    bb = np.full(M, 1.0 / M)
    n = meta["single"]["n"]
    C1 = load(d, "single_cost.f64", (n, n))
    u = np.full(n, 1.0 / n)
    iters = meta["single"]["iters"]

    def agree():
        out = []
        for k, p in enumerate(meta["agree"]):
            n_, m_ = p["n"], p["m"]
            C = load(d, f"agree_{k}_C.f64", (n_, m_))
            a = load(d, f"agree_{k}_a.f64", (n_,))
            b = load(d, f"agree_{k}_b.f64", (m_,))
            if p["kind"] == "balanced":
                P = ot.sinkhorn(a, b, C, p["eps"], method="sinkhorn_log", numItermax=200000, stopThr=1e-15)
            elif p["kind"] == "unbalanced":
                P = ot.sinkhorn_unbalanced(a, b, C, p["eps"], p["tau"], method="sinkhorn", numItermax=200000, stopThr=1e-15)
            else:
                P = ot.emd(a, b, C, numItermax=10**7)
            P.astype("<f8").tofile(os.path.join(d, f"agree_{k}_plan.pot.f64"))
            out.append(float(np.sum(P * C)))
        return {"values": out}

    def batch():
        t = time.perf_counter()
        vals = np.empty(B)
        unconv = 0
        for k in range(B):
            P, log = ot.sinkhorn(ab, bb, cost[k], bm["eps"], method="sinkhorn_log",
                                 numItermax=bm["maxIter"], stopThr=bm["tol"], log=True)
            vals[k] = np.sum(P * cost[k])
            if not (log["err"][-1] < bm["tol"]):
                unconv += 1
        ms = (time.perf_counter() - t) * 1e3
        return {"ms": ms, "unconverged": unconv, "values": vals.tolist()}

    def single(eps, method):
        t = time.perf_counter()
        P = ot.sinkhorn(u, u, C1, eps, method=method, numItermax=iters, stopThr=0.0)
        ms = (time.perf_counter() - t) * 1e3
        finite = bool(np.isfinite(P).all())
        merr = float(np.abs(P.sum(1) - u).sum() + np.abs(P.sum(0) - u).sum()) if finite else None
        return {"ms": ms, "finite": finite, "marginal_error": merr, "value": float(np.sum(P * C1)) if finite else None}

    print(json.dumps({"ready": True, "pot_version": ot.__version__, "numpy_version": np.__version__}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "quit":
            break
        if cmd == "agree":
            res = agree()
        elif cmd == "batch":
            res = batch()
        elif cmd == "single":
            res = single(req["eps"], "sinkhorn")
        elif cmd == "single_log":
            res = single(req["eps"], "sinkhorn_log")
        else:
            res = {"error": f"unknown command {cmd}"}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
