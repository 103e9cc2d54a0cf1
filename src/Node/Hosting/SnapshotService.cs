using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Snapshots;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// Takes a snapshot every <c>state.snapshot_interval</c> blocks into the node's snapshots folder, which the peer service
/// offers to nodes that state-sync: the snapshot of height h (a multiple of the interval) once block h+1 is committed
/// (it carries h's certified state root), read from the store's view of h within the proof window while commits go on.
/// Keeps the newest <c>state.snapshot_keep</c> of its own files. A snapshot that fails is logged and the next one tried;
/// it never stops the node.
/// </summary>
public sealed class SnapshotService(IChainReader store, ChainHead head, ValidatorSchedule schedule, NodeConfig config, NodeHome home,
    ILogger<SnapshotService> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = (ulong)config.SnapshotInterval;
        ulong last = 0;
        Directory.CreateDirectory(home.SnapshotsDir);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(Poll, stoppingToken).ConfigureAwait(false);
            var tip = head.Height;
            var target = tip < 1 ? 0 : (tip - 1) / interval * interval;
            if (target == 0 || target <= last || target < store.BaseHeight)
            {
                continue;
            }
            last = target;
            var path = Path.Combine(home.SnapshotsDir, $"{store.ChainId}-{target}{SnapshotFile.Extension}");
            try
            {
                var info = await SnapshotCreator.WriteAsync(store, schedule, target, path, null, stoppingToken, config.SnapshotChunkBytes).ConfigureAwait(false);
                logger.LogInformation("snapshot of height {Height} written: {Chunks} chunks, {Bytes} bytes, {Accounts} accounts, state root {Root}",
                    info.Height, info.Chunks, info.Bytes, info.Accounts, info.StateRoot);
                Prune();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is StoreException or IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("snapshot of height {Height} not taken: {Reason}", target, ex.Message);
            }
        }
    }

    /// <summary>Deletes this chain's oldest snapshot files beyond the number kept.</summary>
    private void Prune()
    {
        var prefix = store.ChainId + "-";
        var own = Directory.GetFiles(home.SnapshotsDir, prefix + "*" + SnapshotFile.Extension)
            .Select(p => (Path: p, Height: ulong.TryParse(Path.GetFileNameWithoutExtension(p)[prefix.Length..], out var h) ? h : 0))
            .Where(f => f.Height > 0)
            .OrderByDescending(f => f.Height)
            .Skip(config.SnapshotKeep);
        foreach (var (path, _) in own)
        {
            File.Delete(path);
        }
    }
}
