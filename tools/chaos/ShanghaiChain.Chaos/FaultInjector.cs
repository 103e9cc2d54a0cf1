using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chaos;

/// <summary>What happened when one fault was injected and healed.</summary>
/// <param name="RecoverySeconds">From the heal until a quorum of validators committed two new blocks (infinite: not within the bound).</param>
/// <param name="CatchUpSeconds">From the heal until every validator reached that height (a wiped node resyncs the whole chain).</param>
internal sealed record FaultOutcome(PlannedFault Fault, double RecoverySeconds, double CatchUpSeconds, string Note, IReadOnlyList<string> Violations);

/// <summary>How long the chain took to move on after a heal, and every validator to catch up; null where a bound passed.</summary>
internal sealed record Recovery(double? ResumeSeconds, double? CatchUpSeconds);

/// <summary>
/// Injects one planned fault into the running cluster, holds it, heals it, and measures the recovery: the time from the
/// heal until every validator has committed two blocks beyond the highest head any of them had at the heal (so the
/// chain moved on and everyone caught up). A recovery slower than the bound is a violation.
/// </summary>
internal sealed class FaultInjector(ChaosCluster cluster, LoadClient load, ChaosOptions options, Action<string> log)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>libfaketime's preload library, if the Debian package `faketime` is installed.</summary>
    public static string? FakeTimeLibrary { get; } = new[]
    {
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
    }.FirstOrDefault(File.Exists);

    public async Task<FaultOutcome> RunAsync(PlannedFault fault)
    {
        var violations = new List<string>();
        var note = "";
        log($"fault {fault}");
        var nodes = cluster.Nodes;
        switch (fault.Kind)
        {
            case FaultKind.KillOne:
            case FaultKind.KillFPlusOne:
                await Task.WhenAll(fault.Targets.Select(t => nodes[t].KillAsync())).ConfigureAwait(false);
                await Task.Delay(fault.Hold).ConfigureAwait(false);
                await Task.WhenAll(fault.Targets.Select(t => nodes[t].StartAsync(StartTimeout))).ConfigureAwait(false);
                break;
            case FaultKind.Pause:
                nodes[fault.Targets[0]].Pause();
                await Task.Delay(fault.Hold).ConfigureAwait(false);
                nodes[fault.Targets[0]].Resume();
                break;
            case FaultKind.RestartLoop:
                for (var i = 0; i < fault.Magnitude; i++)
                {
                    if (!await nodes[fault.Targets[0]].StopAsync(StopTimeout).ConfigureAwait(false))
                    {
                        violations.Add($"{fault}: node {fault.Targets[0]} did not stop within {StopTimeout.TotalSeconds:F0} s of SIGTERM");
                    }
                    else if (nodes[fault.Targets[0]].ExitCode is { } code and not 0)
                    {
                        violations.Add($"{fault}: node {fault.Targets[0]} exited with {code} after SIGTERM");
                    }
                    await nodes[fault.Targets[0]].StartAsync(StartTimeout).ConfigureAwait(false);
                    await Task.Delay(fault.Hold / fault.Magnitude).ConfigureAwait(false);
                }
                break;
            case FaultKind.WipeData:
            {
                var node = nodes[fault.Targets[0]];
                await node.KillAsync().ConfigureAwait(false);
                // The data dir may be a mount point: empty it, keep it. config/ (keys, genesis, node.toml) stays.
                foreach (var entry in new DirectoryInfo(node.Home.DataDir).EnumerateFileSystemInfos())
                {
                    if (entry is DirectoryInfo dir)
                    {
                        dir.Delete(recursive: true);
                    }
                    else
                    {
                        entry.Delete();
                    }
                }
                node.Write("=== chaos: data dir wiped (keys kept) ===");
                await Task.Delay(fault.Hold).ConfigureAwait(false);
                await node.StartAsync(StartTimeout).ConfigureAwait(false);
                break;
            }
            case FaultKind.IsolateOne:
            case FaultKind.SplitHalves:
            {
                var network = cluster.Network!;
                var sideA = fault.Targets;
                var sideB = Enumerable.Range(0, nodes.Count).Except(sideA).ToList();
                network.Partition(sideA, sideB);
                var before = (await HeightsAsync().ConfigureAwait(false)).Max();
                await Task.Delay(fault.Hold).ConfigureAwait(false);
                var during = await HeightsAsync().ConfigureAwait(false);
                network.HealPartitions();
                // A side without a quorum commits nothing new: at most the blocks whose certificates were already on
                // the way when the cut came (two for the two-chain rule).
                var cutOff = fault.Kind == FaultKind.SplitHalves ? Enumerable.Range(0, nodes.Count).ToList() : [.. sideA];
                foreach (var node in cutOff.Where(n => during[n] > before + 2))
                {
                    violations.Add($"{fault}: node {node} reached height {during[node]} without a quorum on its side (the highest head at the cut was {before})");
                }
                note = $"heights at the cut {before}, at the heal [{string.Join(", ", during)}]";
                break;
            }
            case FaultKind.DegradedLink:
                note = cluster.Network!.Degrade(fault.Targets[0], fault.Magnitude, lossPercent: 5, rateKbit: 400);
                await Task.Delay(fault.Hold).ConfigureAwait(false);
                cluster.Network.Restore(fault.Targets[0]);
                break;
            case FaultKind.ClockSkew:
            {
                var node = nodes[fault.Targets[0]];
                var offset = string.Create(CultureInfo.InvariantCulture, $"{fault.Magnitude:+0;-0}s");
                await node.StopAsync(StopTimeout).ConfigureAwait(false);
                await node.StartAsync(StartTimeout, offset, FakeTimeLibrary).ConfigureAwait(false);
                await Task.Delay(fault.Hold).ConfigureAwait(false);
                // Under the skewed clock too, SIGTERM must end in a clean stop.
                if (!await node.StopAsync(StopTimeout).ConfigureAwait(false))
                {
                    violations.Add($"{fault}: node {node.Index} did not stop within {StopTimeout.TotalSeconds:F0} s of SIGTERM under a skewed clock");
                }
                else if (node.ExitCode is { } code and not 0)
                {
                    violations.Add($"{fault}: node {node.Index} exited with {code} after SIGTERM under a skewed clock");
                }
                await node.StartAsync(StartTimeout).ConfigureAwait(false);
                note = $"clock {offset}";
                break;
            }
            case FaultKind.DiskFull:
                note = await FillDiskAsync(fault, violations).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "unknown fault");
        }
        var recovery = await MeasureRecoveryAsync().ConfigureAwait(false);
        if (recovery.ResumeSeconds is null)
        {
            violations.Add($"{fault}: the chain did not commit on a quorum within {options.RecoveryBound.TotalSeconds:F0} s of the heal");
        }
        else if (recovery.CatchUpSeconds is null)
        {
            violations.Add($"{fault}: not every validator caught up within {options.CatchUpBound.TotalSeconds:F0} s of the heal");
        }
        log($"  healed; chain resumed in {Seconds(recovery.ResumeSeconds)}, all caught up in {Seconds(recovery.CatchUpSeconds)}{(note.Length > 0 ? $"; {note}" : "")}");
        return new FaultOutcome(fault, recovery.ResumeSeconds ?? double.PositiveInfinity, recovery.CatchUpSeconds ?? double.PositiveInfinity, note, violations);
    }

    private static string Seconds(double? seconds) => seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:F1} s") : "(not within the bound)";

    /// <summary>
    /// Fills the node's tmpfs until writes fail, expects the node to stop with a clear error within a bound (the
    /// behaviour docs/reliability.md promises), frees the space and restarts it.
    /// </summary>
    private async Task<string> FillDiskAsync(PlannedFault fault, List<string> violations)
    {
        var node = cluster.Nodes[fault.Targets[0]];
        var filler = Path.Combine(node.Home.DataDir, "chaos-filler");
        long filled = 0;
        var chunk = new byte[1 << 20];
        // Marked before the first byte: the node can meet the full disk (and log it) before the fill below ends.
        node.Write("=== chaos: filling the data dir ===");
        try
        {
            await using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None);
            while (true)
            {
                await stream.WriteAsync(chunk).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
                filled += chunk.Length;
            }
        }
        catch (IOException)
        {
            // ENOSPC: the file system is full.
        }
        node.Write($"=== chaos: data dir filled ({filled >> 20} MB of filler) ===");
        // The disk stays full until the node stops: RocksDB frees space of its own as it goes (obsolete log files after a
        // flush, inputs after a compaction), which a single fill would leave it to write into, sometimes for more than
        // the bound (seen once in a long run). Every freed page is taken again.
        var deadline = DateTime.UtcNow + options.DiskFullStopBound;
        var exited = false;
        var topUps = 0;
        while (!exited && DateTime.UtcNow < deadline)
        {
            topUps += await TopUpAsync(filler + "-more", new byte[64 << 10]).ConfigureAwait(false);
            exited = await node.WaitForExitAsync(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
        if (topUps > 0)
        {
            node.Write($"=== chaos: {topUps} freed chunks of 64 KB filled again ===");
        }
        string note;
        if (!exited)
        {
            violations.Add($"{fault}: node {node.Index} kept running for {options.DiskFullStopBound.TotalSeconds:F0} s on a full disk instead of stopping with an error");
            note = "did not stop";
            await node.KillAsync().ConfigureAwait(false);
        }
        else
        {
            var tail = File.ReadLines(node.LogFile).Reverse().Take(60).ToList();
            var clear = tail.Any(l => l.Contains("disk full", StringComparison.OrdinalIgnoreCase));
            if (!clear)
            {
                violations.Add($"{fault}: node {node.Index} stopped on a full disk without a 'disk full' error in its log");
            }
            note = $"stopped with exit code {node.ExitCode}{(clear ? " and a disk-full error" : "")}";
        }
        await Task.Delay(fault.Hold).ConfigureAwait(false);
        File.Delete(filler);
        File.Delete(filler + "-more");
        node.Write("=== chaos: space freed ===");
        // No corruption: the store the node left opens with the full state check (every trie node against its hash,
        // every flat account against its leaf) before the node is started on it again.
        try
        {
            using var store = ChainStore.Open(node.Home.ChainDbDir, GenesisFile.Load(node.Home.GenesisFile), StateCheck.Full);
            note += $"; its store reopened with a full state check at height {store.HeadHeight}";
        }
        catch (Exception ex) when (ex is StoreException or Storage.Engines.StorageEngineException or IOException)
        {
            violations.Add($"{fault}: the store node {node.Index} left on the full disk fails the full state check: {ex.Message}");
        }
        await node.StartAsync(StartTimeout).ConfigureAwait(false);
        return note;
    }

    /// <summary>Appends chunks to <paramref name="path"/> until the file system refuses one; how many it took.</summary>
    private static async Task<int> TopUpAsync(string path, byte[] chunk)
    {
        var taken = 0;
        try
        {
            await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
            while (true)
            {
                await stream.WriteAsync(chunk).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
                taken++;
            }
        }
        catch (IOException)
        {
            // ENOSPC again: full.
        }
        return taken;
    }

    /// <summary>
    /// From now: the seconds until a quorum (2f+1) of validators is two blocks past the highest head seen now (the
    /// chain moved on), and until every validator is (everyone caught up). Each null when its bound passed first.
    /// </summary>
    public async Task<Recovery> MeasureRecoveryAsync()
    {
        var clock = Stopwatch.StartNew();
        var heights = await HeightsAsync().ConfigureAwait(false);
        var target = heights.Max() + 2;
        var quorum = cluster.Nodes.Count - cluster.F;
        double? resumed = null;
        while (clock.Elapsed < (resumed is null ? options.RecoveryBound : options.CatchUpBound))
        {
            heights = await HeightsAsync().ConfigureAwait(false);
            if (resumed is null && heights.Count(h => h >= target) >= quorum)
            {
                resumed = clock.Elapsed.TotalSeconds;
            }
            if (heights.All(h => h >= target))
            {
                return new Recovery(resumed ?? clock.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds);
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        return new Recovery(resumed, null);
    }

    private async Task<ulong[]> HeightsAsync() =>
        await Task.WhenAll(cluster.Nodes.Select(async n =>
        {
            try
            {
                var status = await load.Client(n.Index).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false);
                return status.HeadHeight;
            }
            catch (RpcException)
            {
                return 0UL;
            }
        })).ConfigureAwait(false);
}
