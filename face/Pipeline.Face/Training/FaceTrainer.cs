using System.Diagnostics;
using Pipeline.Datasets;
using Pipeline.Face.Backbones;
using Pipeline.Face.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Training;

/// <summary>The outcome of a run: the model (on CPU) and its per-epoch history.</summary>
public sealed record TrainingResult(FaceModel Model, IReadOnlyList<EpochMetrics> History, TimeSpan Elapsed);

/// <summary>
/// The training loop: shuffled batches (the last partial batch dropped, as insightface does),
/// random flips, SGD with warm-up + polynomial decay, backbone gradient clipping, collapse
/// detection after each epoch, and checkpoints from which a run continues bit-exactly:
/// shuffles, flips and every random draw of a step are derived from (seed, epoch, step), never
/// from a stream that a restart would lose.
/// </summary>
public static class FaceTrainer
{
    /// <param name="epochEnded">Called after each epoch with its number and the model (on the training device, any mode);
    /// training resumes in train mode on that device afterwards.</param>
    /// <param name="checkpointWanted">Asked after each step: true writes a checkpoint there, before the next periodic one
    /// (a job that yields to another stops at the next step, not at the next periodic checkpoint).</param>
    public static TrainingResult Train(ImageSet data, TrainingOptions options, string? checkpointDir = null,
        bool resume = false, Action<TrainingProgress>? progress = null, string? trainedOn = null, CancellationToken ct = default,
        Action? checkpointSaved = null, Action<int, FaceModel>? epochEnded = null, Func<bool>? checkpointWanted = null) =>
        TorchRuntime.OnOwnThread(() => TrainHere(data, options, checkpointDir, resume, progress, trainedOn, ct, checkpointSaved, epochEnded, checkpointWanted));

    private static TrainingResult TrainHere(ImageSet data, TrainingOptions options, string? checkpointDir, bool resume,
        Action<TrainingProgress>? progress, string? trainedOn, CancellationToken ct, Action? checkpointSaved, Action<int, FaceModel>? epochEnded,
        Func<bool>? checkpointWanted)
    {
        options.Validate();
        if (data.Count < 2) throw new ArgumentException($"{trainedOn ?? "dataset"}: {data.Count} samples; training needs at least 2");
        var device = TorchRuntime.ResolveDevice(options.Device);
        var clock = Stopwatch.StartNew();
        data = ImageSetResize.ToIfItFits(data, options.InputSize);

        var spec = BackboneSpec.Create(options.Backbone, options.InputSize, options.Width) with { EmbeddingSize = options.EmbeddingSize, Dropout = options.Dropout };
        var info = new ModelInfo(spec, options.SubCenters, options.Margin, data.Identities, trainedOn, DateTimeOffset.UtcNow);
        var model = new FaceModel(info, options.PartialFcRate, options.Seed).To(device);
        try
        {
            var backboneParams = model.Backbone.parameters().Where(p => p.requires_grad).ToList();
            var allParams = backboneParams.Concat(model.Head.parameters()).ToList<Tensor>();
            using var optimizer = new SgdMomentum(allParams, options.Momentum, options.WeightDecay);

            int batch = Math.Min(options.BatchSize, data.Count);
            int stepsPerEpoch = data.Count / batch;
            var schedule = new LearningRateSchedule(options.EffectiveLearningRate,
                (long)Math.Round(options.WarmupEpochs * stepsPerEpoch), (long)Math.Round((options.DecayEpochs ?? options.Epochs) * stepsPerEpoch), options.PolyPower);
            var store = checkpointDir is null ? null : new CheckpointStore(checkpointDir);

            var state = new CheckpointState(1, 0, 0, [], options, 0, 0, 0, 0);
            if (resume && store is { Exists: true })
            {
                state = store.Load(model, optimizer);
                if (state.Options with { Epochs = options.Epochs, Device = options.Device } != options with { Device = options.Device })
                    throw new InvalidOperationException($"{checkpointDir}: checkpoint was written by a run with different options; start a new run instead of --resume");
            }

            var history = state.History;
            var excluded = state.Excluded;
            using var generator = new Generator((ulong)options.Seed, device);
            model.Head.Sampler = options.PartialFcRate < 1 ? generator : null;
            // After anything that embeds with the model between epochs (eval mode, maybe another device).
            void BackToTraining()
            {
                model.To(device);
                model.Backbone.train();
                model.Head.train();
            }
            BackToTraining();

            for (int epoch = state.Epoch; epoch <= options.Epochs; epoch++)
            {
                var (order, flips) = EpochOrder(data.Count, options, epoch, excluded);
                int epochSteps = Math.Max(1, order.Length / batch);
                var epochClock = Stopwatch.StartNew();
                bool resumedMidEpoch = epoch == state.Epoch && state.StepInEpoch > 0;
                double lossSum = resumedMidEpoch ? state.EpochLossSum : 0, correct = resumedMidEpoch ? state.EpochCorrect : 0;
                double angleSum = resumedMidEpoch ? state.EpochAngleSum : 0;
                long seen = resumedMidEpoch ? state.EpochSamples : 0, seenThisSession = 0;
                int firstStep = resumedMidEpoch ? state.StepInEpoch : 0;
                long globalStep = (long)(epoch - 1) * stepsPerEpoch + firstStep;
                double lr = 0;

                for (int step = firstStep; step < epochSteps; step++, globalStep++)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    long stepSeed = StepSeed(options.Seed, globalStep);
                    generator.manual_seed(stepSeed);
                    optimizer.ZeroGrad();
                    int first = step * batch;
                    // Dropout draws from libtorch's process-wide generator: seeded and drawn under the models' construction
                    // lock, so the step is reproducible and a seeded model built meanwhile on another thread keeps its weights.
                    var stats = options.Dropout > 0
                        ? FaceModel.WithProcessGenerator(() =>
                        {
                            manual_seed(stepSeed);
                            return ForwardBackward(model, data, order, flips, first, batch, options.InputSize, device);
                        })
                        : ForwardBackward(model, data, order, flips, first, batch, options.InputSize, device);
                    nn.utils.clip_grad_norm_(backboneParams, options.GradientClip);
                    lr = schedule.At((epoch - 1L) * stepsPerEpoch + step * (long)stepsPerEpoch / epochSteps);
                    optimizer.Step(lr);
                    lossSum += stats.Loss;
                    correct += stats.Correct;
                    angleSum += stats.AngleDegrees;
                    seen += batch;
                    seenThisSession += batch;
                    var ips = seenThisSession / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds);
                    progress?.Invoke(new TrainingProgress(epoch, options.Epochs, step + 1, epochSteps, lossSum / seen, correct / seen, ips, lr));

                    bool epochEnd = step + 1 == epochSteps;
                    bool periodic = options.CheckpointEverySteps > 0 && (globalStep + 1) % options.CheckpointEverySteps == 0;
                    if (store is not null && !epochEnd && (periodic || checkpointWanted?.Invoke() == true))
                    {
                        store.Save(model, optimizer, new CheckpointState(epoch, step + 1, globalStep + 1, history, options, lossSum, correct, angleSum, seen, excluded));
                        checkpointSaved?.Invoke();
                    }
                }

                history.Add(new EpochMetrics(epoch, lossSum / seen, correct / seen, angleSum / seen, lr,
                    seenThisSession / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds), epochClock.Elapsed.TotalSeconds, order.Length));
                CollapseDetector.Check(history, options.WarmupEpochs);
                if (epochEnded is not null)
                {
                    epochEnded(epoch, model);
                    BackToTraining();
                }
                if (options.SelfPurifiesAfter(epoch))
                {
                    ct.ThrowIfCancellationRequested();
                    var keep = Purification.SelfPurification.Keep(model, data, options.SelfPurifyPosterior, device, whitened: options.SelfPurifyWhitened);
                    BackToTraining();
                    excluded = keep is null ? null : Enumerable.Range(0, data.Count).Where(i => !keep[i]).ToArray();
                    if (data.Count - (excluded?.Length ?? 0) < batch) excluded = null; // never starve the next epoch of a batch
                }
                if (store is not null)
                {
                    store.Save(model, optimizer, new CheckpointState(epoch + 1, 0, globalStep, history, options, 0, 0, 0, 0, excluded));
                    checkpointSaved?.Invoke();
                }
            }

            model.Backbone.eval();
            model.Head.eval();
            model.Head.Sampler = null;
            model.To(CPU);
            return new TrainingResult(model, history, clock.Elapsed);
        }
        catch
        {
            model.Dispose(); // a job stopped (cancelled, collapsed, yielded) frees its weights now, not at the next GC
            throw;
        }
    }

    /// <summary>Sums of a step's statistics over its samples: loss, top-1 hits, angle to the own class (degrees).</summary>
    private readonly record struct StepStats(double Loss, double Correct, double AngleDegrees);

    /// <summary>Forward and backward of one batch, <paramref name="count"/> samples of the epoch order from <paramref name="start"/>.</summary>
    private static StepStats ForwardBackward(FaceModel model, ImageSet data, int[] order, bool[] flips, int start, int count, int inputSize, Device device)
    {
        using var scope = NewDisposeScope();
        var idx = order.AsSpan(start, count);
        var x = BatchTensors.Images(data, idx, inputSize, flips.AsSpan(start, count), device);
        var y = BatchTensors.Labels(data, idx, device);
        var embeddings = model.Backbone.call(x);
        var (logits, labels, cos) = model.Head.Logits(embeddings, y);
        var loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        using (no_grad())
        {
            var plain = cos.detach();
            return new StepStats(loss.item<float>() * count, plain.argmax(1).eq(labels).sum().item<long>(),
                plain.gather(1, labels.unsqueeze(1)).clamp(-1, 1).acos().sum().item<float>() * 180.0 / Math.PI);
        }
    }

    /// <summary>The permutation and flips of one epoch, a pure function of (seed, epoch), less the excluded samples.</summary>
    public static (int[] Order, bool[] Flips) EpochOrder(int count, TrainingOptions options, int epoch, IReadOnlyCollection<int>? excluded = null)
    {
        var rng = new Random(unchecked(options.Seed * 7919 + epoch * 104_729 + 0x5eed)); // seeded System.Random is stable across processes
        var order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(order);
        var flips = new bool[count];
        if (options.RandomFlip)
            for (int i = 0; i < count; i++) flips[i] = rng.Next(2) == 1;
        if (excluded is not { Count: > 0 }) return (order, flips);
        var skip = new HashSet<int>(excluded);
        var kept = Enumerable.Range(0, count).Where(k => !skip.Contains(order[k])).ToArray();
        return (kept.Select(k => order[k]).ToArray(), kept.Select(k => flips[k]).ToArray());
    }

    private static long StepSeed(int seed, long step) => seed * 1_000_003L + step;
}
