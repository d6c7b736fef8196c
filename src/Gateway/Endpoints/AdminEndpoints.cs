using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Gateway.Hosting;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Endpoints;

/// <summary>/api/admin: what the cluster looks like, read from Orleans' management grain.</summary>
public static class AdminEndpoints
{
    public sealed record SiloInfo(
        string Address, string Name, string Host, string Status, DateTime StartedAt, DateTime LastHeartbeat, int? Activations);

    public sealed record ClusterView(int ActiveSilos, IReadOnlyList<SiloInfo> Silos);

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapResource("/api/admin", "Admin").RequirePolicy(Policies.Admin)
            .MapGet("/cluster", Cluster).WithName("GetCluster").WithSummary("The silos of the cluster, their status and activation counts");
        return app;
    }

    private static async Task<Ok<ClusterView>> Cluster(IGrainFactory grains)
    {
        var management = grains.Reference<IManagementGrain>(0);
        var entries = await management.GetDetailedHosts(onlyActive: false);
        var active = entries.Where(e => e.Status == SiloStatus.Active).Select(e => e.SiloAddress).ToArray();
        var statistics = active.Length == 0 ? [] : await management.GetRuntimeStatistics(active);
        var activations = active.Zip(statistics, (silo, stats) => (silo, stats.ActivationCount)).ToDictionary();

        var silos = entries
            .OrderBy(e => e.Status == SiloStatus.Active ? 0 : 1).ThenByDescending(e => e.StartTime)
            .Select(e => new SiloInfo(
                e.SiloAddress.ToParsableString(), e.SiloName, e.HostName, e.Status.ToString(), e.StartTime, e.IAmAliveTime,
                activations.TryGetValue(e.SiloAddress, out var count) ? count : null))
            .ToList();
        return TypedResults.Ok(new ClusterView(active.Length, silos));
    }
}
