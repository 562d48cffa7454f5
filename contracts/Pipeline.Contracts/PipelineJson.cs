using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Contracts;

/// <summary>
/// The one JSON convention of everything the pipeline writes: blobs (plans, jobs, reports, keep-lists), the run
/// ledger, model files and the command line's output. camelCase, as the bus, the HTTP APIs and plan files already
/// spoke; names are matched case-insensitively on read, so the ledger's earlier PascalCase rows still read.
/// </summary>
public static class PipelineJson
{
    public static JsonSerializerOptions Options { get; } = Freeze(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A diverging training's loss is NaN: its metrics and progress must still be written (JSON has no NaN).
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    });

    /// <summary>
    /// For what a person writes (a plan file, a request body): comments and trailing commas allowed, and a field
    /// the type does not have refused, so a typo ("epoch") fails loudly instead of being ignored.
    /// </summary>
    public static JsonSerializerOptions Strict { get; } = Freeze(new JsonSerializerOptions(Options)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    });

    /// <summary>A member's name as it is written: <c>nameof(RunPlan.InputSize)</c> is "inputSize".</summary>
    public static string Name(string member) => Options.PropertyNamingPolicy!.ConvertName(member);

    private static JsonSerializerOptions Freeze(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
