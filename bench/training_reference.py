#!/usr/bin/python3
"""PyTorch side of the `train` bench: the same networks, inputs and steps as `Pipeline.Bench train`, timed in
Debian's PyTorch (/usr/bin/python3, python3-torch) on the same number of threads.

The backbone mirrors face/Pipeline.Face/Backbones (IResNet.cs, BackboneSpec.cs): insightface's IResNet with
a width multiplier (tiny: [1,1,1,1] at half width) and a stride-2 stem at 64 px; the head mirrors
MarginHead.cs (sub-center ArcFace, K=3, s=64, m=0.5); a step mirrors FaceTrainer: a shuffled batch of 64 with
random flips, (x - 127.5) / 127.5 in channels-last memory, forward, cross-entropy, backward, the step's loss,
accuracy and angle read back, backbone gradients clipped to norm 5, SGD (momentum 0.9, weight decay 5e-4).
Two epochs per run, the second timed, then the set embedded once (image + mirror, L2-normalised), as
`train` does. Also a float32 matmul peak (2048^2), as `train` measures it.

Inputs: <inputs>/<backbone>@<size>.bin written by `train --inputs DIR`: int32 count, size, classes; int32
labels; then count HWC uint8 images. Output: --json PATH, every run's figure under "torch.<key>".
"""
import argparse
import json
import math
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DEPTHS = {"tiny": [1, 1, 1, 1], "r18": [2, 2, 2, 2], "r34": [3, 4, 6, 3], "r50": [3, 4, 14, 3], "r100": [3, 13, 30, 3]}


class IBasicBlock(nn.Module):
    """BN-Conv-BN-PReLU-Conv-BN, stride on the second conv, 1x1 conv + BN shortcut when the shape changes."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-5)
        self.prelu = nn.PReLU(planes, init=0.25)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-5)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes, eps=1e-5))

    def forward(self, x):
        h = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return h + (x if self.downsample is None else self.downsample(x))


class IResNet(nn.Module):
    def __init__(self, name, size, embedding=512):
        super().__init__()
        mult = 0.5 if name == "tiny" else 1.0
        stem = 2 if size == 64 else 1
        width = [max(8, round(64 * mult * (1 << s))) for s in range(4)]
        inplanes = width[0]
        self.conv1 = nn.Conv2d(3, inplanes, 3, stride=stem, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.prelu = nn.PReLU(inplanes, init=0.25)
        blocks = []
        for s, count in enumerate(DEPTHS[name]):
            for b in range(count):
                blocks.append(IBasicBlock(inplanes, width[s], 2 if b == 0 else 1))
                inplanes = width[s]
        self.layers = nn.Sequential(*blocks)
        self.bn2 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.dropout = nn.Dropout(0.0)
        final = size // stem // 16
        self.fc = nn.Linear(inplanes * final * final, embedding)
        self.features = nn.BatchNorm1d(embedding, eps=1e-5)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.1)
        self.features.weight.requires_grad = False

    def forward(self, x):
        h = self.layers(self.prelu(self.bn1(self.conv1(x))))
        return self.features(self.fc(self.dropout(torch.flatten(self.bn2(h), 1))))


class SubCenterArcFace(nn.Module):
    def __init__(self, embedding, classes, k=3, s=64.0, m=0.5):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(classes * k, embedding).normal_(0, 0.01))
        self.k, self.s, self.m = k, s, m

    def forward(self, x, labels):
        cos = F.normalize(x, dim=1) @ F.normalize(self.weight, dim=1).t()
        cos = cos.view(cos.shape[0], -1, self.k).max(2).values
        c = cos.gather(1, labels[:, None]).clamp(-1, 1)
        sin = (1 - c * c).clamp(1e-12, 1).sqrt()
        phi = c * math.cos(self.m) - sin * math.sin(self.m)
        target = torch.where(c > math.cos(math.pi - self.m), phi, c - math.sin(math.pi - self.m) * self.m)
        return cos.scatter(1, labels[:, None], target) * self.s, cos


def batch(pixels, idx, flips):
    """uint8 NHWC -> normalised float, mirrored where asked, as an NCHW view of NHWC memory (channels-last)."""
    x = pixels[idx].float()
    if flips.any():
        x[flips] = x[flips].flip(2)
    return x.sub_(127.5).div_(127.5).permute(0, 3, 1, 2)


def epoch(backbone, head, opt, params, pixels, labels, bs, gen):
    order = torch.randperm(len(labels), generator=gen)
    flips = torch.rand(len(labels), generator=gen) < 0.5
    for s in range(len(labels) // bs):
        idx = order[s * bs:(s + 1) * bs]
        opt.zero_grad(set_to_none=False)
        logits, cos = head(backbone(batch(pixels, idx, flips[idx])), labels[idx])
        loss = F.cross_entropy(logits, labels[idx])
        loss.backward()
        with torch.no_grad():  # the trainer reads these back every step
            plain = cos.detach()
            loss.item(), plain.argmax(1).eq(labels[idx]).sum().item()
            plain.gather(1, labels[idx][:, None]).clamp(-1, 1).acos().sum().item()
        nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()


def run(name, size, pixels, labels, classes, bs):
    backbone, head = IResNet(name, size), SubCenterArcFace(512, classes)
    params = [p for p in backbone.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params + list(head.parameters()), lr=0.1 * bs / 512, momentum=0.9, weight_decay=5e-4)
    backbone.train(), head.train()
    gen = torch.Generator().manual_seed(1)
    epoch(backbone, head, opt, params, pixels, labels, bs, gen)
    t = time.perf_counter()
    epoch(backbone, head, opt, params, pixels, labels, bs, gen)
    train = len(labels) // bs * bs / (time.perf_counter() - t)
    backbone.eval()
    t = time.perf_counter()
    with torch.no_grad():
        for s in range(0, len(labels), bs):
            x = batch(pixels, torch.arange(s, min(s + bs, len(labels))), torch.zeros(0, dtype=torch.bool))
            F.normalize(backbone(x) + backbone(x.flip(3)), dim=1).numpy().copy()
    return train, len(labels) / (time.perf_counter() - t)


def matmul_peak():
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    for _ in range(2):
        a.mm(b)
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < 2:
        a.mm(b)
        n += 1
    return n * 2.0 * 2048 ** 3 / (time.perf_counter() - t) / 1e9


def read_inputs(path):
    head = np.fromfile(path, dtype=np.int32, count=3)
    n, size, classes = (int(v) for v in head)
    labels = np.fromfile(path, dtype=np.int32, count=n, offset=12)
    pixels = np.fromfile(path, dtype=np.uint8, offset=12 + 4 * n).reshape(n, size, size, 3)
    return torch.from_numpy(pixels), torch.from_numpy(labels.astype(np.int64)), classes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", required=True, help="folder of <backbone>@<size>.bin written by `train --inputs`")
    ap.add_argument("--models", default="tiny@64,r18@112,r50@112")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, required=True, help="intra-op threads (the C# bench's figure 'threads')")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    figures = {"torch.threads": [torch.get_num_threads()]}
    figures["torch.matmul_peak.gflop_s"] = [matmul_peak() for _ in range(args.runs)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, matmul peak median "
          f"{np.median(figures['torch.matmul_peak.gflop_s']):.1f} GFLOP/s", flush=True)
    for key in args.models.split(","):
        name, size = key.split("@")[0], int(key.split("@")[1].split(":")[0])
        key = f"{name}@{size}"
        pixels, labels, classes = read_inputs(f"{args.inputs}/{key}.bin")
        results = [run(name, size, pixels, labels, classes, args.batch) for _ in range(args.runs)]
        figures[f"torch.train.{key}.img_s"] = [r[0] for r in results]
        figures[f"torch.embed.{key}.img_s"] = [r[1] for r in results]
        print(f"torch {key} ({len(labels)} images): train median {np.median([r[0] for r in results]):.1f} img/s, "
              f"embed median {np.median([r[1] for r in results]):.1f} img/s", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
