using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Face.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Training;

/// <summary>Where a run stands: enough, with the weights and momentum, to continue bit-exactly.</summary>
public sealed record CheckpointState(int Epoch, int StepInEpoch, long GlobalStep, List<EpochMetrics> History, TrainingOptions Options,
    double EpochLossSum, double EpochCorrect, double EpochAngleSum, long EpochSamples, int[]? Excluded = null);

/// <summary>
/// Durable, resumable checkpoints: each one is written whole into its own folder
/// (step-&lt;n&gt;/), then a LATEST file is atomically replaced to point at it, then older
/// folders are removed. A crash at any moment leaves the previous complete checkpoint, and so does a
/// power loss: the folder's files and entries are fsynced before LATEST moves, and LATEST after.
/// </summary>
public sealed class CheckpointStore(string dir)
{
    private const string Latest = "LATEST";
    // A diverging run's sums go NaN mid-epoch; its checkpoint must still be written, for the collapse detector to see the epoch end.

    public string Directory => dir;

    public void Save(FaceModel model, SgdMomentum optimizer, CheckpointState state)
    {
        var name = $"step-{state.GlobalStep:D9}";
        var target = Path.Combine(dir, name);
        System.IO.Directory.CreateDirectory(target);
        TensorFile.Save(Path.Combine(target, "backbone.ftns"), model.Backbone.state_dict());
        TensorFile.Save(Path.Combine(target, "head.ftns"), model.Head.state_dict());
        TensorFile.Save(Path.Combine(target, "optimizer.ftns"),
            optimizer.State().Select(s => new KeyValuePair<string, Tensor>(s.Index.ToString(), s.Buffer)));
        File.WriteAllText(Path.Combine(target, "state.json"), JsonSerializer.Serialize(state, PipelineJson.Options));
        // On disk before LATEST names them: after a power loss LATEST never points at files the disk never got.
        foreach (var file in System.IO.Directory.GetFiles(target)) DurableFiles.FlushFile(file);
        DurableFiles.FlushFolder(target);
        DurableFiles.FlushFolder(dir); // the step folder's own entry
        var tmp = Path.Combine(dir, Latest + ".tmp");
        using (var pointer = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            pointer.Write(System.Text.Encoding.UTF8.GetBytes(name));
            pointer.Flush(flushToDisk: true);
        }
        File.Move(tmp, Path.Combine(dir, Latest), overwrite: true);
        DurableFiles.FlushFolder(dir);
        foreach (var old in System.IO.Directory.GetDirectories(dir, "step-*"))
            if (Path.GetFileName(old) != name) System.IO.Directory.Delete(old, recursive: true);
    }

    public bool Exists => File.Exists(Path.Combine(dir, Latest));

    /// <summary>Loads the latest checkpoint into the model and optimizer and returns where to continue.</summary>
    public CheckpointState Load(FaceModel model, SgdMomentum optimizer)
    {
        var name = File.ReadAllText(Path.Combine(dir, Latest)).Trim();
        var source = Path.Combine(dir, name);
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(source, "state.json")), PipelineJson.Options)
            ?? throw new InvalidDataException($"{source}/state.json: empty checkpoint state");
        FaceModel.LoadInto(model.Backbone, Path.Combine(source, "backbone.ftns"));
        FaceModel.LoadInto(model.Head, Path.Combine(source, "head.ftns"));
        var buffers = TensorFile.Load(Path.Combine(source, "optimizer.ftns"));
        optimizer.LoadState(buffers.Select(kv => (int.Parse(kv.Key), kv.Value)));
        foreach (var t in buffers.Values) t.Dispose();
        return state;
    }

    public void Clear()
    {
        if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, recursive: true);
    }
}
