using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Chain.Execution;

/// <summary>
/// The commit step: runs a block whose order is final (unless its speculative result is reused), writes it with its
/// certificate, receipts and state diff in one synced batch, advances the head, then tells the mempool, the metrics and
/// the feed. Created by <see cref="ExecutionPipeline"/> and called on its worker only: the single writer to the store.
/// </summary>
internal sealed class BlockCommitter(ChainStore store, ChainHead head, BlockExecutor executor, TransactionPool pool, ChainFeed feed,
    NodeMetrics metrics, CryptoSuite suite, TimeProvider time, ILogger logger)
{
    public ChainTip Tip => head.Tip;

    /// <summary>
    /// What a block executes in: height, hash, time, proposer, and the hashes of its ancestors for BLOCKHASH (read from
    /// <paramref name="ancestors"/>, else from the committed chain, which is the ancestry of the block being committed).
    /// </summary>
    public Vm.Evm.BlockContext ContextOf(SealedBlock block, Vm.Evm.IBlockHashProvider? ancestors = null) =>
        executor.ContextFor(block.Height, block.Hash, block.Header.TimestampMs, new Address(block.Header.Proposer.Span), ancestors ?? new StoreBlockHashes(store, suite));

    /// <summary>
    /// Executes (unless <paramref name="executed"/> holds this block's result, computed on exactly the committed head as
    /// its parent state) and commits a block whose order is final, with <paramref name="epochEnd"/> when it ends an epoch.
    /// </summary>
    public void Commit(SealedBlock block, IReadOnlyList<VerifiedTransaction> transactions, QuorumCertificate certificate, ExecutionResult? executed,
        EpochEndCommit? epochEnd = null)
    {
        BlockValidator.CheckParentResults(block, head.Tip);
        var result = executed ?? executor.Execute(store, ContextOf(block), transactions, block.Block.Evidence);
        store.Commit(block, certificate, result.Receipts, result.StateDiff, result.Contracts, epochEnd);

        var txIds = new Hash32[transactions.Count];
        for (var i = 0; i < txIds.Length; i++)
        {
            txIds[i] = transactions[i].Id;
        }
        head.Advance(new ChainTip(block.Height, block.Hash, block.Header.TimestampMs, certificate, store.StateRoot, ReceiptsRoot(result.Receipts)));
        metrics.BlockCommitted(block.Header.TimestampMs, transactions.Count);
        pool.OnBlockCommitted(transactions, block.Height);
        feed.Publish(new CommittedBlockInfo(block, certificate, txIds, result.Receipts, (ulong)time.GetUtcNow().ToUnixTimeMilliseconds()));
        if (transactions.Count > 0)
        {
            logger.LogDebug("committed block {Height} with {Count} transactions", block.Height, transactions.Count);
        }
    }

    /// <summary>Keeps the record of an epoch's last block committed earlier without one (see <see cref="ChainStore.AddEpochEnd"/>).</summary>
    public void KeepEpochEnd(SealedBlock block, EpochEndCommit epochEnd)
    {
        if (store.AddEpochEnd(block, epochEnd))
        {
            logger.LogInformation("kept the record of the end of epoch {Epoch} at height {Height}, committed before without it", epochEnd.Epoch, epochEnd.Height);
        }
    }

    public Hash32 ReceiptsRoot(IReadOnlyList<Receipt> receipts) => ChainTip.ReceiptsRootOf(suite, receipts);
}
