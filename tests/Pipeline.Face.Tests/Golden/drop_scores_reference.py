#!/usr/bin/python3
"""Golden values for DropScoreTests: every drop score of a small set, from numpy (Debian python3-numpy).

An independent definition of each score, not the C# code: rows normalised; each sample's cosines to its own class's K
sub-centers; the nearest of them, and per class the sub-center most samples are nearest to (ties: the first); the angle
to that dominant sub-center (subcenter); the angle to the normalised mean of the class's embeddings (class-mean); that
angle less the angle to the nearest other non-empty class's mean, plus 90 (class-margin). Unwhitened, in float64.
Writes drop_scores_golden.json. Run: /usr/bin/python3 tests/Pipeline.Face.Tests/Golden/drop_scores_reference.py
"""
import json, os
import numpy as np

rng = np.random.default_rng(11)
classes, k, dim, per_class = 5, 3, 8, 9
empty = 3  # a class with no samples: its mean is zero and never the nearest other class
identity = rng.normal(size=(classes, dim))
labels, rows = [], []
for c in range(classes):
    if c == empty: continue
    for i in range(per_class):
        who = identity[rng.integers(classes)] if i < 2 else identity[c]  # two of each class are someone else
        rows.append(who + 0.6 * rng.normal(size=dim)); labels.append(c)
raw = np.array(rows, dtype=np.float32)
labels = np.array(labels)
sub_centers = (identity[:, None, :] + 0.5 * rng.normal(size=(classes, k, dim))).astype(np.float32)

x = raw.astype(np.float64); x /= np.linalg.norm(x, axis=1, keepdims=True)
w = sub_centers.astype(np.float64); w /= np.linalg.norm(w, axis=2, keepdims=True)
deg = lambda cos: np.degrees(np.arccos(np.clip(cos, -1, 1)))

cos = np.einsum('nd,nkd->nk', x, w[labels])
nearest = cos.argmax(1)
counts = np.zeros((classes, k), int)
np.add.at(counts, (labels, nearest), 1)
dominant = counts.argmax(1)
subcenter = deg(cos[np.arange(len(labels)), dominant[labels]])

means = np.zeros((classes, dim)); np.add.at(means, labels, x)
norms = np.linalg.norm(means, axis=1); means[norms > 0] /= norms[norms > 0, None]
angles = deg(x @ means.T)
own = angles[np.arange(len(labels)), labels]
angles[np.arange(len(labels)), labels] = np.inf
angles[:, norms == 0] = np.inf
other = angles.min(1)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drop_scores_golden.json")
with open(out, "w") as f:
    json.dump({"numpy": np.__version__, "classes": classes, "k": k, "dim": dim,
               "embeddings": raw.flatten().tolist(), "subCenters": sub_centers.flatten().tolist(), "labels": labels.tolist(),
               "nearest": nearest.tolist(), "dominant": dominant.tolist(),
               "scores": {"subcenter": subcenter.tolist(), "class-mean": own.tolist(), "class-margin": (own - other + 90).tolist()}}, f)
print("wrote", out)
