using System.Text;
using System.Text.Json;
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
        app.MapGet("/api/drop-scores", () => DropScores.All); // the retrain form's choices, spelt as plans spell them
        // Asked by the page before it offers the Retrain button.
        app.MapGet("/api/retrain", (RetrainReach reach) => new { available = reach.Unavailable is null, reason = reach.Unavailable });

        app.MapPost("/api/runs/{id}/retrain", async (string id, HttpRequest request, RunLedger ledger, IPublishEndpoint publish,
            ServiceSettings settings, RetrainReach reach, TimeProvider clock, CancellationToken ct) =>
        {
            if (Refused(request, settings, reach) is { } refused) return refused;
            var (body, error) = await ReadBodyAsync(request, ct);
            if (error is not null) return error;
            var run = (await ledger.GetRunAsync(id, ct))?.Run;
            if (run is null) return Results.NotFound(new { error = $"run '{id}' is not in the ledger" });
            if (run.DatasetId is null)
                return Results.Conflict(new { error = $"run '{id}' has no ingested dataset yet: nothing to retrain" });
            return await PublishAsync(run.DatasetId, run.Plan ?? RunPlan.Default, body, publish, clock, ct);
        }).DisableAntiforgery();

        app.MapPost("/api/retrain", async (HttpRequest request, IPublishEndpoint publish, ServiceSettings settings, RetrainReach reach,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (Refused(request, settings, reach) is { } refused) return refused;
            var (body, error) = await ReadBodyAsync(request, ct);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(body.DatasetId)) return Results.BadRequest(new { error = "JSON body needs a 'datasetId'" });
            return await PublishAsync(body.DatasetId, RunPlan.Default, body, publish, clock, ct);
        }).DisableAntiforgery();
    }

    /// <summary>What is wrong with the body's own fields (its plan fields are checked on the plan they make), or null.</summary>
    public static string? Validate(RetrainBody body) => body.RequestId is { } r && (string.IsNullOrWhiteSpace(r) || r.Length > MaxRequestIdLength)
        ? $"requestId: expected 1..{MaxRequestIdLength} non-blank characters"
        : null;

    public const int MaxRequestIdLength = 200;

    private static async Task<IResult> PublishAsync(string datasetId, RunPlan basePlan, RetrainBody body, IPublishEndpoint publish,
        TimeProvider clock, CancellationToken ct)
    {
        var plan = body.Apply(basePlan);
        // Checked on the plan the retrain would run, so a fixed angle inherited from the run counts too.
        if (plan.Validate() is { Count: > 0 } problems) return Results.BadRequest(new { error = string.Join("; ", problems) });
        var request = new RetrainRequested(body.RequestId ?? Guid.NewGuid().ToString("N"), datasetId, plan, RequestedBy, clock.GetUtcNow());
        await publish.Publish(request, ct);
        return Results.Accepted($"/api/runs/{request.RunId}",
            new RetrainAccepted(request.RequestId, request.RunId, request.DatasetId, request.Plan, request.RequestedAt));
    }

    /// <summary>403 without the key, 503 where no trainer can be reached (<see cref="RetrainReach"/>); null when the retrain may go ahead.</summary>
    private static IResult? Refused(HttpRequest request, ServiceSettings settings, RetrainReach reach) =>
        !ApiKeys.Authorized(request, settings)
            ? Results.Json(new { error = settings.ApiKey.Length == 0 ? RetrainReach.NoKey : $"missing or wrong {ApiKeyHeader} header" },
                statusCode: StatusCodes.Status403Forbidden)
        : reach.Unavailable is { } why ? Results.Json(new { error = why }, statusCode: StatusCodes.Status503ServiceUnavailable)
        : null;

    private static async Task<(RetrainBody Body, IResult? Error)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        RetrainBody? body;
        try
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync(ct);
            body = string.IsNullOrWhiteSpace(text) ? new RetrainBody() : JsonSerializer.Deserialize<RetrainBody>(text, PipelineJson.Strict);
        }
        catch (JsonException e)
        {
            return (new RetrainBody(), Results.BadRequest(new { error = $"request body: {e.Message}" }));
        }
        body ??= new RetrainBody();
        return Validate(body) is { } problem ? (body, Results.BadRequest(new { error = problem })) : (body, null);
    }
}

/// <summary>
/// Body of a retrain: any plan field (<see cref="RunPlanOverrides"/>, over the run's plan or the default one), and the
/// request's own: datasetId (required by POST /api/retrain only) and requestId. Unknown fields are refused, so a typo
/// ("epoch") fails loudly instead of retraining with the old value.
/// </summary>
public sealed record RetrainBody : RunPlanOverrides
{
    public string? DatasetId { get; init; }
    public string? RequestId { get; init; }
}

/// <summary>Answer to an accepted retrain: the run it starts (GET /api/runs/{runId} once the ledger has it).</summary>
public sealed record RetrainAccepted(string RequestId, string RunId, string DatasetId, RunPlan Plan, DateTimeOffset RequestedAt);
