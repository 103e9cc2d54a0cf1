using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Consensus;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Tests;

/// <summary>
/// Found while writing the peer-frame target: heights a peer claims set the node's "syncing" status and can stop a
/// validator's voting for a catch-up. A far height now counts only with a certificate that verifies.
/// </summary>
public sealed class HostilePeerTests
{
    private static (PeerMessageRouter Router, SyncState Sync, PeerLink Link, IDisposable Execution) Router()
    {
        var pool = FuzzChain.NewPool();
        var pending = new PendingBlocks();
        var validator = FuzzChain.NewBlockValidator(pool, pending);
        var execution = FuzzChain.NewIdlePipeline(pool, pending);
        var sync = new SyncState(FuzzChain.Head);
        var router = new PeerMessageRouter(FuzzChain.Schedule, validator, execution, pool, new EvidencePool(FuzzChain.Suite),
            new ConsensusInbox(FuzzChain.Clock), sync, FuzzChain.Head, NullLogger<PeerMessageRouter>.Instance);
        var link = new PeerLink("hostile-peer-0123456789", outbound: false, url: null, FuzzChain.Clock.GetUtcNow());
        return (router, sync, link, execution);
    }

    private static PeerMessage SyncInfo(QuorumCertificate qc) => new() { Consensus = new ConsensusMessage { SyncInfo = new SyncInfo { HighQc = qc } } };

    [Fact]
    public void A_far_height_without_a_valid_certificate_leaves_the_sync_status_alone_and_a_certified_one_counts()
    {
        var (router, sync, link, execution) = Router();
        using (execution)
        {
            var hash = new Hash32(Enumerable.Repeat((byte)7, 32).ToArray());
            var forged = new QuorumCertificate { Epoch = ChainEpochs.First, Round = 5, Height = ulong.MaxValue, BlockHash = hash.ToByteString() };
            router.Handle(link, SyncInfo(forged));
            Assert.Equal(0UL, sync.BestPeerHeight);
            Assert.False(sync.Syncing);

            var certified = FuzzChain.Certificate(round: 5, height: 5_000, hash);
            router.Handle(link, SyncInfo(certified));
            Assert.Equal(5_000UL, sync.BestPeerHeight);
        }
    }

    [Fact]
    public void A_proposal_at_height_zero_is_refused_before_its_height_is_believed()
    {
        var (router, sync, link, execution) = Router();
        using (execution)
        {
            var (header, transactions) = FuzzChain.ProposalOnGenesis([], tamper: h => { h.Height = 0; return h; });
            var proposal = new Proposal { Epoch = ChainEpochs.First, Round = 1, ProposerIndex = 1, Header = header.ToByteString() };
            proposal.Transactions.AddRange(transactions.Select(ByteString.CopyFrom));
            router.Handle(link, new PeerMessage { Consensus = new ConsensusMessage { Proposal = proposal } });
            Assert.Equal(0UL, sync.BestPeerHeight);
        }
    }
}
