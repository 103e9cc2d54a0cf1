using System.Runtime.CompilerServices;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Archive;

/// <summary>
/// A block archive as a source for block sync, so that an import verifies and commits exactly as catching up from a
/// peer does. The file is read anew for each request (block sync asks once per import); the archive's own checks
/// (<see cref="BlockArchiveReader"/>) fail the read with a <see cref="BlockArchiveException"/>.
/// </summary>
public sealed class ArchiveBlockSource(string path, BlockArchiveHeader header, int maxFrameBytes) : IBlockSource
{
    public string Name => path;

    private long _transactions;

    /// <summary>Transactions in the blocks handed out so far (for the import's report).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>What made the import stop, when block sync reported a failure.</summary>
    public Exception? Failure { get; private set; }

    public Task<BlockSourceStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new BlockSourceStatus(header.ChainId, header.GenesisHash.ToArray(), header.ToHeight, IsSelf: false));

    public async IAsyncEnumerable<CommittedBlock> GetBlocksAsync(ulong fromHeight, uint maxBlocks, bool follow,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var reader = await BlockArchiveReader.OpenAsync(stream, maxFrameBytes, path, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (reader.Header != header)
                {
                    throw new BlockArchiveException($"{path} changed while it was being imported");
                }
                // The reader has checked that the archive's blocks are its heights in order.
                var height = header.FromHeight;
                uint sent = 0;
                await foreach (var block in reader.ReadBlocksAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (maxBlocks != 0 && sent >= maxBlocks)
                    {
                        yield break;
                    }
                    if (height++ >= fromHeight)
                    {
                        sent++;
                        Interlocked.Add(ref _transactions, block.Block.Transactions.Count);
                        yield return block;
                    }
                }
            }
        }
    }

    public void Failed(Exception error) => Failure = error;
}
