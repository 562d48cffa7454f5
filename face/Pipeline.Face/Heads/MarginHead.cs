using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Face.Heads;

/// <summary>
/// The classifier of margin-based face recognition: class centers W (classes*K x d, N(0, 0.01)),
/// cosine of the normalised embedding to every sub-center, max over each class's K sub-centers
/// (sub-center ArcFace; K = 1 is plain), the margin on the target class, all times s.
/// With a Partial FC rate r &lt; 1 each step scores all positive classes plus a random share of
/// the negatives (insightface partial_fc_v2): same loss shape, a fraction of the compute.
/// </summary>
public sealed class MarginHead : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Parameter weight;

    public MarginHead(int embeddingSize, int classes, int subCenters, MarginSpec margin, double partialFcRate = 1.0)
        : base("margin_head")
    {
        if (subCenters < 1) throw new ArgumentOutOfRangeException(nameof(subCenters));
        if (partialFcRate is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(partialFcRate));
        Classes = classes;
        SubCenters = subCenters;
        Margin = margin;
        PartialFcRate = partialFcRate;
        weight = new Parameter(normal(0, 0.01, [classes * subCenters, embeddingSize]));
        RegisterComponents();
    }

    public int Classes { get; }
    public int SubCenters { get; }
    public MarginSpec Margin { get; }
    public double PartialFcRate { get; }
    public Parameter Weight => weight;

    /// <summary>Random source for Partial FC sampling; the trainer seeds it per step for exact resume.</summary>
    public Generator? Sampler { get; set; }

    /// <summary>
    /// Scaled logits with the margin applied, the labels they are indexed by (remapped under
    /// Partial FC), and the plain class cosines (for accuracy and angles, no margin).
    /// </summary>
    public (Tensor Logits, Tensor Labels, Tensor Cosines) Logits(Tensor embeddings, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var (w, lab) = PartialFcRate < 1.0 ? SampleCenters(labels) : (weight, labels);
        var cos = ClassCosines(embeddings, w);
        var index = lab.unsqueeze(1);
        var target = MarginMath.TargetLogit(cos.gather(1, index), Margin);
        var logits = cos.scatter(1, index, target) * Margin.Scale;
        var labelsOut = ReferenceEquals(lab, labels) ? labels : lab.MoveToOuterDisposeScope();
        return (logits.MoveToOuterDisposeScope(), labelsOut, cos.MoveToOuterDisposeScope());
    }

    public override Tensor forward(Tensor embeddings, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var (logits, lab, _) = Logits(embeddings, labels);
        return nn.functional.cross_entropy(logits, lab).MoveToOuterDisposeScope();
    }

    /// <summary>Cosine to each class: the best of its K sub-centers.</summary>
    public Tensor ClassCosines(Tensor embeddings, Tensor? centers = null)
    {
        using var scope = NewDisposeScope();
        var w = nn.functional.normalize(centers ?? weight, p: 2, dim: 1);
        var x = nn.functional.normalize(embeddings, p: 2, dim: 1);
        var cos = x.matmul(w.t());
        if (SubCenters > 1)
            cos = cos.view(cos.shape[0], -1, SubCenters).max(2).values;
        return cos.MoveToOuterDisposeScope();
    }

    /// <summary>Normalised sub-centers as [classes, K, d] (for purification).</summary>
    public Tensor NormalisedSubCenters()
    {
        using var _ = no_grad();
        return nn.functional.normalize(weight.detach(), p: 2, dim: 1).view(Classes, SubCenters, -1).clone();
    }

    private (Tensor Centers, Tensor Labels) SampleCenters(Tensor labels)
    {
        var positives = labels.unique().Item1;
        long want = Math.Max(positives.shape[0], (long)Math.Ceiling(Classes * PartialFcRate));
        var score = rand([Classes], generator: Sampler, device: labels.device);
        score.index_fill_(0, positives, 2.0); // positives always win
        var chosen = score.topk((int)want).indexes.sort().Values;
        var remap = full([Classes], -1L, dtype: ScalarType.Int64, device: labels.device);
        remap.index_put_(arange(chosen.shape[0], dtype: ScalarType.Int64, device: labels.device), chosen);
        var rows = (chosen.unsqueeze(1) * SubCenters + arange(SubCenters, device: labels.device)).flatten();
        return (weight.index_select(0, rows), remap.index_select(0, labels));
    }
}
