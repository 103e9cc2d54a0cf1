using System.Runtime.CompilerServices;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Archive;

/// <summary>
/// A node's own chain store (opened read-side) as a source of committed blocks up to <paramref name="lastHeight"/>: what
/// an export writes, and what a rollback replays into a new store.
/// </summary>
public sealed class ChainReaderBlockSource(IChainReader store, ulong lastHeight, string name) : IBlockSource
{
    public string Name => name;

    public Task<BlockSourceStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new BlockSourceStatus(store.ChainId, store.GenesisHash.ToArray(), lastHeight, IsSelf: false));

    public async IAsyncEnumerable<CommittedBlock> GetBlocksAsync(ulong fromHeight, uint maxBlocks, bool follow,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = maxBlocks == 0 ? lastHeight : Math.Min(lastHeight, fromHeight + maxBlocks - 1);
        for (var height = fromHeight; height <= last; height++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return store.GetCommittedBlock(height) ?? throw new BlockSourceException($"{name} has no block at height {height}");
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public void Failed(Exception error)
    {
    }
}
