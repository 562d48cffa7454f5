using Pipeline.Artifacts;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.ServiceDefaults;

namespace Pipeline.Dashboard;

/// <summary>
/// Dashboard: the runs API over the run ledger, the retrain command, and one page that shows both.
/// It reads the ledger; the ledger's consumer is a separate module (<see cref="LedgerModule"/>). Every response
/// carries <see cref="SecurityHeaders"/>.
/// </summary>
public sealed class DashboardModule : ServiceModule
{
    public override string Name => "dashboard";

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SampleThumbnails>(); // shared with the search API when one process hosts both
        services.TryAddSingleton<RunReports>();
        services.TryAddSingleton<RetrainReach>();
        services.TryAddSingleton<IdentityInversions>();
        // A diverging stage's last progress has a NaN loss: shown as "NaN", not a failed request.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals);
    }

    public override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var configuration = endpoints.ServiceProvider.GetRequiredService<IConfiguration>();
        if (configuration[SearchProxy.Setting] is { Length: > 0 } searchUrl)
            SearchProxy.Map(endpoints.WithSecurityHeaders(DashboardPage.Policy), new Uri(searchUrl));
        var dashboard = endpoints.WithSecurityHeaders(DashboardPage.Policy);
        RunEndpoints.Map(dashboard);
        RetrainEndpoints.Map(dashboard);
        GalleryEndpoints.Map(dashboard);
        InversionEndpoints.Map(dashboard);
        DashboardPage.Map(dashboard);
    }
}
