using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Sync;

/// <summary>What a source of committed blocks says about itself before blocks are asked of it.</summary>
public sealed record BlockSourceStatus(string ChainId, ReadOnlyMemory<byte> GenesisHash, ulong HeadHeight, bool IsSelf);

/// <summary>
/// Somewhere committed blocks with their certificates come from (a peer, in the node). Nothing it sends is trusted:
/// <see cref="BlockSync"/> verifies every block before it is committed.
/// </summary>
public interface IBlockSource
{
    /// <summary>How the source is named in logs and errors.</summary>
    string Name { get; }

    /// <exception cref="BlockSourceException">The source cannot be reached or answered badly.</exception>
    Task<BlockSourceStatus> GetStatusAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Committed blocks from <paramref name="fromHeight"/> on, at most <paramref name="maxBlocks"/> (0: no limit); with
    /// <paramref name="follow"/> the stream goes on with blocks as the source commits them.
    /// </summary>
    /// <exception cref="BlockSourceException">The transport failed.</exception>
    IAsyncEnumerable<CommittedBlock> GetBlocksAsync(ulong fromHeight, uint maxBlocks, bool follow, CancellationToken cancellationToken);

    /// <summary>Told when the source failed or sent something invalid (a peer's connection is then dropped and redialled).</summary>
    void Failed(Exception error);
}

/// <summary>The sources this node may sync from, in the order they are tried.</summary>
public interface IBlockSources
{
    IReadOnlyList<IBlockSource> Sources { get; }
}

/// <summary>A source of blocks could not be reached, refused, or broke off: try another, later.</summary>
public sealed class BlockSourceException(string message, Exception? inner = null) : Exception(message, inner);
