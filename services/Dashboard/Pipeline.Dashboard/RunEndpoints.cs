using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipeline.Infra.Ledger;

namespace Pipeline.Dashboard;

/// <summary>Read-only views of the run ledger: the runs, newest first, and one run in full.</summary>
public static class RunEndpoints
{
    public const int MaxRuns = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/runs", async (RunLedger ledger, CancellationToken ct, int limit = 100) =>
        {
            if (limit is < 1 or > MaxRuns) return Results.BadRequest(new { error = $"limit = {limit}: expected 1..{MaxRuns}" });
            var runs = await ledger.ListRunsAsync(limit, ct);
            // The ledger picks the most recently active runs; the table lists them newest first.
            return Results.Ok(runs.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.UpdatedAt).ThenBy(r => r.RunId, StringComparer.Ordinal));
        });

        app.MapGet("/api/runs/{id}", async (string id, RunLedger ledger, TimeProvider clock, CancellationToken ct) =>
        {
            var details = await ledger.GetRunAsync(id, ct);
            return details is null
                ? Results.NotFound(new { error = $"run '{id}' is not in the ledger" })
                : Results.Ok(RunView.From(details, clock.GetUtcNow()));
        });
    }
}
