using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Chain.Snapshots;

/// <summary>What a snapshot file holds: its path, height, state root, chunk count, size, and the counts of the state.</summary>
public sealed record SnapshotFileInfo(string Path, ulong Height, string StateRoot, int Chunks, long Bytes, ulong Accounts, ulong Slots);

/// <summary>
/// Writes the snapshot of a height to a file (<see cref="SnapshotFile"/>): the store's export of the state as chunks,
/// then the manifest with blocks h and h+1 and the context to verify them. The file is written under a temporary name,
/// fsynced and renamed, so a file under the final name is always whole; a failed or cancelled write deletes it.
/// </summary>
public static class SnapshotCreator
{
    /// <exception cref="StoreException">The height is not available, or block h+1 is not committed yet.</exception>
    public static async Task<SnapshotFileInfo> WriteAsync(IChainReader store, ValidatorSchedule schedule, ulong height, string path,
        Action<int>? onChunk, CancellationToken cancellationToken, int chunkBytes = SnapshotChunks.TargetBytes)
    {
        if (store.GetCommittedBlock(height + 1) is null)
        {
            throw new StoreException($"block {height + 1} is not committed yet: a snapshot of height {height} needs it (it carries the certified state root of {height})");
        }
        // The epoch of block h+1 and the block that starts it (its hash is the epoch's genesis hash).
        var epoch = schedule.At(height + 1)
            ?? throw new StoreException($"height {height + 1} lies in an epoch before the one the node's head is in: take the snapshot at a later height");
        var partial = path + ".partial";
        try
        {
            var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            await using (stream.ConfigureAwait(false))
            {
                var writer = new SnapshotFileWriter(stream);
                await using (writer.ConfigureAwait(false))
                {
                    var chunks = 0;
                    var export = await Task.Run(() => store.ExportSnapshot(height, chunkBytes, chunk =>
                    {
                        writer.WriteChunk(chunk);
                        onChunk?.Invoke(++chunks);
                    }, cancellationToken), cancellationToken).ConfigureAwait(false);
                    var manifest = store.BuildManifest(height, epoch.GenesisHeight, export);
                    await writer.CompleteAsync(manifest, cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                    var info = new SnapshotFileInfo(path, height, Core.Primitives.Hex.Encode(manifest.StateRoot.Span), export.ChunkHashes.Count, writer.Written,
                        manifest.AccountCount, manifest.SlotCount);
                    File.Move(partial, path, overwrite: true);
                    return info;
                }
            }
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }
}
