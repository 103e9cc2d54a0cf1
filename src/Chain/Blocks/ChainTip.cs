using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Blocks;

/// <summary>
/// What a new block extends: the parent's height, hash, timestamp and certificate, and the results of executing
/// it (state root and receipts root), which the new block's header carries.
/// </summary>
public sealed record ChainTip(ulong Height, Hash32 Hash, ulong TimestampMs, QuorumCertificate? Certificate, Hash32 StateRoot, Hash32 ReceiptsRoot)
{
    /// <summary>The receipts root a block header carries for its parent: a binary Merkle root over the receipts' hashes.</summary>
    public static Hash32 ReceiptsRootOf(CryptoSuite suite, IReadOnlyList<Receipt> receipts)
    {
        var hashes = new Hash32[receipts.Count];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = suite.Hash(Google.Protobuf.MessageExtensions.ToByteArray(receipts[i]));
        }
        return BinaryMerkleTree.ComputeRoot(suite, hashes);
    }

    /// <summary>The committed head as the store holds it (read once at start-up, before the pipeline runs).</summary>
    public static ChainTip Load(IChainReader store, CryptoSuite suite)
    {
        if (store.HeadHeight == 0)
        {
            return new ChainTip(0, store.GenesisHash, 0, null, store.StateRoot, BinaryMerkleTree.ComputeRoot(suite, []));
        }
        var head = store.GetCommittedBlock(store.HeadHeight)!;
        var block = new Core.Blocks.SealedBlock(head.Block, suite);
        var receipts = new List<Receipt>(head.Block.Transactions.Count);
        foreach (var tx in head.Block.Transactions)
        {
            receipts.Add(store.GetReceipt(suite.Hash(tx.Span))
                ?? throw new StoreException($"receipt of a transaction in head block {block.Height} is missing: the store is corrupt"));
        }
        return new ChainTip(block.Height, block.Hash, block.Header.TimestampMs, head.Certificate, store.StateRoot, ReceiptsRootOf(suite, receipts));
    }
}

/// <summary>
/// The last committed block, read by everyone (API, peers, sync, consensus) and advanced by the block committer alone,
/// which is created inside the execution pipeline: the single writer to the store holds the only way to move it.
/// </summary>
public sealed class ChainHead(ChainTip tip)
{
    private volatile ChainTip _tip = tip;

    public ChainTip Tip => _tip;

    public ulong Height => _tip.Height;

    internal void Advance(ChainTip tip) => _tip = tip;
}

/// <summary>What this node computed by executing a block (committed, or pending and executed ahead).</summary>
public interface IExecutedResults
{
    /// <summary>The state and receipts roots after <paramref name="blockHash"/>, if this node has computed them.</summary>
    bool TryGetResults(Hash32 blockHash, out Hash32 stateRoot, out Hash32 receiptsRoot);
}
