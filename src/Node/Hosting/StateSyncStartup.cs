using System.Diagnostics;
using ShanghaiChain.Chain.Snapshots;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Peers;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// <c>start --state-sync</c> (or <c>state_sync.enable</c>): before the node opens its store, a node without chain data
/// restores the newest snapshot its peers offer (<see cref="StateSync"/>) into a folder beside the data dir, and moves
/// it into place once the certified root is rebuilt; the node then starts on it and follows blocks from the snapshot's
/// height. With no usable snapshot the node starts from genesis as usual. A node that has chain data ignores the setting.
/// Progress goes to standard output: a line when a snapshot is chosen, then every two seconds.
/// </summary>
public static class StateSyncStartup
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(NodeHome home, NodeConfig config, Func<string, string>? passphrase, CancellationToken cancellationToken)
    {
        if (!config.StateSync)
        {
            return;
        }
        if (Directory.Exists(home.ChainDbDir))
        {
            Console.WriteLine($"state sync: {home.ChainDbDir} holds chain data, so the node starts from it (state sync is for a node without chain data)");
            return;
        }
        if (config.PeerUrls.Count == 0)
        {
            throw new ConfigException("state sync needs peers to ask for snapshots: set p2p.peers");
        }
        var genesis = GenesisFile.Load(home.GenesisFile);
        var nodeKey = File.Exists(home.NodeKeyFile)
            ? KeyFile.Load(home.NodeKeyFile, passphrase)
            : throw new ConfigException($"state sync talks to peers, which needs a node key: {home.NodeKeyFile} is missing");
        Hash32? trusted = config.StateSyncTrustHash.Length > 0 ? Hash32.Parse(config.StateSyncTrustHash) : null;
        using var clients = new PeerClients(PeerCertificate.Create(nodeKey, genesis.ChainId), new PeerAdmission(genesis));
        var sources = config.PeerUrls.Select(url => (ISnapshotSource)new PeerSnapshotSource(url, clients)).ToList();
        var sync = new StateSync(genesis, trusted, line => Console.WriteLine($"state sync: {line}"));
        var progress = new ProgressLine();
        Console.WriteLine($"state sync: asking {sources.Count} peer(s) for snapshots");
        var result = await sync.RunAsync(sources, home.RestoreDir, progress, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            Console.WriteLine("state sync: no usable snapshot; the node syncs blocks from genesis");
            return;
        }
        Directory.Move(home.RestoreDir, home.ChainDbDir);
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 0.001);
        Console.WriteLine($"state sync: restored the state of height {result.Height} (state root {result.StateRoot}): {result.Accounts} accounts, " +
            $"{result.Slots} storage slots, {result.Chunks} chunks, {result.Bytes:N0} bytes in {seconds:F1} s ({result.Chunks / seconds:F1} chunks/s); " +
            $"following blocks from {result.Height + 1}");
    }

    /// <summary>One progress line every two seconds (and the first chunk), for people and for logs alike.</summary>
    private sealed class ProgressLine : IProgress<StateSyncProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _printed = TimeSpan.MinValue;

        public void Report(StateSyncProgress value)
        {
            if (value.ChunksDone != 1 && value.ChunksDone != value.ChunkCount && _clock.Elapsed - _printed < Interval)
            {
                return;
            }
            _printed = _clock.Elapsed;
            var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            Console.WriteLine($"state sync: height {value.Height}: {value.ChunksDone}/{value.ChunkCount} chunks " +
                $"({100.0 * value.ChunksDone / value.ChunkCount:F0} %), {value.Bytes / 1048576.0:F1} MiB at {value.Bytes / 1048576.0 / seconds:F1} MiB/s");
        }
    }
}
