using System.Collections.Concurrent;
using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Chain.Blocks;

/// <summary>A block whose payload this node has checked (a proposal, its own block, or a fetched one), not yet committed.</summary>
public sealed class PendingBlock(SealedBlock block, IReadOnlyList<VerifiedTransaction> transactions)
{
    public SealedBlock Block { get; } = block;

    public Hash32 Hash => Block.Hash;

    public ulong Height => Block.Height;

    public Hash32 ParentHash { get; } = new(block.Header.ParentHash.Span);

    public IReadOnlyList<VerifiedTransaction> Transactions { get; } = transactions;

    public ByteString HeaderBytes => Block.Block.Header;

    public IReadOnlyList<ByteString> TransactionBytes => Block.Block.Transactions;
}

/// <summary>
/// Blocks in consensus that are not committed yet, by hash: filled when a payload passes validation, read by the
/// engine's fetches, by peers' GetBlockByHash and by execution; pruned as the chain commits.
/// </summary>
public sealed class PendingBlocks
{
    private readonly ConcurrentDictionary<Hash32, PendingBlock> _blocks = new();

    public int Count => _blocks.Count;

    public void Add(PendingBlock block) => _blocks.TryAdd(block.Hash, block);

    public bool TryGet(Hash32 hash, out PendingBlock block) => _blocks.TryGetValue(hash, out block!);

    /// <summary>
    /// Forgets every block at or below <paramref name="committedHeight"/> and returns those that were not committed
    /// (another branch won): their transactions go back to the proposable set.
    /// </summary>
    public List<PendingBlock> PruneAtOrBelow(ulong committedHeight, IReadOnlySet<Hash32> committed)
    {
        var abandoned = new List<PendingBlock>();
        foreach (var (hash, block) in _blocks)
        {
            if (block.Height <= committedHeight && _blocks.TryRemove(hash, out _) && !committed.Contains(hash))
            {
                abandoned.Add(block);
            }
        }
        return abandoned;
    }

    public void Clear() => _blocks.Clear();
}
