using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Face.Backbones;

/// <summary>
/// insightface's IResNet: a 3x3 stem (BN, PReLU), four stages of pre-activation basic blocks
/// (BN-Conv-BN-PReLU-Conv-BN, stride 2 on the second conv of each stage's first block), then
/// the output head BN -> Dropout -> FC(512) -> BN (BN with a frozen unit scale, as insightface).
/// </summary>
public sealed class IResNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm bn1;
    private readonly PRelu prelu;
    private readonly Sequential layers;
    private readonly BatchNorm bn2;
    private readonly Dropout dropout;
    private readonly Linear fc;
    private readonly BatchNorm features;

    public IResNet(BackboneSpec spec) : base("iresnet")
    {
        Spec = spec;
        int inplanes = spec.Width(0);
        conv1 = Conv2d(3, inplanes, 3, stride: spec.StemStride, padding: 1, bias: false);
        bn1 = new BatchNorm(inplanes);
        prelu = new PRelu(inplanes);
        var stages = new List<(string, Module<Tensor, Tensor>)>();
        for (int s = 0; s < 4; s++)
        {
            int planes = spec.Width(s);
            for (int b = 0; b < spec.Layers[s]; b++)
            {
                stages.Add(($"layer{s + 1}_{b}", new IBasicBlock(inplanes, planes, b == 0 ? 2 : 1)));
                inplanes = planes;
            }
        }
        layers = Sequential(stages);
        bn2 = new BatchNorm(inplanes);
        dropout = Dropout(spec.Dropout);
        fc = Linear(inplanes * spec.FinalSpatial * spec.FinalSpatial, spec.EmbeddingSize);
        features = new BatchNorm(spec.EmbeddingSize);
        RegisterComponents();

        using (no_grad())
        {
            foreach (var (_, m) in named_modules())
            {
                if (m is Conv2d c) init.normal_(c.weight, 0, 0.1);
            }
        }
        features.Weight.requires_grad = false;
    }

    public BackboneSpec Spec { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = prelu.call(bn1.call(conv1.call(x)));
        h = layers.call(h);
        h = bn2.call(h).flatten(1);
        h = features.call(fc.call(dropout.call(h)));
        return h.MoveToOuterDisposeScope();
    }

    private sealed class IBasicBlock : Module<Tensor, Tensor>
    {
        private readonly BatchNorm bn1, bn2, bn3;
        private readonly Conv2d conv1, conv2;
        private readonly PRelu prelu;
        private readonly Sequential? downsample;

        public IBasicBlock(int inplanes, int planes, int stride) : base("iblock")
        {
            bn1 = new BatchNorm(inplanes);
            conv1 = Conv2d(inplanes, planes, 3, stride: 1, padding: 1, bias: false);
            bn2 = new BatchNorm(planes);
            prelu = new PRelu(planes);
            conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
            bn3 = new BatchNorm(planes);
            if (stride != 1 || inplanes != planes)
                downsample = Sequential(Conv2d(inplanes, planes, 1, stride: stride, bias: false), new BatchNorm(planes));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var h = bn3.call(conv2.call(prelu.call(bn2.call(conv1.call(bn1.call(x))))));
            var identity = downsample is null ? x : downsample.call(x);
            return h.add_(identity);
        }
    }
}
