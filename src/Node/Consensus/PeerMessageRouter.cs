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
/// pipeline; consensus messages are queued for the engine. Heights that messages claim decide when to catch up. The
/// verdict tells the peer layer whether the frame proves its sender faulty.
/// </summary>
public sealed class PeerMessageRouter(ValidatorSchedule schedule, BlockValidator validator, ExecutionPipeline execution, TransactionPool pool,
    EvidencePool evidence, ConsensusInbox inbox, SyncState sync, ChainHead head, ILogger<PeerMessageRouter> logger) : IPeerMessageHandler
{
    /// <summary>A node this many blocks behind what it sees certified stops voting and catches up by block sync.</summary>
    public const ulong CatchUpGap = 32;

    /// <summary>Transactions in one gossip frame at most; a larger frame is refused as invalid.</summary>
    public const int MaxGossipBatch = 10_000;

    private long _highestCertifiedHeightSeen;
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
                    var proposal = consensus.Proposal;
                    var block = validator.ValidateProposal(proposal.Header, proposal.Transactions, proposal.Evidence, out var reason, out var culpable);
                    if (block is null)
                    {
                        logger.LogWarning("proposal of round {Round} from peer {Peer} refused: {Reason}", proposal.Round, link.Identity[..16], reason);
                        // Not voted for either way; only a payload that proves the proposer faulty costs the link.
                        return culpable ? PeerVerdict.Invalid : PeerVerdict.Accepted;
                    }
                    ObserveCertifiedHeight(block.Height - 1, block.Block.Header.ParentQc);
                    execution.Accept(block);
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

    private void ObserveCertifiedHeight(ulong height, QuorumCertificate? certificate)
    {
        // A height far ahead stops this validator's voting for a catch-up and shows in its status as "syncing": it
        // counts only with a certificate that verifies (an unsigned proposal must not set it to 2^64 - 1 for good).
        // Nearer heights cost nothing if false; block sync verifies everything it fetches either way.
        if (height > head.Height + CatchUpGap && !validator.VerifiesCertificate(certificate, height))
        {
            // A certificate of a later epoch than this node can check means it fell behind across a validator change:
            // catch up (block sync verifies), but at most every ten seconds, so forged claims cannot keep it from voting.
            if (certificate is not null && certificate.Epoch > schedule.Current.Epoch &&
                Environment.TickCount64 - Interlocked.Read(ref _lastUnverifiedCatchUpMs) > 10_000)
            {
                Interlocked.Exchange(ref _lastUnverifiedCatchUpMs, Environment.TickCount64);
                inbox.RequestCatchUp();
            }
            return;
        }
        sync.ObservePeerHeight(height);
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
