using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>The ledger line a contract message means: what it reports about its stage, and its detail.</summary>
public static class LedgerEntries
{
    public static LedgerEntry From(IStageReport message, string? dedupeKey = null) =>
        new(message.RunId, message.Stage, message.Status, message.At, message.GetType().Name, Detail(message), message.Plan, message.DatasetId, dedupeKey);

    // The message (as its own type, not the interface) minus what the run row already holds (run id, plan); a NaN loss is kept as "NaN".
    private static string Detail(IStageReport message)
    {
        var node = JsonSerializer.SerializeToNode(message, message.GetType(), PipelineJson.Options)!.AsObject();
        node.Remove(PipelineJson.Name(nameof(IRunMessage.RunId)));
        node.Remove(PipelineJson.Name(nameof(IRunMessage.Plan)));
        return node.ToJsonString();
    }

    /// <summary>A value as the ledger stores it: <see cref="PipelineJson"/>, on one line.</summary>
    public static string Json<T>(T value) => JsonSerializer.SerializeToNode(value, PipelineJson.Options)!.ToJsonString();

    /// <summary>
    /// A stored detail as JSON whose field names match in any case (rows written before the ledger spoke camelCase
    /// are PascalCase), or null when there is none.
    /// </summary>
    public static JsonNode? ParseDetail(string? json) =>
        json is null ? null : JsonNode.Parse(json, new JsonNodeOptions { PropertyNameCaseInsensitive = true });
}
