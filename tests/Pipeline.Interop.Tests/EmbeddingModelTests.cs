using Pipeline.Contracts;
using Pipeline.Face.Purification;
using Pipeline.Face.Training;
using Pipeline.Interop.Onnx;
using TorchSharp;

namespace Pipeline.Interop.Tests;

/// <summary>The round trip a user makes: train, export, then embed and purify with the ONNX file as with the model.</summary>
public class EmbeddingModelTests
{
    [Fact]
    public void A_trained_model_and_its_onnx_export_embed_and_purify_alike()
    {
        var set = SyntheticFaces.Four;
        var options = new TrainingOptions { Backbone = "tiny", InputSize = 64, Epochs = 2, BatchSize = 4, LearningRate = 0.05, SubCenters = 1, Seed = 3, Device = "cpu", WarmupEpochs = 0 };
        var dir = Path.Combine(Path.GetTempPath(), "roundtrip-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var trained = FaceTrainer.Train(set, options).Model) trained.Save(dir);
            var onnxPath = Path.Combine(dir, "model.onnx");
            using (var saved = Face.Models.FaceModel.Load(dir)) OnnxExport.Save(saved, onnxPath);

            using var torchModel = EmbeddingModel.Open(dir, torch.CPU);
            using var onnxModel = EmbeddingModel.Open(onnxPath, torch.CPU);
            Assert.NotNull(torchModel.Face);
            Assert.Null(onnxModel.Face);
            var expected = torchModel.Embed(set);
            var actual = onnxModel.Embed(set);
            double diff = Backbones.MaxAbsDiff(expected, actual);
            Assert.True(diff <= 1e-4, $"ONNX Runtime's embeddings of the trained model differ from TorchSharp's by {diff:E2}");

            // Without the classifier the ONNX file purifies by class means, as the model's own embeddings would.
            var rule = DropRule.Fixed(30) with { Score = DropScore.Parse(DropScores.ClassMean), Whitened = false };
            var byOnnx = onnxModel.Purify(set, rule);
            var byTorch = ModelPurification.ByClassMeans(expected, torchModel.Dimension, set, rule);
            Assert.Equal(byTorch.Samples.Select(s => s.Decision), byOnnx.Samples.Select(s => s.Decision));
            Assert.Equal(byTorch.Samples.Select(s => s.Score), byOnnx.Samples.Select(s => s.Score), (a, b) => Math.Abs(a - b) <= 0.01);
            Assert.Contains(byTorch.Samples, s => s.Score > 0); // angles measured, not all zero

            var e = Assert.Throws<ArgumentException>(() => onnxModel.Purify(set, rule with { Score = DropScore.Parse(DropScores.SubCenter) }));
            Assert.Contains("needs the model's sub-centers", e.Message);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
