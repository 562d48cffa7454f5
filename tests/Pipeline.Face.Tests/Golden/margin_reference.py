#!/usr/bin/python3
"""Golden values for the combined-margin head, from PyTorch (Debian python3-torch).

Implements the paper's equations directly (not the C# code): cosine to every sub-center,
max over K, target logit s*(cos(m1*theta+m2)-m3) with the documented monotonic fallbacks,
cross-entropy. Writes margin_golden.json: inputs, loss, d loss/d embeddings, d loss/d weights.
Run: /usr/bin/python3 tests/Pipeline.Face.Tests/Golden/margin_reference.py
"""
import json, math, os
import torch
import torch.nn.functional as F

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)  # reference in double; C# runs float32

def target_logit(c, m1, m2, m3):
    c = c.clamp(-1, 1)
    if m1 == 1.0 and m2 == 0.0:
        t = c
    elif m1 == 1.0:
        sin = (1 - c * c).clamp(1e-12, 1).sqrt()
        phi = c * math.cos(m2) - sin * math.sin(m2)
        th = math.cos(math.pi - m2)
        mm = math.sin(math.pi - m2) * m2
        t = torch.where(c > th, phi, c - mm)     # insightface's fallback
    else:
        theta = c.clamp(-1 + 1e-7, 1 - 1e-7).acos()
        phi = torch.cos(m1 * theta + m2)
        lim = (math.pi - m2) / m1
        t = torch.where(theta < lim, phi, c - math.cos(lim) - 1.0)
    return t - m3

def case(name, m1, m2, m3, k, s=64.0, b=8, d=16, classes=10):
    x = torch.randn(b, d)
    w = torch.randn(classes * k, d) * 0.5
    labels = torch.randint(0, classes, (b,))
    # sample 0 points away from every sub-center of its class: exercises theta + m > pi
    x[0] = -w[labels[0] * k: labels[0] * k + k].sum(0)
    x.requires_grad_(True); w.requires_grad_(True)
    cos = F.normalize(x, dim=1) @ F.normalize(w, dim=1).t()
    cos = cos.view(b, classes, k).max(2).values
    idx = labels.view(-1, 1)
    t = target_logit(cos.gather(1, idx), m1, m2, m3)
    logits = cos.scatter(1, idx, t) * s
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    return dict(name=name, m1=m1, m2=m2, m3=m3, s=s, k=k, classes=classes, dim=d,
                embeddings=x.detach().flatten().tolist(), weights=w.detach().flatten().tolist(),
                labels=labels.tolist(), loss=loss.item(),
                grad_embeddings=x.grad.flatten().tolist(), grad_weights=w.grad.flatten().tolist())

cases = [case("arcface", 1.0, 0.5, 0.0, 1), case("cosface", 1.0, 0.0, 0.35, 1),
         case("sphereface", 1.35, 0.0, 0.0, 1), case("subcenter_arcface_k3", 1.0, 0.5, 0.0, 3),
         case("arcface_s16", 1.0, 0.5, 0.0, 1, s=16.0)]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "margin_golden.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print("wrote", out)
