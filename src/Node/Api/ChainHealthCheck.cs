using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Chain.Blocks;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// Liveness as grpc.health.v1 reports it: the chain is healthy while blocks keep committing. A producing
/// validator makes at least one block per empty-block interval, so a head older than ten intervals (and
/// at least ten seconds) means the pipeline is stuck.
/// </summary>
public sealed class ChainHealthCheck(ChainHead head, GenesisFile genesis, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var tip = head.Tip;
        var limit = Math.Max(10_000, 10L * genesis.Parameters.EmptyBlockIntervalMs);
        var age = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)tip.TimestampMs;
        return Task.FromResult(tip.Height > 0 && age > limit
            ? HealthCheckResult.Unhealthy($"no block committed for {age} ms (head {tip.Height})")
            : HealthCheckResult.Healthy($"head {tip.Height}"));
    }
}
