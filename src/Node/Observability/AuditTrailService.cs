using System.Threading.Channels;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Governance;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Observability;

/// <summary>
/// Keeps the regulators' audit trail (<see cref="AuditLog"/>) on a governed chain: from every committed block, in
/// height order and resuming after the last block recorded, the governance contract's events (proposals, votes,
/// decisions, scheduled epochs), the equivocation evidence the block carries, and the transactions execution refused by
/// the roles rule; and, as they happen, the transactions this node's admission refused by that rule
/// (<see cref="Refused"/>, fed by the mempool). Refusals at admission are deduplicated by transaction id over the recent
/// past and bounded: a flood of refused submissions cannot grow the trail faster than <see cref="RefusalBuffer"/> per
/// write, and what does not fit is counted and logged, not kept.
/// </summary>
public sealed class AuditTrailService(AuditLog audit, ChainFeed feed, IChainReader store, CryptoSuite suite, TimeProvider time,
    ILogger<AuditTrailService> logger) : BackgroundService
{
    public const int RefusalBuffer = 4_096;

    // Blocks without events move the recorded height at most this often (a restart rescans them, finding nothing new).
    private const ulong CursorEvery = 128;
    private const int FollowBuffer = 1_024;

    private readonly Channel<AuditEvent> _refusals = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(RefusalBuffer) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly RecentIds _recentRefusals = new(RefusalBuffer);
    private long _dropped;

    /// <summary>A transaction the roles rule refused at admission (thread-safe, never blocks).</summary>
    public void Refused(VerifiedTransaction tx, string reason)
    {
        if (!_recentRefusals.Add(tx.Id))
        {
            return;
        }
        var refusal = new AuditEvent
        {
            Kind = AuditKind.RefusedAtAdmission,
            TimeMs = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds(),
            Account = tx.Sender.ToByteString(),
            TxId = tx.Id.ToByteString(),
            Detail = reason,
        };
        if (!_refusals.Writer.TryWrite(refusal))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var refusals = RecordRefusalsAsync(stoppingToken);
        try
        {
            await RecordBlocksAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await refusals.ConfigureAwait(false);
    }

    /// <summary>
    /// The first block the trail records: the one after the last recorded, but never below the store's base (a node
    /// started from a snapshot of height h holds blocks from h on; below it there is nothing to read).
    /// </summary>
    public static ulong FirstHeightToRecord(ulong auditedHeight, ulong baseHeight) => Math.Max(auditedHeight + 1, Math.Max(baseHeight, 1));

    private async Task RecordBlocksAsync(CancellationToken stoppingToken)
    {
        var first = FirstHeightToRecord(audit.AuditedHeight, store.BaseHeight);
        if (first > audit.AuditedHeight + 1)
        {
            logger.LogInformation("the audit trail records blocks from {First}: this node started from a snapshot of height {Base} and holds no " +
                "earlier blocks; their events are in the trails of nodes that do", first, store.BaseHeight);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var followed in feed.FollowAsync(FirstHeightToRecord(audit.AuditedHeight, store.BaseHeight), () => store.HeadHeight,
                    h => store.GetCommittedBlock(h) ?? throw new StoreException($"committed block {h} is missing"), FollowBuffer, stoppingToken).ConfigureAwait(false))
                {
                    var events = EventsOf(followed);
                    if (events.Count > 0 || followed.Height % CursorEvery == 0)
                    {
                        audit.Append(events, followed.Height);
                    }
                }
            }
            catch (FollowerOverflowException)
            {
                // Fell behind the live feed: resume from the store after the last height recorded.
            }
        }
    }

    private async Task RecordRefusalsAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditEvent>();
        try
        {
            while (await _refusals.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (batch.Count < RefusalBuffer && _refusals.Reader.TryRead(out var refusal))
                {
                    batch.Add(refusal);
                }
                audit.Append(batch);
                batch.Clear();
                if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
                {
                    logger.LogWarning("the audit trail dropped {Count} refusals at admission: they came faster than it records them", dropped);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The audit events of one committed block, in the order of its transactions (evidence first).</summary>
    internal List<AuditEvent> EventsOf(FollowedBlock followed)
    {
        var (block, receipts) = followed.Live is { } live
            ? (live.Block, live.Receipts)
            : LoadStored(followed.Stored!);
        var events = new List<AuditEvent>();
        var header = block.Header;
        foreach (var evidence in block.Block.Evidence)
        {
            if (EvidenceFacts.Of(evidence) is { } facts)
            {
                events.Add(new AuditEvent
                {
                    Kind = AuditKind.Evidence,
                    Height = header.Height,
                    TimeMs = header.TimestampMs,
                    Detail = $"validator {facts.ValidatorIndex} of epoch {facts.Epoch} signed two {facts.Kind} messages in round {facts.Round}",
                });
            }
        }
        foreach (var receipt in receipts)
        {
            if (receipt.BlockHeight != header.Height)
            {
                // A repeat of a transaction committed earlier: its receipt is the first one's.
                continue;
            }
            if (receipt.Error == ExecutionError.PermissionDenied)
            {
                events.Add(new AuditEvent
                {
                    Kind = AuditKind.RefusedInExecution,
                    Height = header.Height,
                    TimeMs = header.TimestampMs,
                    Account = receipt.Sender,
                    TxId = receipt.TxId,
                    Detail = receipt.ErrorMessage,
                });
            }
            foreach (var log in receipt.Logs)
            {
                if (GovernanceEvent(log) is { } e)
                {
                    e.Height = header.Height;
                    e.TimeMs = header.TimestampMs;
                    e.Account = receipt.Sender;
                    e.TxId = receipt.TxId;
                    events.Add(e);
                }
            }
        }
        return events;
    }

    private (SealedBlock Block, IReadOnlyList<Receipt> Receipts) LoadStored(CommittedBlock stored)
    {
        var block = new SealedBlock(stored.Block, suite);
        var receipts = new List<Receipt>(stored.Block.Transactions.Count);
        foreach (var tx in stored.Block.Transactions)
        {
            if (store.GetReceipt(suite.Hash(tx.Span)) is { } receipt)
            {
                receipts.Add(receipt);
            }
        }
        return (block, receipts);
    }

    /// <summary>A governance contract event as an audit event (kind, proposal, what it says), or null for any other log.</summary>
    private AuditEvent? GovernanceEvent(Log log)
    {
        if (!GovernanceLayout.Address.Matches(log.Address.Span) || log.Topics.Count < 2 ||
            GovernanceAbi.Contract.FindEvent(log.Topics[0].Span) is not { } abiEvent)
        {
            return null;
        }
        var topic = new Hash32(log.Topics[0].Span);
        var kind = topic == GovernanceContract.ProposalCreatedTopic ? AuditKind.ProposalCreated
            : topic == GovernanceContract.VotedTopic ? AuditKind.Voted
            : topic == GovernanceContract.ProposalExecutedTopic ? AuditKind.ProposalExecuted
            : topic == GovernanceContract.ProposalRejectedTopic ? AuditKind.ProposalRejected
            : topic == GovernanceContract.ProposalFailedTopic ? AuditKind.ProposalFailed
            : topic == GovernanceContract.ValidatorSetChangeScheduledTopic ? AuditKind.EpochScheduled
            : AuditKind.Unspecified;
        var id = UInt256.ReadBigEndian(log.Topics[1].Span).U0;
        var detail = $"{abiEvent.Name} {AbiCodec.DecodeLog(abiEvent, [.. log.Topics.Select(t => t.ToByteArray())], log.Data.Span).ToJsonString()}";
        if (kind == AuditKind.ProposalCreated && GovernanceReader.Proposal(store, id, store.HeadHeight) is { } proposal)
        {
            detail += $": {GovernanceRules.Describe(proposal.Action, proposal.Force)}";
        }
        return new AuditEvent { Kind = kind, ProposalId = id, Detail = detail };
    }

    /// <summary>A bounded set of recently seen ids (the oldest forgotten first).</summary>
    private sealed class RecentIds(int capacity)
    {
        private readonly HashSet<Hash32> _set = [];
        private readonly Queue<Hash32> _order = new();

        public bool Add(Hash32 id)
        {
            lock (_set)
            {
                if (!_set.Add(id))
                {
                    return false;
                }
                _order.Enqueue(id);
                if (_order.Count > capacity)
                {
                    _set.Remove(_order.Dequeue());
                }
                return true;
            }
        }
    }
}
