using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Sync;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// Liveness as grpc.health.v1 reports it: the chain is healthy while blocks keep committing. A producing
/// validator makes at least one block per empty-block interval, so a head older than ten intervals (and
/// at least ten seconds) means the pipeline is stuck, unless the node knows of peers ahead of it: then it is
/// catching up, which is reported as Degraded ("syncing"), not as a failure (issue 20).
/// </summary>
public sealed class ChainHealthCheck(ChainHead head, GenesisFile genesis, TimeProvider time, SyncState sync) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var tip = head.Tip;
        var limit = Math.Max(10_000, 10L * genesis.Parameters.EmptyBlockIntervalMs);
        var age = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)tip.TimestampMs;
        if (tip.Height == 0 || age <= limit)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"head {tip.Height}"));
        }
        return Task.FromResult(sync.Syncing
            ? HealthCheckResult.Degraded($"syncing: head {tip.Height}, peers at {sync.BestPeerHeight}")
            : HealthCheckResult.Unhealthy($"no block committed for {age} ms (head {tip.Height})"));
    }
}
