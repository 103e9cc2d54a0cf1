using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Sync;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// HTTP probes on the metrics port (HTTP/1.1, what load balancers and Kubernetes' httpGet probes speak), beside
/// /metrics. Each answers one line of text.
/// <list type="bullet">
/// <item>/health (liveness): 200 while the chain check passes (blocks keep committing, or the node is catching up);
/// 503 when the head has stalled: restarting may help.</item>
/// <item>/ready (readiness): 200 when the node serves current data (started, not stopping, not behind its peers,
/// healthy); 503 while it starts, catches up or stops: send no traffic, but do not restart it.</item>
/// </list>
/// </summary>
public static class ProbeEndpoints
{
    public static void Map(WebApplication app, string host)
    {
        app.MapGet("/health", async (HealthCheckService checks, CancellationToken cancel) =>
        {
            var report = await checks.CheckHealthAsync(cancel).ConfigureAwait(false);
            var detail = string.Join("; ", report.Entries.Select(e => e.Value.Description));
            return report.Status == HealthStatus.Unhealthy
                ? Results.Text($"unhealthy: {detail}\n", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text($"healthy: {detail}\n");
        }).RequireHost(host);

        app.MapGet("/ready", async (HealthCheckService checks, SyncState sync, ChainHead head, IHostApplicationLifetime lifetime, CancellationToken cancel) =>
        {
            string? notReady = null;
            if (!lifetime.ApplicationStarted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                notReady = "starting or stopping";
            }
            else if (sync.Syncing)
            {
                notReady = $"syncing: head {head.Height}, peers at {sync.BestPeerHeight}";
            }
            else if ((await checks.CheckHealthAsync(cancel).ConfigureAwait(false)) is { Status: HealthStatus.Unhealthy } report)
            {
                notReady = string.Join("; ", report.Entries.Select(e => e.Value.Description));
            }
            return notReady is null
                ? Results.Text($"ready: head {head.Height}\n")
                : Results.Text($"not ready: {notReady}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }).RequireHost(host);
    }
}
