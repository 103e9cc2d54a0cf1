using System.Net;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// What an operator sees when the chain stops: a follower whose only validator is gone says `stalled` in `status`, and
/// its probes turn from 200 to 503 (liveness and readiness), while before that it showed its peer's current head.
/// </summary>
public sealed class StalledChainTests
{
    [Fact]
    public async Task A_follower_whose_validator_is_gone_reports_stalled_and_fails_its_probes()
    {
        // Empty blocks every 100 ms: the stall limit is its floor, 10 s.
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 100);
        var follower = chain.AddFollower(admitted: true);
        await using var validator = await chain.StartAsync();
        File.Copy(chain.Home.GenesisFile, follower.Home.GenesisFile, overwrite: true);
        var metricsPort = NodeBinary.FreePort();
        await using var followerNode = await NodeProcess.StartAsync(follower.Home.Root, follower.Port,
            new Dictionary<string, string> { ["SHC_METRICS_LISTEN"] = $"127.0.0.1:{metricsPort}" });
        using var client = new ApiClient(follower.Url);
        using var http = new HttpClient();
        var probes = $"http://127.0.0.1:{metricsPort}";

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            while ((await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: timeout.Token)).HeadHeight < 5 ||
                   (await http.GetAsync(new Uri($"{probes}/ready"), timeout.Token)).StatusCode != HttpStatusCode.OK)
            {
                await Task.Delay(NodeBinary.PollInterval, timeout.Token);
            }
            // Its peer's head as it is now, not as it was when the link opened (refreshed every 2 s).
            while (true)
            {
                var peers = await NodeBinary.RunAsync("peers", "--node", follower.Url);
                var head = System.Text.RegularExpressions.Regex.Match(peers.Stdout, @"│ (?:in|out) +│ (\d+) +│");
                if (head.Success && ulong.Parse(head.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 5)
                {
                    break;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token);
            }
        }
        var before = await NodeBinary.RunAsync("status", "--node", follower.Url);
        Assert.Contains("stalled:      no", before.Stdout, StringComparison.Ordinal);

        await validator.KillAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            while (!(await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: timeout.Token)).Stalled)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
            }
        }
        var after = await NodeBinary.RunAsync("status", "--node", follower.Url);
        Assert.Matches(@"stalled:      YES: no block for \d+\.\d s \(see the node's log\)", after.Stdout);
        Assert.Contains("syncing:      no", after.Stdout, StringComparison.Ordinal);
        var health = await http.GetAsync(new Uri($"{probes}/health"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.StartsWith("unhealthy: no block committed for ", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var ready = await http.GetAsync(new Uri($"{probes}/ready"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.StartsWith("not ready: no block committed for ", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
