using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Mempool;
using ShanghaiChain.Node.Observability;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Node.Pipeline;

/// <summary>
/// What a new block extends: the parent's height, hash, timestamp and certificate, and the results of executing
/// it (state root and receipts root), which the new block's header carries.
/// </summary>
public sealed record ChainTip(ulong Height, Hash32 Hash, ulong TimestampMs, QuorumCertificate? Certificate, Hash32 StateRoot, Hash32 ReceiptsRoot);

/// <summary>
/// The execute and commit steps of the pipeline: runs a block whose order is final, writes it with its
/// certificate, receipts and state diff in one synced batch, then tells the mempool and the feed. Whoever
/// decides the order (the BFT engine through the execution pipeline, block sync) hands blocks to this one place.
/// </summary>
public sealed class BlockCommitter
{
    private readonly ChainStore _store;
    private readonly BlockExecutor _executor;
    private readonly TransactionPool _pool;
    private readonly ChainFeed _feed;
    private readonly CryptoSuite _suite;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NodeMetrics _metrics;

    public BlockCommitter(ChainStore store, BlockExecutor executor, TransactionPool pool, ChainFeed feed, CryptoSuite suite,
        TimeProvider time, NodeMetrics metrics, ILogger<BlockCommitter> logger)
    {
        _metrics = metrics;
        _store = store;
        _executor = executor;
        _pool = pool;
        _feed = feed;
        _suite = suite;
        _time = time;
        _logger = logger;
        Tip = LoadTip();
        metrics.ObserveHeight(() => (long)Tip.Height);
    }

    /// <summary>The last committed block, as the next block must extend it.</summary>
    public ChainTip Tip { get; private set; }

    public long CommittedTransactions { get; private set; }

    /// <summary>
    /// What a block executes in: height, hash, time, proposer, and the hashes of its ancestors for BLOCKHASH (read from
    /// <paramref name="ancestors"/>, else from the committed chain, which is the ancestry of the block being committed).
    /// </summary>
    public Vm.Evm.BlockContext ContextOf(SealedBlock block, Vm.Evm.IBlockHashProvider? ancestors = null) =>
        _executor.ContextFor(block.Height, block.Hash, block.Header.TimestampMs, new Address(block.Header.Proposer.Span), ancestors ?? new StoreBlockHashes(_store, _suite));

    /// <summary>
    /// Executes (unless <paramref name="executed"/> holds this block's result, computed on exactly the committed head as
    /// its parent state) and commits a block whose order is final.
    /// </summary>
    public void Commit(SealedBlock block, IReadOnlyList<VerifiedTransaction> transactions, QuorumCertificate certificate, ExecutionResult? executed = null)
    {
        CheckParentResults(block);
        var context = ContextOf(block);
        var result = executed ?? _executor.Execute(_store, context, transactions);
        _store.Commit(block, certificate, result.Receipts, result.StateDiff, result.Contracts);

        var txIds = new Hash32[transactions.Count];
        for (var i = 0; i < txIds.Length; i++)
        {
            txIds[i] = transactions[i].Id;
        }
        Tip = new ChainTip(block.Height, block.Hash, block.Header.TimestampMs, certificate, _store.StateRoot, ReceiptsRoot(result.Receipts));
        CommittedTransactions += transactions.Count;
        _metrics.BlockCommitted(block.Header.TimestampMs, transactions.Count);
        _pool.OnBlockCommitted(transactions, block.Height);
        _feed.Publish(new CommittedBlockInfo(block, certificate, txIds, result.Receipts, (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds()));
        if (transactions.Count > 0)
        {
            _logger.LogDebug("committed block {Height} with {Count} transactions", block.Height, transactions.Count);
        }
    }

    /// <summary>
    /// A block carries the state and receipts roots of executing its parent. If they differ from this node's, the
    /// node's execution disagrees with the block's proposer: it stops rather than fork silently.
    /// </summary>
    private void CheckParentResults(SealedBlock block)
    {
        var tip = Tip;
        if (!block.Header.StateRootOfParent.Span.SequenceEqual(tip.StateRoot.ToArray()) ||
            !block.Header.ReceiptsRootOfParent.Span.SequenceEqual(tip.ReceiptsRoot.ToArray()))
        {
            throw new StateDivergenceException(
                $"block {block.Height} says executing block {tip.Height} gives state root {Hex.Encode(block.Header.StateRootOfParent.Span)} " +
                $"and receipts root {Hex.Encode(block.Header.ReceiptsRootOfParent.Span)}; this node computed {tip.StateRoot} and {tip.ReceiptsRoot}. " +
                "Stopping instead of forking: compare this node's version and data dir with the other validators'.");
        }
    }

    public Hash32 ReceiptsRoot(IReadOnlyList<Receipt> receipts)
    {
        var hashes = new Hash32[receipts.Count];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = _suite.Hash(Google.Protobuf.MessageExtensions.ToByteArray(receipts[i]));
        }
        return BinaryMerkleTree.ComputeRoot(_suite, hashes);
    }

    private ChainTip LoadTip()
    {
        if (_store.HeadHeight == 0)
        {
            return new ChainTip(0, _store.GenesisHash, 0, null, _store.StateRoot, BinaryMerkleTree.ComputeRoot(_suite, []));
        }
        var head = _store.GetCommittedBlock(_store.HeadHeight)!;
        var block = new SealedBlock(head.Block, _suite);
        var receipts = new List<Receipt>(head.Block.Transactions.Count);
        foreach (var tx in head.Block.Transactions)
        {
            receipts.Add(_store.GetReceipt(_suite.Hash(tx.Span))
                ?? throw new StoreException($"receipt of a transaction in head block {block.Height} is missing: the store is corrupt"));
        }
        return new ChainTip(block.Height, block.Hash, block.Header.TimestampMs, head.Certificate, _store.StateRoot, ReceiptsRoot(receipts));
    }
}

/// <summary>This node's execution result differs from what a block's proposer committed to: continuing would fork.</summary>
public sealed class StateDivergenceException(string message) : Exception(message);
