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
        var requestId = new Option<string?>("--request-id") { Description = "Idempotency key: the same key never starts a second run (default: a new one)" };
        var json = CommonOptions.Json();
        var cmd = new Command("retrain", "Publish RetrainRequested: a new run (K=3, purify, K=1, index) on an ingested dataset. " +
            "With the in-memory transport (embedded default) the pipeline runs here until the run ends; with RabbitMQ the services do the work");
        foreach (var o in new Option[] { dataset, requestId, json }) cmd.Options.Add(o);
        var planOptions = new RunPlanOptions().AddTo(cmd);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var plan = planOptions.Plan(r, RunPlan.Default) ?? RunPlan.Default;
            var request = new RetrainRequested(r.GetValue(requestId) ?? Guid.NewGuid().ToString("N"), r.GetValue(dataset)!, plan,
                $"cli:{Environment.UserName}@{Environment.MachineName}", DateTimeOffset.UtcNow);
            var options = CliConfiguration.PipelineOptions();
            await planOptions.StageIndexModelAsync(r, plan, CliConfiguration.BlobStore(options), ct);
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
                await using var app = EmbeddedPipeline.Build(root, null, r.GetValue(CommonOptions.Verbose));
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
