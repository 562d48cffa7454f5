#!/usr/bin/python3
"""Recall@10 of an int8 scan re-scored exactly, global vs per-dimension code range, by oversampling (numpy).
Usage: /usr/bin/python3 bench/experiments/quantised-index-recall.py 100000   (rows; 512 dims, 100 queries).
Codes as the embedded index makes them: uint8 (x - lo) / step per dimension, the query times step rounded to int8;
the candidates' exact cosines pick the top 10. Notes: quantised-index.md."""
import numpy as np, sys, time
rng = np.random.default_rng(1)
def data(kind, n, d, nq):
    if kind == 'random':
        X = rng.standard_normal((n, d), dtype=np.float32); Q = rng.standard_normal((nq, d), dtype=np.float32)
    else:
        C = rng.standard_normal((n // 100, d), dtype=np.float32); C /= np.linalg.norm(C, axis=1, keepdims=True)
        X = C[rng.integers(0, len(C), n)] + 0.04 * rng.standard_normal((n, d), dtype=np.float32)
        Q = C[rng.integers(0, len(C), nq)] + 0.04 * rng.standard_normal((nq, d), dtype=np.float32)
        if kind == 'aniso':  # some dimensions carry much more variance, as in a learnt embedding
            s = np.exp(rng.standard_normal(d).astype(np.float32) * 0.7); X *= s; Q *= s
    X /= np.linalg.norm(X, axis=1, keepdims=True); Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    return X, Q
def quant(X, Q, per_dim):
    lo = X.min(0) if per_dim else np.full(X.shape[1], X.min(), np.float32)
    hi = X.max(0) if per_dim else np.full(X.shape[1], X.max(), np.float32)
    step = (hi - lo) / 255
    codes = np.clip(np.rint((X - lo) / step), 0, 255).astype(np.float32)
    W = Q * step
    qs = 127 / np.abs(W).max(1, keepdims=True)
    qq = np.rint(W * qs).astype(np.float32)
    return qq @ codes.T
n, d, nq, k = int(sys.argv[1]), 512, 100, 10
for kind in ['random', 'clustered', 'aniso']:
    X, Q = data(kind, n, d, nq)
    exact = Q @ X.T
    truth = np.argsort(-exact, 1)[:, :k]
    for per_dim in [False, True]:
        approx = quant(X, Q, per_dim)
        res = []
        for over in [1, 2, 4, 8]:
            cand = np.argpartition(-approx, k * over, 1)[:, :k * over]
            rescored = np.take_along_axis(exact, cand, 1)
            top = np.take_along_axis(cand, np.argsort(-rescored, 1)[:, :k], 1)
            rec = np.mean([len(set(top[i]) & set(truth[i])) / k for i in range(nq)])
            res.append(f"x{over}={rec:.4f}")
        print(kind, 'per-dim' if per_dim else 'global', ' '.join(res), flush=True)
