using System.Globalization;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>Metrics record from the node's start, whenever Prometheus first scrapes (issue 18: they started at the first scrape).</summary>
public sealed class MetricsFromStartTests
{
    [Fact]
    public async Task A_first_scrape_long_after_start_counts_every_committed_block_in_the_histograms()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 100);
        await using var node = await chain.StartAsync();
        using (var client = new ApiClient(node.Url))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while ((await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: timeout.Token)).HeadHeight < 10)
            {
                await Task.Delay(NodeBinary.PollInterval, timeout.Token);
            }
        }

        using var http = new HttpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        ulong blocks, histogramCount;
        do
        {
            var text = await http.GetStringAsync($"http://127.0.0.1:{chain.MetricsPort}/metrics", deadline.Token);
            blocks = Value(text, "shanghaichain_node_blocks_committed");
            histogramCount = Value(text, "shanghaichain_node_block_transactions_count");
        }
        while (blocks == 0 && !deadline.IsCancellationRequested);

        Assert.True(blocks >= 10, $"blocks committed: {blocks}");
        // Both count every block since start; a block may commit between reading the two within one scrape.
        Assert.True(histogramCount + 1 >= blocks && histogramCount <= blocks + 1, $"histogram count {histogramCount}, blocks {blocks}");

        // The same late scrape as Prometheus checks it, and every metric of ours carries its help text (docs/metrics.md).
        var scrape = await http.GetStringAsync($"http://127.0.0.1:{chain.MetricsPort}/metrics", deadline.Token);
        await PromtoolCheckAsync(scrape);
        var names = scrape.Split('\n').Where(l => l.StartsWith("# TYPE shanghaichain_", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        Assert.True(names.Count >= 12, string.Join(", ", names));
        foreach (var name in names)
        {
            Assert.Contains(scrape.Split('\n'), l => l.StartsWith($"# HELP {name} ", StringComparison.Ordinal) && l.Length > $"# HELP {name} ".Length + 5);
        }
        // The head's timestamp is exported, so an alert can tell a stalled chain (time() minus it).
        var headTime = Value(scrape, "shanghaichain_node_consensus_head_timestamp_seconds");
        Assert.InRange((long)headTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
    }

    private static async Task PromtoolCheckAsync(string metrics)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool is not installed: apt-get install prometheus (the Node.Tests build does it when run as root, tools/ensure-promtool.sh)");
        var info = new System.Diagnostics.ProcessStartInfo(promtool!, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var check = System.Diagnostics.Process.Start(info)!;
        await check.StandardInput.WriteAsync(metrics);
        check.StandardInput.Close();
        var errors = await check.StandardError.ReadToEndAsync() + await check.StandardOutput.ReadToEndAsync();
        await check.WaitForExitAsync();
        Assert.True(check.ExitCode == 0, "promtool check metrics: " + errors);
    }

    [Fact]
    public async Task A_running_node_logs_its_commits_at_most_once_a_second()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 50);
        await using var node = await chain.StartAsync();
        var started = DateTime.UtcNow;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (CountOf(node.Log, "committed block ") < 3)
        {
            await Task.Delay(NodeBinary.PollInterval, timeout.Token);
        }
        var elapsed = DateTime.UtcNow - started;
        var lines = node.Log.Split('\n').Where(l => l.Contains("committed block ", StringComparison.Ordinal)).ToList();

        Assert.Contains(lines, l => l.Contains("transactions, round", StringComparison.Ordinal) && l.Contains("ms after the previous", StringComparison.Ordinal));
        // Blocks come every 50 ms; the lines stay at least a second apart and say how many blocks they stand for.
        Assert.True(lines.Count <= elapsed.TotalSeconds + 2, $"{lines.Count} lines in {elapsed.TotalSeconds:F1} s:\n{string.Join('\n', lines)}");
        Assert.Contains(lines, l => l.Contains("blocks,", StringComparison.Ordinal) && l.Contains("since the last line", StringComparison.Ordinal));
    }

    private static int CountOf(string text, string value) => text.Split('\n').Count(l => l.Contains(value, StringComparison.Ordinal));

    private static ulong Value(string text, string name) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal)) is { } line
            ? (ulong)double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture)
            : 0;
}
