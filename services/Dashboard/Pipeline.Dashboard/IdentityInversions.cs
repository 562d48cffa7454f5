using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Face.Inversion;
using Pipeline.Infra.Blobs;

namespace Pipeline.Dashboard;

/// <summary>Where an identity's inversion stands: none yet, running (step of steps, cosine so far), done (its PNG stored), failed (why), or busy with another.</summary>
public sealed record InversionState(string State, string Run, string Identity, int Step = 0, int Steps = 0, double? Cosine = null, string? Image = null, string? Error = null)
{
    public const string None = "none", Running = "running", Done = "done", Failed = "failed", Busy = "busy";
}

/// <summary>
/// An identity's face synthesised from the run's final model alone (<see cref="FaceInverter"/>, the
/// <see cref="InversionOptions.Smooth"/> recipe), on request: one at a time per process, since each holds
/// the CPU for tens of seconds; the PNG is stored beside the model, so it is computed once per identity.
/// </summary>
public sealed class IdentityInversions(ArtifactStore store, IConfiguration configuration, ILogger<IdentityInversions> log)
{
    /// <summary>Faces rendered per identity: two, side by side, show what is the identity and what is the seed.</summary>
    public const int Faces = 2;

    private readonly object _gate = new();
    private readonly Dictionary<(string Run, string Identity), string> _failures = new();
    private Job? _running;

    /// <summary>Steps of each inversion (Pipeline:InversionSteps; the recipe's by default).</summary>
    public int Steps { get; } = configuration.GetValue("Pipeline:InversionSteps", InversionOptions.Smooth.Steps);

    public static string BlobPath(string runId, string identity) =>
        BlobPaths.ModelFolder(runId, Stages.Final) + $"inversions/{Uri.EscapeDataString(identity)}.png";

    /// <summary>The inversion's state (GET) and render request (POST); its image is this + ".png".</summary>
    public static string Url(string runId, string identity) =>
        $"/api/runs/{Uri.EscapeDataString(runId)}/identities/{Uri.EscapeDataString(identity)}/inversion";

    public static string ImageUrl(string runId, string identity) => Url(runId, identity) + ".png";

    public async Task<InversionState> GetAsync(string run, string identity, CancellationToken ct)
    {
        if (await store.Blobs.ExistsAsync(BlobContainers.Models, BlobPath(run, identity), ct))
            return new InversionState(InversionState.Done, run, identity, Image: ImageUrl(run, identity));
        lock (_gate)
        {
            if (_running is { } job && job.Run == run && job.Identity == identity)
                return new InversionState(InversionState.Running, run, identity, job.Step, job.Steps, job.Cosine);
            return _failures.TryGetValue((run, identity), out var error)
                ? new InversionState(InversionState.Failed, run, identity, Error: error)
                : new InversionState(InversionState.None, run, identity);
        }
    }

    /// <summary>Starts the inversion unless it is stored or running; another identity's running inversion makes this one wait (Busy).</summary>
    public async Task<InversionState> StartAsync(string run, string identity, CancellationToken ct)
    {
        var state = await GetAsync(run, identity, ct);
        if (state.State is InversionState.Done or InversionState.Running) return state;
        lock (_gate)
        {
            if (_running is { } other)
                return new InversionState(InversionState.Busy, run, identity, Error: $"one inversion at a time: {other.Identity} of run {other.Run} is being rendered (step {other.Step} of {other.Steps})");
            _failures.Remove((run, identity));
            var job = new Job(run, identity, Steps);
            _running = job;
            _ = Task.Run(() => RunAsync(job));
            return new InversionState(InversionState.Running, run, identity, 0, job.Steps);
        }
    }

    public Task<Stream?> OpenImageAsync(string run, string identity, CancellationToken ct) =>
        store.Blobs.GetAsync(BlobContainers.Models, BlobPath(run, identity), ct);

    private async Task RunAsync(Job job)
    {
        try
        {
            var modelRef = new ModelRef(job.Run, Stages.Final, BlobPaths.TrainedModel(job.Run, Stages.Final));
            if (!await store.Blobs.ExistsAsync(BlobContainers.Models, modelRef.Path + "model.json"))
                throw new InvalidOperationException($"run {job.Run} has no final model yet");
            using var model = await store.LoadModelAsync(modelRef, CancellationToken.None);
            var options = InversionOptions.Smooth with { Steps = job.Steps, Batch = Faces };
            var result = FaceInverter.ToIdentity(model, job.Identity, options, (step, cosine) => { job.Step = step; job.Cosine = cosine; });
            using var png = new MemoryStream(InversionImage.Strip(result));
            await store.Blobs.PutAsync(BlobContainers.Models, BlobPath(job.Run, job.Identity), png);
            log.LogInformation("inversion of {Identity} in run {Run}: cosine {Cosine}", job.Identity, job.Run, string.Join(", ", result.Cosine.Select(c => c.ToString("F3"))));
        }
        catch (Exception e)
        {
            log.LogWarning(e, "inversion of {Identity} in run {Run} failed", job.Identity, job.Run);
            lock (_gate) _failures[(job.Run, job.Identity)] = e.Message;
        }
        finally
        {
            lock (_gate) _running = null;
        }
    }

    private sealed class Job(string run, string identity, int steps)
    {
        public string Run { get; } = run;
        public string Identity { get; } = identity;
        public int Steps { get; } = steps;
        public volatile int Step;
        public double Cosine;
    }
}
