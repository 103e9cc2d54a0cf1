using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Sync;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// Liveness as grpc.health.v1 and the metrics port's /health report it: the chain is healthy while blocks keep
/// committing. A producing validator makes at least one block per empty-block interval, so a head older than ten
/// intervals (and at least ten seconds) means the pipeline is stuck. A node catching up from peers that are ahead is
/// working, not stuck: healthy (and not ready, see /ready), whatever the age of its head.
/// </summary>
public sealed class ChainHealthCheck(ChainHead head, GenesisFile genesis, TimeProvider time, SyncState sync) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var tip = head.Tip;
        if (sync.Syncing)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"syncing: head {tip.Height}, peers at {sync.BestPeerHeight}"));
        }
        var age = HeadAgeMs(tip.TimestampMs, time);
        return Task.FromResult(tip.Height > 0 && age > StallLimitMs(genesis)
            ? HealthCheckResult.Unhealthy($"no block committed for {age} ms (head {tip.Height})")
            : HealthCheckResult.Healthy($"head {tip.Height}"));
    }

    /// <summary>How old a head may grow before the chain counts as stalled (the CLI's `status` uses the same rule).</summary>
    public static long StallLimitMs(GenesisFile genesis) => Math.Max(10_000, 10L * genesis.Parameters.EmptyBlockIntervalMs);

    public static long HeadAgeMs(ulong timestampMs, TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds() - (long)timestampMs;
}
