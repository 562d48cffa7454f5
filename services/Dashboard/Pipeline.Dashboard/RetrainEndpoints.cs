using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;
using Pipeline.ServiceDefaults;

namespace Pipeline.Dashboard;

/// <summary>
/// The retrain command: publishes <see cref="RetrainRequested"/> for a run's dataset (with that run's plan)
/// or for any dataset (with the default plan), with the given overrides. Needs X-Api-Key = Pipeline:ApiKey;
/// refused when no key is configured. A client-chosen requestId makes a repeated click start no second run.
/// </summary>
public static class RetrainEndpoints
{
    public const string RequestedBy = "dashboard";
    public const string ApiKeyHeader = ApiKeys.Header;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/runs/{id}/retrain", async (string id, HttpRequest request, RunLedger ledger, IPublishEndpoint publish,
            ServiceSettings settings, TimeProvider clock, CancellationToken ct) =>
        {
            if (!ApiKeys.Authorized(request, settings)) return Forbidden(settings);
            var (body, error) = await ReadBodyAsync(request, ct);
            if (error is not null) return error;
            var run = (await ledger.GetRunAsync(id, ct))?.Run;
            if (run is null) return Results.NotFound(new { error = $"run '{id}' is not in the ledger" });
            if (run.DatasetId is null)
                return Results.Conflict(new { error = $"run '{id}' has no ingested dataset yet: nothing to retrain" });
            return await PublishAsync(run.DatasetId, run.Plan ?? RunPlan.Default, body, publish, clock, ct);
        }).DisableAntiforgery();

        app.MapPost("/api/retrain", async (HttpRequest request, IPublishEndpoint publish, ServiceSettings settings, TimeProvider clock,
            CancellationToken ct) =>
        {
            if (!ApiKeys.Authorized(request, settings)) return Forbidden(settings);
            var (body, error) = await ReadBodyAsync(request, ct);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(body.DatasetId)) return Results.BadRequest(new { error = "JSON body needs a 'datasetId'" });
            return await PublishAsync(body.DatasetId, RunPlan.Default, body, publish, clock, ct);
        }).DisableAntiforgery();
    }

    /// <summary>
    /// The plan a retrain runs with: <paramref name="basePlan"/> with the body's overrides. A drop angle without a
    /// drop rule means "drop by this angle" (the auto rule would ignore it).
    /// </summary>
    public static RunPlan Apply(RunPlan basePlan, RetrainBody body) => basePlan with
    {
        Epochs = body.Epochs ?? basePlan.Epochs,
        FinalEpochs = body.FinalEpochs ?? basePlan.FinalEpochs,
        SubCenters = body.SubCenters ?? basePlan.SubCenters,
        DropRule = body.DropRule ?? (body.DropAngleDegrees is null ? basePlan.DropRule : DropRules.Angle),
        DropAngleDegrees = body.DropAngleDegrees ?? basePlan.DropAngleDegrees,
        DropScore = body.DropScore ?? basePlan.DropScore,
        DropNoisePosterior = body.DropNoisePosterior ?? basePlan.DropNoisePosterior,
        Seed = body.Seed ?? basePlan.Seed,
    };

    /// <summary>What is wrong with the body's values, or null when nothing is.</summary>
    public static string? Validate(RetrainBody body) => body switch
    {
        { Epochs: < 1 } => $"epochs = {body.Epochs}: expected at least 1",
        { FinalEpochs: < 1 } => $"finalEpochs = {body.FinalEpochs}: expected at least 1",
        { SubCenters: < 1 } => $"subCenters = {body.SubCenters}: expected at least 1",
        { DropRule: { } rule } when !DropRules.All.Contains(rule) =>
            $"dropRule = '{rule}': expected {RunPlan.Expected(DropRules.All)}",
        { DropScore: { } score } when !DropScores.All.Contains(score) =>
            $"dropScore = '{score}': expected {RunPlan.Expected(DropScores.All)}",
        { DropAngleDegrees: { } a } when !(a > 0 && a < 180) => $"dropAngleDegrees = {a}: expected between 0 and 180 (exclusive)",
        { RequestId: { } r } when string.IsNullOrWhiteSpace(r) || r.Length > MaxRequestIdLength =>
            $"requestId: expected 1..{MaxRequestIdLength} non-blank characters",
        _ => null,
    };

    public const int MaxRequestIdLength = 200;

    private static async Task<IResult> PublishAsync(string datasetId, RunPlan basePlan, RetrainBody body, IPublishEndpoint publish,
        TimeProvider clock, CancellationToken ct)
    {
        var plan = Apply(basePlan, body);
        // Checked on the plan the retrain would run, so a fixed angle inherited from the run counts too.
        if (plan.NoisePosteriorProblem() is { } problem) return Results.BadRequest(new { error = problem });
        var request = new RetrainRequested(body.RequestId ?? Guid.NewGuid().ToString("N"), datasetId, plan, RequestedBy, clock.GetUtcNow());
        await publish.Publish(request, ct);
        return Results.Accepted($"/api/runs/{request.RunId}",
            new RetrainAccepted(request.RequestId, request.RunId, request.DatasetId, request.Plan, request.RequestedAt));
    }

    private static IResult Forbidden(ServiceSettings settings) => Results.Json(
        new { error = settings.ApiKey.Length == 0 ? "retrain is disabled: Pipeline:ApiKey is not configured" : $"missing or wrong {ApiKeyHeader} header" },
        statusCode: StatusCodes.Status403Forbidden);

    // Unknown fields are refused, so a typo ("epoch") fails loudly instead of retraining with the old value.
    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static async Task<(RetrainBody Body, IResult? Error)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        RetrainBody? body;
        try
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync(ct);
            body = string.IsNullOrWhiteSpace(text) ? new RetrainBody() : JsonSerializer.Deserialize<RetrainBody>(text, BodyJson);
        }
        catch (JsonException e)
        {
            return (new RetrainBody(), Results.BadRequest(new { error = $"request body: {e.Message}" }));
        }
        body ??= new RetrainBody();
        return Validate(body) is { } problem ? (body, Results.BadRequest(new { error = problem })) : (body, null);
    }
}

/// <summary>Body of a retrain: every field optional (datasetId is required by POST /api/retrain only).</summary>
public sealed record RetrainBody(
    string? DatasetId = null,
    string? RequestId = null,
    int? Epochs = null,
    int? FinalEpochs = null,
    int? SubCenters = null,
    string? DropRule = null,
    double? DropAngleDegrees = null,
    int? Seed = null,
    string? DropScore = null,
    double? DropNoisePosterior = null);

/// <summary>Answer to an accepted retrain: the run it starts (GET /api/runs/{runId} once the ledger has it).</summary>
public sealed record RetrainAccepted(string RequestId, string RunId, string DatasetId, RunPlan Plan, DateTimeOffset RequestedAt);
