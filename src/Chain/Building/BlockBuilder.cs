using Google.Protobuf;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Building;

/// <summary>
/// Builds the leader's block for a round: waits for the parent's execution results (its header carries them), waits for
/// transactions up to the empty-block interval when there is nothing to propose, reaps the mempool and fits what it
/// reaped to the branch being extended. The built block is accepted into the pipeline (pending, in flight, executed
/// ahead) before the engine is told.
/// </summary>
/// <remarks>
/// The limits (transactions, bytes and gas per block, bytes and gas per transaction) and the empty-block interval are
/// those of the block's epoch (<see cref="ValidatorSchedule.ParametersAt"/>): the committee may change them.
/// </remarks>
public sealed class BlockBuilder(GenesisFile genesis, TransactionPool pool, PendingBlocks pending, ExecutionPipeline execution, ChainHead head,
    IChainReader store, TimeProvider time, ILogger<BlockBuilder> logger, ValidatorSchedule schedule, EvidencePool? evidence = null)
{

    /// <summary>
    /// The block the engine asked for, or null when it could not be built in time (the parent's results did not arrive)
    /// or is no longer wanted (<paramref name="stillWanted"/> turned false while waiting, e.g. the round moved on).
    /// </summary>
    public async Task<PendingBlock?> BuildAsync(BuildBlock build, Func<bool> stillWanted)
    {
        var limits = schedule.ParametersAt(build.Height);
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(limits.EmptyBlockIntervalMs + 1_000), time);
        try
        {
            var parent = await execution.ResultsOfAsync(build.ParentHash, giveUp.Token).ConfigureAwait(false);
            if (!build.EpochSuffix && !PendingChainHasTransactions(build.ParentHash) && pool.ReadyCount == 0)
            {
                await WaitForTransactionsAsync(parent, limits.EmptyBlockIntervalMs, giveUp.Token).ConfigureAwait(false);
            }
            if (!stillWanted())
            {
                return null;
            }
            var transactions = build.EpochSuffix
                ? []
                : FitToBranch(pool.ReapForBlock(new BlockLimits(limits.MaxBlockTxs, limits.MaxBlockBytes, limits.BlockGasLimit, limits.MaxTxBytes), build.Height),
                    build.ParentHash);
            logger.LogDebug("building height {Height} in round {Round} with {Count} transactions ({Ready} ready of {Pool} in the mempool)",
                build.Height, build.Round, transactions.Count, pool.ReadyCount, pool.Count);
            // Evidence the governance record has not taken yet (a suffix block carries none).
            IReadOnlyList<EquivocationEvidence> proof = build.EpochSuffix || evidence is null ? [] : evidence.ForBlock(build.Epoch, Recorded);
            var header = HeaderOf(build, parent, transactions);
            header.EvidenceRoot = EvidencePool.RootOf(genesis.Suite, proof);
            var sealedBlock = new SealedBlock(header, transactions.Select(t => t.Encoded), genesis.Suite);
            sealedBlock.Block.Evidence.AddRange(proof);
            if (proof.Count > 0 && Governance.GovernanceReader.Registry(store) is null)
            {
                // Nothing records evidence on a chain without governance: carried once, in this block.
                evidence!.Forget(proof);
            }
            var block = new PendingBlock(sealedBlock, transactions);
            execution.Accept(block);
            return block;
        }
        catch (OperationCanceledException)
        {
            logger.LogDebug("gave up building the block of round {Round}: the parent's execution result did not arrive in time", build.Round);
            return null;
        }
        catch (Exception ex) when (execution.Fatal is not null)
        {
            logger.LogDebug(ex, "not building: execution failed");
            return null;
        }
    }

    /// <summary>
    /// Nothing to commit and nothing waiting: propose when a transaction arrives, or an empty block when the interval
    /// since the parent has passed, whichever comes first.
    /// </summary>
    private async Task WaitForTransactionsAsync(ChainTip parent, int emptyBlockIntervalMs, CancellationToken giveUp)
    {
        var nowMs = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        var dueMs = parent.TimestampMs + (ulong)emptyBlockIntervalMs;
        if (dueMs <= nowMs)
        {
            return;
        }
        using var interval = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Min(dueMs - nowMs, (ulong)emptyBlockIntervalMs)), time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(giveUp, interval.Token);
        try
        {
            await pool.WaitForTransactionsAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!giveUp.IsCancellationRequested)
        {
            // The empty-block interval elapsed.
        }
    }

    /// <summary>Whether the governance record at the committed head already holds this evidence (by validator, epoch and round).</summary>
    private bool Recorded(EquivocationEvidence item) =>
        Governance.GovernanceReader.Registry(store) is { } registry && Core.Consensus.EvidenceFacts.Of(item) is { } facts &&
        Governance.GovernanceRules.EvidenceStatus(registry, facts, head.Height + 1).Recorded;

    private BlockHeader HeaderOf(BuildBlock build, ChainTip parent, List<VerifiedTransaction> transactions)
    {
        var txIds = transactions.Select(t => t.Id).ToList();
        var setHash = build.ValidatorSetHash.ToByteString();
        return new BlockHeader
        {
            ChainId = genesis.ChainId,
            Epoch = build.Epoch,
            Height = build.Height,
            Round = build.Round,
            ParentHash = build.ParentHash.ToByteString(),
            Proposer = build.Proposer.ToByteString(),
            TimestampMs = Math.Max((ulong)time.GetUtcNow().ToUnixTimeMilliseconds(), parent.TimestampMs + 1),
            TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(genesis.Suite, txIds).ToArray()),
            StateRootOfParent = parent.StateRoot.ToByteString(),
            ReceiptsRootOfParent = parent.ReceiptsRoot.ToByteString(),
            ValidatorSetHash = setHash,
            NextValidatorSetHash = build.NextSetHash.ToByteString(),
            ParentQc = build.ParentQc.Round == 0 ? null : build.ParentQc,
        };
    }

    /// <summary>
    /// Fits the reaped transactions to the branch being extended: leaves out what the parent chain already carries or
    /// what committed meanwhile (a transaction gossiped after the block holding it was seen), and keeps, per sender,
    /// only the run of nonces that continues the sender's nonce on this branch. The mempool does not know branches: a
    /// pending block of a branch that lost still holds some nonces in flight, and proposing the nonces after them would
    /// fail those transactions for good. What is left out here goes back to the proposable set.
    /// </summary>
    internal List<VerifiedTransaction> FitToBranch(List<VerifiedTransaction> reaped, Hash32 parentHash)
    {
        var committedHeight = head.Height;
        var inChain = new HashSet<Hash32>();
        var nextNonce = new Dictionary<Address, ulong>();
        for (var cursor = parentHash; pending.TryGet(cursor, out var block) && block.Height > committedHeight; cursor = block.ParentHash)
        {
            foreach (var tx in block.Transactions)
            {
                inChain.Add(tx.Id);
                if (!nextNonce.TryGetValue(tx.Sender, out var next) || tx.Nonce + 1 > next)
                {
                    nextNonce[tx.Sender] = tx.Nonce + 1;
                }
            }
        }
        var kept = new List<VerifiedTransaction>(reaped.Count);
        List<Hash32>? released = null;
        foreach (var tx in reaped)
        {
            if (inChain.Contains(tx.Id) || store.ContainsTransaction(tx.Id))
            {
                continue;
            }
            if (!nextNonce.TryGetValue(tx.Sender, out var expected))
            {
                expected = store.GetAccount(tx.Sender).Nonce;
            }
            if (tx.Nonce == expected)
            {
                kept.Add(tx);
                nextNonce[tx.Sender] = expected + 1;
            }
            else
            {
                (released ??= []).Add(tx.Id);
            }
        }
        if (released is not null)
        {
            pool.Release(released);
        }
        return kept;
    }

    private bool PendingChainHasTransactions(Hash32 hash)
    {
        var committedHeight = head.Height;
        for (var cursor = hash; pending.TryGet(cursor, out var block); cursor = block.ParentHash)
        {
            if (block.Height <= committedHeight)
            {
                break;
            }
            if (block.Transactions.Count > 0)
            {
                return true;
            }
        }
        return false;
    }
}
