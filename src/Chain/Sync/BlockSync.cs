using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Core.Genesis;

namespace ShanghaiChain.Chain.Sync;

/// <summary>
/// Catch-up, the one way a node takes committed blocks from others: a validator before its engine starts and whenever it
/// falls behind (<see cref="CatchUpAsync"/>), a node without a validator key all the time (<see cref="FollowAsync"/>).
/// Every block is verified by <see cref="BlockValidator.VerifyCommitted"/> against the head it must extend, then
/// committed through the execution pipeline (whose committer checks the parent's roots). A source that fails or sends
/// anything invalid is told, and the next one is tried.
/// </summary>
public sealed class BlockSync(GenesisFile genesis, BlockValidator validator, ExecutionPipeline execution, ChainHead head, SyncState sync,
    IBlockSources sources, TimeProvider time, ILogger<BlockSync> logger)
{
    /// <summary>Blocks asked of one source per catch-up call.</summary>
    public const uint CatchUpBatch = 1024;

    /// <summary>Verified blocks queued for commit before the stream is read further (bounds memory on a long sync).</summary>
    public const int MaxCommitsInFlight = 64;

    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(3);

    private readonly byte[] _genesisHash = genesis.ComputeHash().ToArray();

    /// <summary>
    /// Fetches committed blocks until this node is within one block of the best head its sources report (or none is
    /// ahead, or none answers); returns how many blocks were committed.
    /// </summary>
    public async Task<ulong> CatchUpAsync(CancellationToken cancellationToken)
    {
        var all = sources.Sources;
        if (all.Count == 0)
        {
            return 0;
        }
        var started = time.GetTimestamp();
        var from = head.Height;
        for (var pass = 0; pass < 100 && !cancellationToken.IsCancellationRequested; pass++)
        {
            var progressed = false;
            foreach (var source in all)
            {
                try
                {
                    progressed |= await PullAsync(source, follow: false, cancellationToken).ConfigureAwait(false);
                }
                catch (BlockSourceException ex)
                {
                    // Unreachable or behind: normal while peers start or restart; the next source is tried.
                    source.Failed(ex);
                    logger.LogDebug("catch-up from {Source} failed: {Reason}", source.Name, ex.Message);
                }
                catch (InvalidDataException ex)
                {
                    // A block this node refuses: worth seeing when a validator stops committing.
                    source.Failed(ex);
                    logger.LogInformation("catch-up from {Source} refused a block: {Reason}", source.Name, ex.Message);
                }
            }
            if (!progressed)
            {
                break;
            }
        }
        var caught = head.Height - from;
        if (caught > 0)
        {
            var seconds = Math.Max(time.GetElapsedTime(started).TotalSeconds, 0.001);
            logger.LogInformation("caught up {Blocks} blocks to height {Height} in {Seconds:F1} s ({Rate:F0} blocks/s)",
                caught, head.Height, seconds, caught / seconds);
        }
        return caught;
    }

    /// <summary>
    /// Takes every block <paramref name="source"/> has past this node's head (an archive being imported, or the node's
    /// own store being replayed by a rollback), verified and committed exactly as in a catch-up; returns how many blocks
    /// were committed. Unlike a catch-up, nothing is retried or skipped: the first failure (a block that does not verify,
    /// a parent root that differs, a source that breaks off) is thrown, with every block before it committed.
    /// </summary>
    public async Task<ulong> ImportAsync(IBlockSource source, CancellationToken cancellationToken)
    {
        var from = head.Height;
        await PullAsync(source, follow: false, cancellationToken, whole: true).ConfigureAwait(false);
        return head.Height - from;
    }

    /// <summary>Follows the chain from the sources in turn until cancelled, retrying with capped backoff.</summary>
    public async Task FollowAsync(CancellationToken cancellationToken)
    {
        var all = sources.Sources;
        if (all.Count == 0)
        {
            logger.LogWarning("this node has no validator key and no peers: it will not advance (set p2p.peers)");
            return;
        }
        var backoff = new CappedBackoff();
        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            var source = all[attempt % all.Count];
            try
            {
                await PullAsync(source, follow: true, cancellationToken).ConfigureAwait(false);
                backoff.Reset();
            }
            catch (Exception ex) when (ex is BlockSourceException or InvalidDataException)
            {
                source.Failed(ex);
                logger.LogWarning("sync from {Source} stopped: {Reason}", source.Name, ex.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(backoff.Next(), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Takes what one source has past this node's head; true if anything was committed. A catch-up stops a block short of
    /// the source's head (consensus delivers that one) and asks in batches; <paramref name="whole"/> takes everything.
    /// </summary>
    private async Task<bool> PullAsync(IBlockSource source, bool follow, CancellationToken cancellationToken, bool whole = false)
    {
        BlockSourceStatus status;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(StatusTimeout);
            try
            {
                status = await source.GetStatusAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BlockSourceException($"{source.Name} did not report its status within {StatusTimeout.TotalSeconds:F0} s");
            }
        }
        if (status.IsSelf)
        {
            return false;
        }
        if (status.ChainId != genesis.ChainId || !status.GenesisHash.Span.SequenceEqual(_genesisHash))
        {
            throw new BlockSourceException($"{source.Name} is on chain '{status.ChainId}' with another genesis");
        }
        // Unverified until blocks arrive: a claim expires unless repeated, and is withdrawn below if the source does not deliver.
        sync.ObservePeerClaim(status.HeadHeight);
        if (!follow && status.HeadHeight <= head.Height + (whole ? 0UL : 1UL))
        {
            return false;
        }
        var tip = head.Tip;
        if (follow)
        {
            logger.LogInformation("following {Source} from height {Height} (its head {SourceHead})", source.Name, tip.Height + 1, status.HeadHeight);
        }
        var progressed = false;
        var commits = new Queue<Task>();
        uint received = 0;
        try
        {
            await foreach (var committed in source.GetBlocksAsync(tip.Height + 1, follow || whole ? 0 : CatchUpBatch, follow, cancellationToken).ConfigureAwait(false))
            {
                if (commits.Count > 0 && !validator.KnowsEpochOf(committed))
                {
                    // A new epoch: its set is in the state the blocks in flight are still executing.
                    while (commits.TryDequeue(out var inFlight))
                    {
                        await inFlight.ConfigureAwait(false);
                    }
                }
                var block = validator.VerifyCommitted(committed, tip, source.Name);
                commits.Enqueue(execution.CommitAsync([(block, committed.Certificate)], committed.EpochEnd));
                // The next block extends this one; its parent roots are checked when it commits.
                tip = new ChainTip(block.Height, block.Hash, block.Block.Header.TimestampMs, committed.Certificate, default, default);
                progressed = true;
                received++;
                sync.ObserveCertifiedHeight(block.Height);
                if (block.Height < status.HeadHeight)
                {
                    // A source delivering verified blocks towards the head it claimed keeps its claim alive (a follower's
                    // stream of a long chain outlasts the claim's lifetime).
                    sync.ObservePeerClaim(status.HeadHeight);
                }
                while (commits.Count > MaxCommitsInFlight || (commits.TryPeek(out var oldest) && oldest.IsCompleted))
                {
                    await commits.Dequeue().ConfigureAwait(false);
                }
            }
        }
        catch (Exception) when (whole)
        {
            // An import reports the head it reached: the verified blocks already handed to the pipeline land first (a
            // failure among them is the earlier one, and is thrown instead).
            while (commits.TryDequeue(out var inFlight))
            {
                await inFlight.ConfigureAwait(false);
            }
            throw;
        }
        while (commits.TryDequeue(out var commit))
        {
            await commit.ConfigureAwait(false);
        }
        if ((follow || received < CatchUpBatch) && head.Height + 1 < status.HeadHeight)
        {
            // The stream ended short of the head the source claimed (and not at the batch limit): the claim was not
            // true, or no longer is; it no longer makes this node "syncing".
            sync.WithdrawPeerClaim(status.HeadHeight);
        }
        return progressed;
    }
}
