using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>
/// Where an unfinished run stands, read from its ledger events: each message that was recorded but whose
/// consequence was not (a drop that was never ingested, a training job never trained, a sub-center model never
/// purified...: the stage it feeds in <see cref="StageGraph"/> never got as far as the graph says), with that stage.
/// Publishing such a message again moves the run on, because every consumer is idempotent (it publishes its stored
/// result again, or redoes deterministic work); the same list says what a stalled run was waiting for.
/// </summary>
public static class RunFrontier
{
    /// <summary>A recorded message whose consequence is missing: what to publish again, and what the run waits for.</summary>
    public sealed record Pending(IRunMessage Message, string Stage, string WaitingFor, DateTimeOffset Since);

    public static IReadOnlyList<Pending> Of(RunDetails run)
    {
        var plan = run.Run.Plan ?? RunPlan.Default;
        var events = run.Events.Where(e => e.Status != StageStatus.Progress).ToList();
        bool Reached(string stage, string status) => events.Any(e => e.Stage == stage && e.Status == status);
        var pending = new List<Pending>();
        foreach (var e in events.GroupBy(e => (e.MessageType, e.Stage)).Select(g => g.Last()))
        {
            // The first stage this message feeds that has not reached what the graph says follows; one pending per message.
            var missing = StageGraph.Of(e.MessageType, e.Stage, plan).FirstOrDefault(f => !Reached(f.FedStage(e.Stage), f.Awaits));
            if (missing is null) continue;
            var stage = missing.FedStage(e.Stage);
            pending.Add(new Pending(Message(e, run.Run.RunId, plan), stage, $"{missing.WaitsFor} ({stage} {missing.Awaits})", e.At));
        }
        return pending;
    }

    /// <summary>The message an event recorded: its detail (the message less run id and plan) with both put back.</summary>
    public static IRunMessage Message(LedgerEvent e, string runId, RunPlan plan)
    {
        var type = RunMessages.Named(e.MessageType) ?? throw new ArgumentException($"{e.MessageType}: not a pipeline message");
        var node = JsonNode.Parse(e.DetailJson ?? "{}")!.AsObject();
        node[PipelineJson.Name(nameof(IRunMessage.RunId))] = runId;
        node[PipelineJson.Name(nameof(IRunMessage.Plan))] = JsonSerializer.SerializeToNode(plan, PipelineJson.Options);
        return node.Deserialize(type, PipelineJson.Options) as IRunMessage ?? throw new InvalidDataException($"run {runId}: event {e.Id} ({e.MessageType}) has no detail");
    }
}
