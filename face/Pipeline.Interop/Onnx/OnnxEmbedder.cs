using Microsoft.ML.OnnxRuntime;
using Pipeline.Datasets;
using Pipeline.Face.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Interop.Onnx;

/// <summary>
/// Embeddings from an ONNX backbone (one <see cref="OnnxExport"/> writes, or insightface's) by ONNX Runtime, exactly as
/// <see cref="Face.Embedding.Embedder"/> computes them: the normalised image and its mirror through the backbone, their
/// sum L2-normalised, one row of <see cref="Dimension"/> floats per sample.
/// </summary>
public sealed class OnnxEmbedder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;

    public OnnxEmbedder(string path, int batchSize = 64)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such ONNX model", path);
        BatchSize = batchSize;
        using var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = Face.TorchRuntime.Threads };
        try { _session = new InferenceSession(path, so); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"{path}: not a model ONNX Runtime can load ({e.Message})", e); }
        try
        {
            if (_session.InputMetadata.Count != 1 || _session.OutputMetadata.Count != 1)
                throw new InvalidDataException($"{path}: expected one input (N x 3 x S x S) and one output (N x D), found {_session.InputMetadata.Count} and {_session.OutputMetadata.Count}");
            var (inputName, input) = _session.InputMetadata.Single();
            var output = _session.OutputMetadata.Single().Value;
            var dims = input.Dimensions;
            if (dims.Length != 4 || dims[1] != 3 || dims[2] <= 0 || dims[2] != dims[3] || output.Dimensions.Length != 2 || output.Dimensions[1] <= 0)
                throw new InvalidDataException($"{path}: input {inputName} is [{string.Join(", ", dims)}], output [{string.Join(", ", output.Dimensions)}]; expected N x 3 x S x S in and N x D out");
            _input = inputName;
            InputSize = dims[2];
            Dimension = output.Dimensions[1];
            Metadata = _session.ModelMetadata.CustomMetadataMap;
        }
        catch { _session.Dispose(); throw; }
    }

    public int InputSize { get; }
    public int Dimension { get; }
    public int BatchSize { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public float[] Embed(ImageSet set, IReadOnlyList<int>? indices = null, Action<int, int>? progress = null, CancellationToken ct = default)
    {
        var all = (indices ?? Enumerable.Range(0, set.Count).ToArray()).ToArray();
        var result = new float[(long)all.Length * Dimension];
        for (int start = 0; start < all.Length; start += BatchSize)
        {
            ct.ThrowIfCancellationRequested();
            int n = Math.Min(BatchSize, all.Length - start);
            var raw = Backbone(Inputs(set, all.AsSpan(start, n)), 2 * n);
            var rows = result.AsSpan(start * Dimension, n * Dimension);
            for (int i = 0; i < n; i++)
            {
                var row = rows.Slice(i * Dimension, Dimension);
                var image = raw.AsSpan(i * Dimension, Dimension);
                var mirror = raw.AsSpan((n + i) * Dimension, Dimension);
                double norm = 0;
                for (int d = 0; d < Dimension; d++) { row[d] = image[d] + mirror[d]; norm += (double)row[d] * row[d]; }
                float scale = (float)(1 / Math.Max(Math.Sqrt(norm), 1e-12)); // torch's normalize: x / max(||x||, eps)
                for (int d = 0; d < Dimension; d++) row[d] *= scale;
            }
            progress?.Invoke(start + n, all.Length);
        }
        return result;
    }

    /// <summary>The backbone's raw outputs (before normalisation) for a batch of normalised NCHW inputs, row-major.</summary>
    public float[] Backbone(float[] input, int count)
    {
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [count, 3, InputSize, InputSize]);
        using var run = new RunOptions();
        using var outputs = _session.Run(run, [_input], [tensor], _session.OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>The images, then their mirrors, normalised as training and the TorchSharp embedder take them.</summary>
    private float[] Inputs(ImageSet set, ReadOnlySpan<int> indices)
    {
        using var scope = NewDisposeScope();
        var x = BatchTensors.Images(set, indices, InputSize, default, CPU);
        var both = cat([x, x.flip(3)]).contiguous();
        return both.data<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
