using ShanghaiChain.Chain.Building;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Consensus;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// Runs the BFT engine (<see cref="ConsensusCore"/>) for this validator: one loop feeds it the events of the
/// <see cref="ConsensusInbox"/> and translates its actions: send and broadcast (<see cref="PeerNetwork"/>), save the
/// safety record before anything it covers leaves (<see cref="ValidatorEngine"/>), set the round timer, build a block
/// (<see cref="BlockBuilder"/>), fetch one (<see cref="BlockFetcher"/>), commit (<see cref="ExecutionPipeline"/>). A
/// chain with one validator is simply n = 1. Before the engine starts, and whenever the network is far ahead, the node
/// first catches up by block sync (docs/consensus.md, "Node integration").
/// </summary>
public sealed class ConsensusDriver(ConsensusInbox inbox, ValidatorEngine engines, PeerNetwork network, ExecutionPipeline execution, BlockFetcher fetcher,
    BlockBuilder builder, BlockSync sync, EvidencePool evidencePool, NodeMetrics metrics, NodeStopper stopper, ILogger<ConsensusDriver> logger) : BackgroundService
{
    private ConsensusCore _engine = null!;
    private ITimer? _timer;
    private long _round;
    private EpochEnded? _ended;
    private bool _changeFed;

    /// <summary>The engine's current round (for status and metrics).</summary>
    public ulong Round => (ulong)Interlocked.Read(ref _round);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await engines.WaitForHostAsync(stoppingToken).ConfigureAwait(false);
            // One pass per engine: catch up, then run an engine for the epoch in force, until the epoch ends, the node
            // falls behind, or the key is not in the set (then follow the chain until the committee adds it).
            var first = true;
            while (!stoppingToken.IsCancellationRequested)
            {
                await engines.CatchUpAsync(stoppingToken).ConfigureAwait(false);
                if (!engines.IsValidatorNow)
                {
                    await FollowUntilValidatorAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }
                if (!first)
                {
                    // Speculative results of the last engine's uncommitted blocks are dropped with it.
                    await execution.ResetAsync().ConfigureAwait(false);
                }
                first = false;
                await StartEngineAsync(stoppingToken).ConfigureAwait(false);
                await RunEngineAsync(stoppingToken).ConfigureAwait(false);
                _timer?.Dispose();
                if (_ended is { } ended)
                {
                    _ended = null;
                    // The next epoch's engine starts from the last block of this one, once the store has it.
                    await engines.WaitForCommittedAsync(ended.LastHeight, stoppingToken).ConfigureAwait(false);
                    logger.LogInformation("epoch {Epoch} begins after height {Height} with {Count} validator(s)",
                        ended.NextEpoch, ended.LastHeight, ended.NextValidators.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex) when (DiskSpace.IsFull(ex))
        {
            // Nothing more is written (no vote leaves without its safety record): a clean shutdown, one clear line.
            stopper.StopOnFullDisk(ex);
        }
        finally
        {
            _timer?.Dispose();
        }
    }

    /// <summary>Feeds the engine until its epoch ends or the node must catch up first.</summary>
    private async Task RunEngineAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await inbox.ReadAsync(stoppingToken).ConfigureAwait(false) is { } ev)
            {
                await ProcessAsync(ev, stoppingToken).ConfigureAwait(false);
            }
            if (execution.Fatal is { } fatal)
            {
                throw new InvalidOperationException($"committing a block failed: {fatal.Message}", fatal);
            }
            // A validator-set change the committee decided, as the governance record has it: once per engine.
            if (!_changeFed && engines.ScheduledChange(inbox.NowMs) is { } change)
            {
                _changeFed = true;
                await ProcessAsync(change, stoppingToken).ConfigureAwait(false);
            }
            if (_ended is not null || inbox.TakeCatchUpRequest())
            {
                return;
            }
        }
    }

    /// <summary>Follows the chain by block sync while this key is not in the set in force; ready to sign when it is.</summary>
    private async Task FollowUntilValidatorAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("this node's validator key is not in the current set: following the chain until the committee adds it");
        using var follow = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var following = sync.FollowAsync(follow.Token);
        while (!stoppingToken.IsCancellationRequested && !following.IsCompleted)
        {
            await engines.PrepareToJoinAsync(stoppingToken).ConfigureAwait(false);
            if (engines.IsValidatorNow)
            {
                break;
            }
            await Task.Delay(100, stoppingToken).ConfigureAwait(false);
        }
        await follow.CancelAsync().ConfigureAwait(false);
        try
        {
            await following.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Following ended because the node now validates (or stops).
        }
    }

    private async Task StartEngineAsync(CancellationToken cancellationToken)
    {
        _engine = engines.Create();
        _changeFed = false;
        Interlocked.Exchange(ref _round, (long)_engine.Round);
        await ProcessAsync(new Started(inbox.NowMs), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands one event to the engine and carries out its actions, and the actions of the events they lead to.</summary>
    private async Task ProcessAsync(ConsensusEvent first, CancellationToken cancellationToken)
    {
        var queue = new Queue<ConsensusEvent>();
        queue.Enqueue(first);
        var roundBefore = _engine.Round;
        while (queue.TryDequeue(out var ev))
        {
            if (ev is TimerFired { Round: > 0 } fired && fired.Round == _engine.Round)
            {
                logger.LogDebug("round {Round} timed out", fired.Round);
            }
            foreach (var action in _engine.Handle(ev))
            {
                await ExecuteAsync(action, queue, cancellationToken).ConfigureAwait(false);
            }
        }
        if (_engine.Round != roundBefore)
        {
            logger.LogDebug("entered round {Round}", _engine.Round);
        }
        Interlocked.Exchange(ref _round, (long)_engine.Round);
    }

    private async ValueTask ExecuteAsync(ConsensusAction action, Queue<ConsensusEvent> followUps, CancellationToken cancellationToken)
    {
        switch (action)
        {
            case BroadcastMessage broadcast:
                network.Broadcast(new PeerMessage { Consensus = broadcast.Message });
                break;
            case SendMessage send:
                network.SendToValidator(engines.Validators[send.Validator].Address, new PeerMessage { Consensus = send.Message });
                break;
            case SaveSafetyRecord save:
                // On the loop, awaited: nothing the record covers may leave before it is durable, and the engine sends
                // only after it hears SafetyRecordSaved.
                await engines.SaveAsync(save.Record, cancellationToken).ConfigureAwait(false);
                followUps.Enqueue(new SafetyRecordSaved(inbox.NowMs, save.Sequence));
                break;
            case SetTimer timer:
                _timer?.Dispose();
                _timer = inbox.Schedule(timer.Round, timer.DeadlineMs);
                break;
            case CommitBlocks commit:
                Commit(commit);
                break;
            case FetchBlock fetch:
                if (fetcher.Fetch(fetch.BlockHash) is { } available)
                {
                    followUps.Enqueue(available);
                }
                break;
            case BuildBlock build:
                _ = BuildAsync(build);
                break;
            case EvidenceFound evidence:
                logger.LogWarning("equivocation by validator {Index} ({Address}): {Kind}", evidence.Validator,
                    engines.Validators[evidence.Validator].Address, evidence.Evidence.KindCase);
                metrics.EvidenceFound();
                // The next blocks this node leads carry it, until the governance record holds it.
                evidencePool.Add(evidence.Evidence);
                network.Broadcast(new PeerMessage { Consensus = new ConsensusMessage { Evidence = evidence.Evidence } });
                break;
            case ValidatorSetChangeRefused refused:
                logger.LogWarning("validator-set change at height {Height} refused: {Verdict}", refused.CommittedHeight, refused.Verdict);
                break;
            case ValidatorSetChangeScheduled scheduled:
                logger.LogInformation("validator-set change scheduled after height {Height} (epoch {Epoch})", scheduled.LastHeight, scheduled.NextEpoch);
                break;
            case EpochEnded ended:
                logger.LogInformation("epoch ended at height {Height}: epoch {Epoch} follows with {Count} validator(s)",
                    ended.LastHeight, ended.NextEpoch, ended.NextValidators.Count);
                _ended = ended;
                break;
        }
    }

    private void Commit(CommitBlocks commit)
    {
        var blocks = new List<(PendingBlock, QuorumCertificate)>(commit.Blocks.Count);
        foreach (var committed in commit.Blocks)
        {
            var hash = engines.Suite.Hash(committed.Block.Header.Span);
            blocks.Add((fetcher.Resolve(hash, committed.Block), committed.Certificate));
        }
        // The engine attaches the record that commits an epoch's last block to that block, always the batch's last.
        _ = execution.CommitAsync(blocks, commit.Blocks[^1].EpochEnd).ContinueWith(t =>
        {
            if (t.IsFaulted && DiskSpace.IsFull(t.Exception))
            {
                // The loop stops the node with the disk-full message when it sees the failure.
                inbox.Wake();
            }
            else if (t.IsFaulted)
            {
                logger.LogCritical(t.Exception!.InnerException, "committing a block failed; stopping the node");
                // Wake the loop so it sees the failure and stops.
                inbox.Wake();
            }
        }, TaskScheduler.Default);
    }

    private async Task BuildAsync(BuildBlock build)
    {
        if (await builder.BuildAsync(build, () => Round <= build.Round).ConfigureAwait(false) is { } block)
        {
            inbox.Post(new BlockBuilt(inbox.NowMs, build.Round, block.HeaderBytes, block.TransactionBytes, block.Block.Block.Evidence));
        }
    }
}
