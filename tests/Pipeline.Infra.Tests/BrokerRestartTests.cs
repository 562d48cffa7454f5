using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra.Configuration;

namespace Pipeline.Infra.Tests;

/// <summary>
/// A broker restart during a run, on a real RabbitMQ node of the test's own (the shared one serves other tests):
/// work queued before the restart and work published while the broker is down are both delivered once it is back.
/// </summary>
public sealed class BrokerRestartTests : IAsyncLifetime
{
    private readonly string _state = Directory.CreateTempSubdirectory("pipeline-broker-").FullName;
    private readonly int _port = 5690 + Random.Shared.Next(200);
    private readonly Inbox _inbox = new();
    private string Node => $"restart{_port}@localhost";

    public async Task InitializeAsync()
    {
        TestServices.RequireRabbitMq(); // the node is installed
        await Script("start-services.sh");
    }

    public async Task DisposeAsync()
    {
        await Script("stop-services.sh");
        try { Directory.Delete(_state, true); } catch (IOException) { }
    }

    [Fact]
    public async Task Work_queued_before_a_broker_restart_and_published_during_it_is_delivered_after_it()
    {
        var options = new PipelineOptions
        {
            Transport = Transports.RabbitMq,
            RabbitMq = new RabbitMqOptions { Host = "127.0.0.1", Port = (ushort)_port },
            Bus = new BusOptions { RetryIntervalsMs = [20] },
        };
        // A consumer that takes its time: messages wait in the durable queue when the broker stops.
        await using var host = await BusHost.StartAsync(options, x => x.AddConsumer<SlowConsumer>().Endpoint(e => e.Name = "restart-test"),
            s => s.AddSingleton(_inbox));
        for (int i = 0; i < 6; i++) await host.Bus.Publish(BusHost.Drop($"run-before-{i}"));
        await Inbox.WaitUntilAsync(() => _inbox.Count("run-before-") >= 1, TimeSpan.FromSeconds(20), () => "nothing consumed before the restart");

        await Ctl("stop_app");
        var during = Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await host.Bus.Publish(BusHost.Drop("run-during"), timeout.Token);
        });
        await Task.Delay(3000);
        await Ctl("start_app");
        await during;

        int Before() => _inbox.Received.Select(r => r.RunId).Where(r => r.StartsWith("run-before-")).Distinct().Count();
        await Inbox.WaitUntilAsync(() => Before() == 6, TimeSpan.FromSeconds(90), () => $"{Before()} of 6 queued before the restart delivered");
        await Inbox.WaitUntilAsync(() => _inbox.Count("run-during") >= 1, TimeSpan.FromSeconds(90), () => "the message published while the broker was down never arrived");
    }

    public sealed class SlowConsumer(Inbox inbox) : IConsumer<Contracts.DatasetDropped>
    {
        public async Task Consume(ConsumeContext<Contracts.DatasetDropped> context)
        {
            await Task.Delay(500);
            inbox.Received.Enqueue(("slow", context.Message.RunId));
        }
    }

    private Dictionary<string, string> Env => new()
    {
        ["STATE_DIR"] = _state, ["RABBITMQ_PORT"] = _port.ToString(), ["RABBITMQ_NODENAME"] = Node,
        ["RABBITMQ_DIST_PORT"] = (_port + 20000).ToString(),
    };

    private async Task Script(string name)
    {
        var (code, _, err) = await Run("bash", [Path.Combine(RepoPaths.Root, "infra", "scripts", name)]);
        if (code != 0) throw new InvalidOperationException($"{name} exited {code}: {err}");
    }

    private async Task Ctl(string command)
    {
        var (code, _, err) = await Run("/usr/lib/rabbitmq/bin/rabbitmqctl", ["-n", Node, command]);
        if (code != 0) throw new InvalidOperationException($"rabbitmqctl {command} exited {code}: {err}");
    }

    private async Task<(int Code, string Out, string Err)> Run(string program, string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await output, await error);
    }
}
