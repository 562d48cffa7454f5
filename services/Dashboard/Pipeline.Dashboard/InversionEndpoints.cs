using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipeline.Dashboard;

/// <summary>An identity's inversion (<see cref="IdentityInversions"/>): its state, a request to render it, and its image once stored.</summary>
public static class InversionEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        const string route = "/api/runs/{id}/identities/{identity}/inversion";
        app.MapGet(route, async (string id, string identity, IdentityInversions inversions, CancellationToken ct) =>
            Results.Ok(await inversions.GetAsync(id, identity, ct)));

        // Not key-protected: it only reads the run's model, renders one identity at a time, and stores the result once.
        app.MapPost(route, async (string id, string identity, IdentityInversions inversions, CancellationToken ct) =>
        {
            var state = await inversions.StartAsync(id, identity, ct);
            return state.State switch
            {
                InversionState.Busy => Results.Json(state, statusCode: StatusCodes.Status409Conflict),
                InversionState.Done => Results.Ok(state),
                _ => Results.Accepted(IdentityInversions.Url(id, identity), state),
            };
        });

        app.MapGet(route + ".png", async (string id, string identity, IdentityInversions inversions, CancellationToken ct) =>
            await inversions.OpenImageAsync(id, identity, ct) is { } png
                ? Results.Stream(png, "image/png")
                : Results.NotFound(new { error = $"no inversion of {identity} in run {id} yet: POST {IdentityInversions.Url(id, identity)} renders it" }));
    }
}
