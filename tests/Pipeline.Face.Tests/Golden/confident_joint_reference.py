"""Golden values for ConfidentJoint (run with Debian's /usr/bin/python3 + numpy; writes confident_joint_golden.json).

An independent numpy statement of the estimate: class means of the L2-normalised embeddings; a class's threshold is the mean
cosine of its samples to its mean; a sample is confidently its nearest other class j when cos(x, mean_j) >= t_j and
(cos(x, mean_j) > cos(x, own mean) or cos(x, own mean) < t_own); counted when that or cos(x, own mean) >= t_own holds;
the estimate is confidently-other / counted. Three sets: well-separated classes with 20 % of labels moved to another
class, the same with no label moved, and overlapping classes with 30 % moved.
"""
import json
import numpy as np


def estimate(x, y, classes):
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    mu = np.stack([x[y == c].mean(0) for c in range(classes)])
    mu /= np.linalg.norm(mu, axis=1, keepdims=True)
    cos = x @ mu.T
    n = len(y)
    own = cos[np.arange(n), y]
    other_cos = cos.copy()
    other_cos[np.arange(n), y] = -np.inf
    j = other_cos.argmax(1)
    oc = other_cos[np.arange(n), j]
    t = np.array([own[y == c].mean() for c in range(classes)])
    own_conf = own >= t[y]
    other_conf = (oc >= t[j]) & ((oc > own) | ~own_conf)
    return float(other_conf.sum() / (other_conf | own_conf).sum())


def make(rng, classes, per, dim, spread, moved):
    centres = rng.normal(size=(classes, dim))
    truth = np.repeat(np.arange(classes), per)
    x = centres[truth] + spread * rng.normal(size=(classes * per, dim))
    y = truth.copy()
    idx = rng.choice(len(y), int(round(moved * len(y))), replace=False)
    y[idx] = (truth[idx] + rng.integers(1, classes, len(idx))) % classes
    return x.astype(np.float32), y


rng = np.random.default_rng(22)
sets = []
for name, classes, per, dim, spread, moved in [("separated-20", 6, 40, 16, 0.35, 0.2), ("clean", 6, 40, 16, 0.35, 0.0),
                                               ("overlapping-30", 5, 50, 8, 0.9, 0.3)]:
    x, y = make(rng, classes, per, dim, spread, moved)
    sets.append({"name": name, "dim": dim, "classes": classes, "moved": moved, "labels": y.tolist(),
                 "embeddings": [float(v) for v in x.reshape(-1)], "estimate": estimate(x.astype(np.float64), y, classes)})
json.dump(sets, open("confident_joint_golden.json", "w"))
for s in sets:
    print(s["name"], s["moved"], round(s["estimate"], 4))
