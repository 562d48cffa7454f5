using Pipeline.Face.Backbones;
using Pipeline.Face.Heads;

namespace Pipeline.Face.Models;

/// <summary>What a saved model is: enough to rebuild it and to name its classes.</summary>
public sealed record ModelInfo(
    BackboneSpec Backbone,
    int SubCenters,
    MarginSpec Margin,
    IReadOnlyList<string> Identities,
    string? TrainedOn = null,
    DateTimeOffset? CreatedAt = null);
