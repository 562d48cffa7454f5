#!/usr/bin/python3
"""Golden values for importing insightface arcface_torch checkpoints, from PyTorch (Debian python3-torch).

IBasicBlock and IResNet below are insightface's own definition, copied from
github.com/deepinsight/insightface recognition/arcface_torch/backbones/iresnet.py (commit 04a433f, MIT licence),
with one change, marked "fixture:": the base width (upstream fixes 64) is a parameter, so the committed
checkpoint stays small. width=64 is upstream's network exactly; the r50 key list below is built with it.

Writes, beside this script:
  insightface_r18_w8.pth     torch.save(state_dict) of iresnet18 at width 8 (8/16/32/64 channels), 32x32 input
                             (fc_scale 2*2), seed 11, with random BatchNorm statistics and PReLU slopes
  insightface_golden.json    a few uint8 RGB images and the backbone's raw outputs for them (computed in float64)
  insightface_r50_keys.json  every state-dict key of upstream iresnet50 (112 x 112) with its shape
Run: /usr/bin/python3 tests/Pipeline.Interop.Tests/Golden/insightface_reference.py
"""
import json, os
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- insightface arcface_torch/backbones/iresnet.py (commit 04a433f) ----
def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class IBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None,
                 groups=1, base_width=64, dilation=1):
        super(IBasicBlock, self).__init__()
        if groups != 1 or base_width != 64:
            raise ValueError('BasicBlock only supports groups=1 and base_width=64')
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-05,)
        self.conv1 = conv3x3(inplanes, planes)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-05,)
        self.prelu = nn.PReLU(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-05,)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.bn1(x)
        out = self.conv1(out)
        out = self.bn2(out)
        out = self.prelu(out)
        out = self.conv2(out)
        out = self.bn3(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return out


class IResNet(nn.Module):
    fc_scale = 7 * 7

    def __init__(self,
                 block, layers, dropout=0, num_features=512, zero_init_residual=False,
                 groups=1, width_per_group=64, replace_stride_with_dilation=None,
                 width=64):  # fixture: base width, upstream 64
        super(IResNet, self).__init__()
        self.inplanes = width  # fixture: upstream 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None "
                             "or a 3-element tuple, got {}".format(replace_stride_with_dilation))
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes, eps=1e-05)
        self.prelu = nn.PReLU(self.inplanes)
        self.layer1 = self._make_layer(block, width, layers[0], stride=2)  # fixture: upstream 64
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2,  # fixture: upstream 128
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2,  # fixture: upstream 256
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2,  # fixture: upstream 512
                                       dilate=replace_stride_with_dilation[2])
        self.bn2 = nn.BatchNorm2d(8 * width * block.expansion, eps=1e-05,)  # fixture: upstream 512
        self.dropout = nn.Dropout(p=dropout, inplace=True)
        self.fc = nn.Linear(8 * width * block.expansion * self.fc_scale,  # fixture: upstream 512
                            num_features)
        self.features = nn.BatchNorm1d(num_features, eps=1e-05)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.1)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, IBasicBlock):
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion, eps=1e-05, ),
            )
        layers = []
        layers.append(
            block(self.inplanes, planes, stride, downsample, self.groups,
                  self.base_width, previous_dilation))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(
                block(self.inplanes, planes, groups=self.groups,
                      base_width=self.base_width, dilation=self.dilation))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.prelu(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.bn2(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        x = self.fc(x)
        x = self.features(x)
        return x
# ---- end of insightface's definition ----


def images(n, size, gen):
    """Smooth RGB pictures (gradients and discs), uint8 HWC: real-looking input, not white noise."""
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij")
    out = []
    for _ in range(n):
        a = torch.rand(3, 3, generator=gen, dtype=torch.float64)
        img = torch.stack([60 + 120 * (a[c, 0] * xs + a[c, 1] * ys) / size for c in range(3)], -1)
        for _ in range(4):
            cx, cy, r = (torch.rand(3, generator=gen, dtype=torch.float64) * torch.tensor([size, size, size / 3])).tolist()
            colour = torch.rand(3, generator=gen, dtype=torch.float64) * 255
            img[(xs - cx) ** 2 + (ys - cy) ** 2 < r * r] = colour
        out.append(img.round().clamp(0, 255).to(torch.uint8))
    return torch.stack(out)


def main():
    torch.manual_seed(11)
    size, width = 32, 8
    IResNet.fc_scale = (size // 16) ** 2
    model = IResNet(IBasicBlock, [2, 2, 2, 2], width=width)
    gen = torch.Generator().manual_seed(12)
    with torch.no_grad():  # trained-looking statistics, so a swapped mean/var or a missed BN cannot pass
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                if m is not model.features:
                    m.weight.copy_(1 + torch.randn(m.num_features, generator=gen) * 0.1)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5)
    model.eval()
    torch.save(model.state_dict(), os.path.join(HERE, "insightface_r18_w8.pth"))

    pixels = images(4, size, gen)
    x = (pixels.permute(0, 3, 1, 2).double() - 127.5) / 127.5
    with torch.no_grad():
        raw = model.double()(x)
    with open(os.path.join(HERE, "insightface_golden.json"), "w") as f:
        json.dump({"arch": "r18", "size": size, "width": width, "checkpoint": "insightface_r18_w8.pth",
                   "pixels": pixels.flatten().tolist(), "embeddings": raw.flatten().tolist()}, f)

    IResNet.fc_scale = 7 * 7
    r50 = IResNet(IBasicBlock, [3, 4, 14, 3])  # upstream iresnet50
    with open(os.path.join(HERE, "insightface_r50_keys.json"), "w") as f:
        json.dump({k: list(v.shape) for k, v in r50.state_dict().items()}, f, indent=0)


if __name__ == "__main__":
    main()
