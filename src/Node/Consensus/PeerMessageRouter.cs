using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// Judges each frame a peer sends a validator, on the peer link's receive loop, before the engine sees it: transaction
/// gossip goes to the mempool; a proposal's payload is validated (<see cref="BlockValidator"/>) and accepted into the
/// pipeline within the bounds on pending blocks (<see cref="JudgeProposal"/>); consensus messages are queued for the engine.
/// Heights that messages carry decide when to catch up, and count only with a certificate that verifies. The verdict tells
/// the peer layer whether the frame proves its sender faulty.
/// </summary>
public sealed class PeerMessageRouter(ValidatorSchedule schedule, BlockValidator validator, ExecutionPipeline execution, TransactionPool pool,
    EvidencePool evidence, ConsensusInbox inbox, SyncState sync, ChainHead head, ILogger<PeerMessageRouter> logger) : IPeerMessageHandler
{
    /// <summary>A node this many blocks behind what it sees certified stops voting and catches up by block sync.</summary>
    public const ulong CatchUpGap = 32;

    /// <summary>Transactions in one gossip frame at most; a larger frame is refused as invalid.</summary>
    public const int MaxGossipBatch = 10_000;

    /// <summary>
    /// Proposals more than this far above the committed head are not held: twice the catch-up gap, so a validator that
    /// is behind but still within reach of consensus keeps every proposal it can vote for.
    /// </summary>
    public const ulong MaxProposalLead = 2 * CatchUpGap;

    private long _highestCertifiedHeightSeen;
    private long _lastNotHeldLogMs = -10_000;
    private long _lastUnverifiedCatchUpMs = -10_000;

    public PeerVerdict Handle(PeerLink link, PeerMessage message)
    {
        switch (message.BodyCase)
        {
            case PeerMessage.BodyOneofCase.Transactions:
                return AdmitGossip(message.Transactions);
            case PeerMessage.BodyOneofCase.Consensus:
                var consensus = message.Consensus;
                if (consensus.BodyCase == ConsensusMessage.BodyOneofCase.Proposal)
                {
                    if (JudgeProposal(link, consensus.Proposal) is { } verdict)
                    {
                        return verdict;
                    }
                }
                else if (consensus.BodyCase == ConsensusMessage.BodyOneofCase.SyncInfo && consensus.SyncInfo.HighQc is { } qc)
                {
                    ObserveCertifiedHeight(qc.Height, qc);
                }
                else if (consensus.BodyCase == ConsensusMessage.BodyOneofCase.Evidence)
                {
                    // Gossiped evidence: kept for the blocks this node leads once it verifies; evidence that does not
                    // verify proves its sender faulty.
                    if (!validator.VerifyEvidence(consensus.Evidence))
                    {
                        return PeerVerdict.Invalid;
                    }
                    evidence.Add(consensus.Evidence);
                    return PeerVerdict.Accepted;
                }
                var sender = link.ValidatorAddress is { } address ? schedule.Current.Validators.IndexOf(address) : -1;
                // Dropped when the engine is overloaded: consensus recovers lost messages through timeouts and sync info.
                inbox.TryPostFromNetwork(new MessageReceived(inbox.NowMs, sender, consensus));
                return PeerVerdict.Accepted;
            default:
                return PeerVerdict.Malformed;
        }
    }

    /// <summary>
    /// A proposal, before the engine sees it, in order of cost: its signature (only a validator of its epoch makes this
    /// node validate, hold and execute a block), the sender's share of pending blocks, the payload, how far ahead it is,
    /// then the share again as the block is taken. Null when the engine should have it; otherwise the verdict (a
    /// proposal not held is not voted for either: the engine never sees it).
    /// </summary>
    private PeerVerdict? JudgeProposal(PeerLink link, Proposal proposal)
    {
        switch (validator.VerifiesProposalSignature(proposal))
        {
            case null:
                // An epoch this node cannot check (it is behind a validator change, or the proposal is stale): not proof.
                return PeerVerdict.Accepted;
            case false:
                logger.LogWarning("proposal of round {Round} from peer {Peer} refused: not signed by validator {Index} of epoch {Epoch}",
                    proposal.Round, link.Identity[..16], proposal.ProposerIndex, proposal.Epoch);
                return PeerVerdict.Invalid;
        }
        if (!execution.HasRoomFor(link.Identity))
        {
            NotHeld(link, proposal, "the peer's share of pending blocks is full");
            return PeerVerdict.Accepted;
        }
        var block = validator.ValidateProposal(proposal.Header, proposal.Transactions, proposal.Evidence, out var reason, out var culpable);
        if (block is null)
        {
            logger.LogWarning("proposal of round {Round} from peer {Peer} refused: {Reason}", proposal.Round, link.Identity[..16], reason);
            // Not voted for either way; only a payload that proves the proposer faulty costs the link.
            return culpable ? PeerVerdict.Invalid : PeerVerdict.Accepted;
        }
        ObserveCertifiedHeight(block.Height - 1, block.Block.Header.ParentQc);
        if (block.Height > head.Height + MaxProposalLead)
        {
            // Pending blocks are pruned as the chain passes their height: one far above it would be held for ever. A node
            // this far behind catches up by block sync instead (the parent's certificate above asked for it if it verified).
            // Normal for a node that restarted behind its peers: not worth a warning.
            logger.LogDebug("proposal of round {Round} from peer {Peer} not held: height {Height} is more than {Lead} above the head {Head}",
                proposal.Round, link.Identity[..16], block.Height, MaxProposalLead, head.Height);
            return PeerVerdict.Accepted;
        }
        if (!execution.TryAccept(block, link.Identity, out var admission))
        {
            NotHeld(link, proposal, admission == PendingAdmission.PeerShareFull
                ? "the peer's share of pending blocks is full"
                : "all peers' share of pending blocks is full");
            return PeerVerdict.Accepted;
        }
        return null;
    }

    /// <summary>
    /// A proposal dropped because its sender's share (or all peers') is full: never scored (a bound is not proof of
    /// misbehaviour), logged at most every ten seconds so that a flood does not fill the log instead.
    /// </summary>
    private void NotHeld(PeerLink link, Proposal proposal, string why)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastNotHeldLogMs);
        if (now - last > 10_000 && Interlocked.CompareExchange(ref _lastNotHeldLogMs, now, last) == last)
        {
            logger.LogWarning("proposal of round {Round} from peer {Peer} not held: {Reason} (further ones are dropped quietly for 10 s)",
                proposal.Round, link.Identity[..16], why);
        }
    }

    private void ObserveCertifiedHeight(ulong height, QuorumCertificate? certificate)
    {
        // A height counts (for the "syncing" status and for a catch-up) only with a certificate that verifies: an unsigned
        // proposal or sync info must not set it, least of all to 2^64 - 1 for good. Checked only when it would raise what
        // this node knows: heights within a block or two of the head, the steady state, cost nothing.
        if (height <= head.Height + SyncState.InStepLag || height <= sync.CertifiedPeerHeight)
        {
            return;
        }
        if (!validator.VerifiesCertificate(certificate, height))
        {
            // A certificate of a later epoch than this node can check means it fell behind across a validator change:
            // catch up (block sync verifies), but at most every ten seconds, so forged claims cannot keep it from voting.
            if (height > head.Height + CatchUpGap && certificate is not null && certificate.Epoch > schedule.Current.Epoch &&
                Environment.TickCount64 - Interlocked.Read(ref _lastUnverifiedCatchUpMs) > 10_000)
            {
                Interlocked.Exchange(ref _lastUnverifiedCatchUpMs, Environment.TickCount64);
                inbox.RequestCatchUp();
            }
            return;
        }
        sync.ObserveCertifiedHeight(height);
        if (height > head.Height + CatchUpGap && (long)height > Interlocked.Read(ref _highestCertifiedHeightSeen))
        {
            Interlocked.Exchange(ref _highestCertifiedHeightSeen, (long)height);
            inbox.RequestCatchUp();
        }
    }

    private PeerVerdict AdmitGossip(TransactionBatch batch)
    {
        if (batch.Transactions.Count > MaxGossipBatch)
        {
            return PeerVerdict.Invalid;
        }
        var results = pool.Admit(batch.Transactions.Select(t => t.ToByteArray()).ToList(), fromPeer: true);
        foreach (var result in results)
        {
            // A peer only gossips what it admitted, so a bad signature or encoding is its fault; nonce and capacity
            // refusals are races and are not.
            if (result.Reason is TxRejectReason.BadSignature or TxRejectReason.Malformed)
            {
                return PeerVerdict.Invalid;
            }
        }
        return PeerVerdict.Accepted;
    }
}
