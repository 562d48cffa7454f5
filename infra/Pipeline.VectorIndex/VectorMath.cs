using System.Numerics.Tensors;

namespace Pipeline.VectorIndex;

/// <summary>Normalisation and input checks shared by both index implementations.</summary>
public static class VectorMath
{
    /// <summary>Writes the unit-length copy of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void NormalizeInto(ReadOnlySpan<float> source, Span<float> destination, string what)
    {
        var norm = TensorPrimitives.Norm(source);
        if (!float.IsFinite(norm) || norm <= 1e-12f)
            throw new ArgumentException($"{what}: vector has zero or non-finite norm ({norm})");
        TensorPrimitives.Divide(source, norm, destination);
    }

    public static float[] Normalized(ReadOnlySpan<float> source, string what)
    {
        var result = new float[source.Length];
        NormalizeInto(source, result, what);
        return result;
    }

    /// <summary>Checks dimension and model purity of a batch; returns the batch's single ModelId (null if empty).</summary>
    public static string? ValidateBatch(string collection, IReadOnlyList<FacePoint> points, int dimension)
    {
        string? model = null;
        foreach (var p in points)
        {
            ArgumentNullException.ThrowIfNull(p);
            if (string.IsNullOrEmpty(p.Id)) throw new ArgumentException($"{collection}: point with empty id");
            if (p.Vector is null || p.Vector.Length != dimension)
                throw new ArgumentException($"{collection}/{p.Id}: vector has {p.Vector?.Length ?? 0} dimensions, collection has {dimension}");
            if (p.Payload is null || p.Payload.Identity is null || p.Payload.DatasetId is null || string.IsNullOrEmpty(p.Payload.ModelId))
                throw new ArgumentException($"{collection}/{p.Id}: payload needs Identity, DatasetId and ModelId");
            model ??= p.Payload.ModelId;
            if (model != p.Payload.ModelId)
                throw new ArgumentException($"{collection}/{p.Id}: batch mixes models '{model}' and '{p.Payload.ModelId}'");
        }
        return model;
    }

    public static void ValidateQueries(IReadOnlyList<float[]> queries, int top, int dimension, string target)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (top <= 0) throw new ArgumentOutOfRangeException(nameof(top), top, "top must be positive");
        for (var i = 0; i < queries.Count; i++)
            if (queries[i] is null || queries[i].Length != dimension)
                throw new ArgumentException($"{target}: query {i} has {queries[i]?.Length ?? 0} dimensions, collection has {dimension}");
    }
}
