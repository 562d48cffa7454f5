using System.CommandLine;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Cli.Demo;
using Pipeline.Contracts;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;
using Pipeline.Infra.Messaging;

namespace Pipeline.Cli.Commands;

public static class RetrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Id of an ingested dataset (datasets/<id>/)", Required = true };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs of the sub-center stage" };
        var finalEpochs = new Option<int?>("--final-epochs") { Description = "Epochs of the final K=1 stage" };
        var k = new Option<int?>("--subcenters") { Description = "Sub-centers K of the first stage" };
        var angle = new Option<double?>("--angle") { Description = "Drop at this angle to the dominant sub-center (or at this --drop-score) instead of the automatic threshold" };
        var dropScore = new Option<string?>("--drop-score")
        {
            Description = $"What the purifier scores: {string.Join(", ", DropScores.All)} (default: class-margin with the automatic threshold, the paper's subcenter with --angle)",
        };
        dropScore.AcceptOnlyFromAmong([.. DropScores.All]);
        var seed = new Option<int?>("--seed") { Description = "Training seed" };
        var lr = new Option<double?>("--lr") { Description = "Learning rate of every stage (default 0.1 x batch / 512)" };
        var baseline = new Option<bool>("--baseline") { Description = "Also train K=1 on the raw data for comparison" };
        var baselineLr = new Option<double?>("--baseline-lr") { Description = "Learning rate of the baseline (default: --lr); plain ArcFace on noisy data may need a lower one" };
        var selfPurify = new Option<int?>("--self-purify-from") { Description = "Epoch from which the sub-center stage trains only on the samples it would keep (default: half the epochs; 0 = the paper's loop as published)" };
        var noWhitening = CommonOptions.NoWhitening("the purifier's and self-purification's angles to the class means");
        var posterior = CommonOptions.NoisePosterior();
        var requestId = new Option<string?>("--request-id") { Description = "Idempotency key: the same key never starts a second run (default: a new one)" };
        var json = CommonOptions.Json();
        var cmd = new Command("retrain", "Publish RetrainRequested: a new run (K=3, purify, K=1, index) on an ingested dataset. " +
            "With the in-memory transport (embedded default) the pipeline runs here until the run ends; with RabbitMQ the services do the work");
        foreach (var o in new Option[] { dataset, epochs, finalEpochs, k, angle, dropScore, posterior, seed, lr, baseline, baselineLr, selfPurify, noWhitening, requestId, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var plan = RunPlan.Default;
            if (r.GetValue(epochs) is int e) plan = plan with { Epochs = e };
            if (r.GetValue(finalEpochs) is int fe) plan = plan with { FinalEpochs = fe };
            if (r.GetValue(k) is int kk) plan = plan with { SubCenters = kk };
            if (r.GetValue(angle) is double a) plan = plan with { DropRule = DropRules.Angle, DropAngleDegrees = a };
            if (r.GetValue(dropScore) is { } score) plan = plan with { DropScore = score };
            if (CommonOptions.NoisePosteriorValue(r, posterior, r.GetValue(angle) is not null) is double q) plan = plan with { DropNoisePosterior = q };
            if (r.GetValue(seed) is int s) plan = plan with { Seed = s };
            if (r.GetValue(lr) is double l) plan = plan with { LearningRate = l };
            if (r.GetValue(selfPurify) is int sp) plan = plan with { SubCenterSelfPurifyFrom = sp };
            if (r.GetValue(noWhitening)) plan = plan with { WithinClassWhitening = false };
            if (r.GetValue(baseline)) plan = plan with { Baseline = true };
            if (r.GetValue(baselineLr) is double bl) plan = plan with { Baseline = true, BaselineLearningRate = bl };
            var request = new RetrainRequested(r.GetValue(requestId) ?? Guid.NewGuid().ToString("N"), r.GetValue(dataset)!, plan,
                $"cli:{Environment.UserName}@{Environment.MachineName}", DateTimeOffset.UtcNow);
            var options = CliConfiguration.PipelineOptions();
            string status;
            if (options.IsRabbitMq())
            {
                var services = new ServiceCollection().AddLogging().AddPipelineBus(CliConfiguration.Load());
                await using var provider = services.BuildServiceProvider();
                var bus = provider.GetRequiredService<IBusControl>();
                await bus.StartAsync(ct);
                await bus.Publish(request, ct);
                await bus.StopAsync(ct);
                status = "published";
            }
            else
            {
                var root = Path.GetDirectoryName(Path.GetFullPath(options.LedgerPath))!;
                await using var app = EmbeddedPipeline.Build(root, null);
                await app.StartAsync(ct);
                await app.Services.GetRequiredService<IBus>().Publish(request, ct);
                ConsoleOutput.Info($"retrain {request.RequestId}: run {request.RunId} on {request.DatasetId}, running here (in-memory transport)");
                var run = await DemoRun.WatchAsync(app.Services.GetRequiredService<RunLedger>(), request.RunId, ct);
                status = run.Run.Status;
                await app.StopAsync(ct);
            }
            ConsoleOutput.Summary(r.GetValue(json), new { request.RequestId, request.RunId, request.DatasetId, Status = status, Plan = plan },
                $"retrain {request.RequestId} -> run {request.RunId} on dataset {request.DatasetId}: {status}");
            return status is "published" or RunStatus.Completed ? 0 : 1;
        }));
        return cmd;
    }
}
