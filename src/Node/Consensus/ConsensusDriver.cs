using ShanghaiChain.Chain.Building;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Consensus;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Node.Peers;
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
    BlockBuilder builder, NodeMetrics metrics, ILogger<ConsensusDriver> logger) : BackgroundService
{
    private ConsensusCore _engine = null!;
    private ITimer? _timer;
    private long _round;

    /// <summary>The engine's current round (for status and metrics).</summary>
    public ulong Round => (ulong)Interlocked.Read(ref _round);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await engines.WaitForHostAsync(stoppingToken).ConfigureAwait(false);
            await engines.CatchUpAsync(stoppingToken).ConfigureAwait(false);
            await StartEngineAsync(stoppingToken).ConfigureAwait(false);
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
                if (inbox.TakeCatchUpRequest())
                {
                    _timer?.Dispose();
                    await engines.CatchUpAsync(stoppingToken).ConfigureAwait(false);
                    await execution.ResetAsync().ConfigureAwait(false);
                    await StartEngineAsync(stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _timer?.Dispose();
        }
    }

    private async Task StartEngineAsync(CancellationToken cancellationToken)
    {
        _engine = engines.Create();
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
                network.Broadcast(new PeerMessage { Consensus = new ConsensusMessage { Evidence = evidence.Evidence } });
                break;
            case ValidatorSetChangeRefused refused:
                logger.LogWarning("validator-set change at height {Height} refused: {Verdict}", refused.CommittedHeight, refused.Verdict);
                break;
            case ValidatorSetChangeScheduled scheduled:
                logger.LogInformation("validator-set change scheduled after height {Height} (epoch {Epoch})", scheduled.LastHeight, scheduled.NextEpoch);
                break;
            case EpochEnded ended:
                logger.LogWarning("epoch ended at height {Height}; epoch changes need governance, which this version does not run", ended.LastHeight);
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
        _ = execution.CommitAsync(blocks).ContinueWith(t =>
        {
            if (t.IsFaulted)
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
            inbox.Post(new BlockBuilt(inbox.NowMs, build.Round, block.HeaderBytes, block.TransactionBytes));
        }
    }
}
