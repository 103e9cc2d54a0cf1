using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Consensus;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Tests;

/// <summary>
/// What a hostile peer can make a validator believe or hold through its router, before the engine checks anything: heights
/// (which set the "syncing" status and can stop a validator's voting for a catch-up) count only with a certificate that
/// verifies; proposals are held (validated, kept pending, executed ahead) only when signed by a validator, within a
/// height window and within the sender's share of pending blocks, so a flood stays bounded and honest leaders' proposals
/// still reach the engine.
/// </summary>
public sealed class HostilePeerTests
{
    private sealed record Node(PeerMessageRouter Router, SyncState Sync, PendingBlocks Pending, ConsensusInbox Inbox, IDisposable Execution) : IDisposable
    {
        public void Dispose() => Execution.Dispose();

        /// <summary>The next message the router queued for the engine, or null if none arrives within a second.</summary>
        public async Task<ConsensusMessage?> NextForEngineAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                return (await Inbox.ReadAsync(timeout.Token)) is MessageReceived received ? received.Message : null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private static Node NewNode(PendingBlockLimits? limits = null)
    {
        var pool = FuzzChain.NewPool();
        var pending = new PendingBlocks(limits);
        var validator = FuzzChain.NewBlockValidator(pool, pending);
        var execution = FuzzChain.NewIdlePipeline(pool, pending);
        var sync = new SyncState(FuzzChain.Head, FuzzChain.Clock);
        var inbox = new ConsensusInbox(FuzzChain.Clock);
        var router = new PeerMessageRouter(FuzzChain.Schedule, validator, execution, pool, new EvidencePool(FuzzChain.Suite),
            inbox, sync, FuzzChain.Head, NullLogger<PeerMessageRouter>.Instance);
        return new Node(router, sync, pending, inbox, execution);
    }

    private static PeerLink Link(int validator) =>
        new($"peer-of-validator-{validator}-0123456789", outbound: false, url: null, FuzzChain.Clock.GetUtcNow())
        {
            ValidatorAddress = FuzzChain.ValidatorKeys[validator].Address,
        };

    private static PeerMessage SyncInfo(QuorumCertificate qc) => new() { Consensus = new ConsensusMessage { SyncInfo = new SyncInfo { HighQc = qc } } };

    /// <summary>
    /// A proposal whose payload validates (an empty block of the genesis epoch), on <paramref name="parent"/> at
    /// <paramref name="height"/>, signed by <paramref name="signer"/> (null: unsigned).
    /// </summary>
    private static PeerMessage SignedProposal(int? signer, ulong height, Hash32 parent, ulong round = 1, int proposer = 1)
    {
        var (header, _) = FuzzChain.ProposalOnGenesis([], round, h =>
        {
            h.Height = height;
            h.ParentHash = parent.ToByteString();
            h.Proposer = ByteString.CopyFrom(FuzzChain.ValidatorKeys[proposer].Address.ToArray());
            return h;
        });
        var bytes = header.ToByteString();
        var proposal = new Proposal { Epoch = ChainEpochs.First, Round = round, ProposerIndex = (uint)proposer, Header = bytes };
        if (signer is { } index)
        {
            proposal.Signature = ByteString.CopyFrom(FuzzChain.Certificates.SignProposal(FuzzChain.ValidatorKeys[index].ExportPrivateKey(), round,
                FuzzChain.Suite.Hash(bytes.Span)));
        }
        return new PeerMessage { Consensus = new ConsensusMessage { Proposal = proposal } };
    }

    private static Hash32 RandomHash() => new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_far_height_without_a_valid_certificate_leaves_the_sync_status_alone_and_a_certified_one_counts()
    {
        using var node = NewNode();
        var link = Link(1);
        var hash = new Hash32(Enumerable.Repeat((byte)7, 32).ToArray());
        var forged = new QuorumCertificate { Epoch = ChainEpochs.First, Round = 5, Height = ulong.MaxValue, BlockHash = hash.ToByteString() };
        node.Router.Handle(link, SyncInfo(forged));
        Assert.Equal(0UL, node.Sync.BestPeerHeight);
        Assert.False(node.Sync.Syncing);

        var certified = FuzzChain.Certificate(round: 5, height: 5_000, hash);
        node.Router.Handle(link, SyncInfo(certified));
        Assert.Equal(5_000UL, node.Sync.BestPeerHeight);
        Assert.True(node.Sync.Syncing);
    }

    [Fact]
    public void A_near_height_without_a_valid_certificate_does_not_count_either()
    {
        // Within the catch-up gap a false height used to count as it was: a peer could keep a validator "syncing" by
        // repeating head + 30 in unsigned sync info.
        using var node = NewNode();
        var hash = new Hash32(Enumerable.Repeat((byte)9, 32).ToArray());
        var forged = FuzzChain.Certificate(round: 5, height: 30, hash, signers: 2);
        node.Router.Handle(Link(1), SyncInfo(forged));
        node.Router.Handle(Link(1), SyncInfo(new QuorumCertificate { Epoch = ChainEpochs.First, Round = 5, Height = 31, BlockHash = hash.ToByteString() }));
        Assert.Equal(0UL, node.Sync.BestPeerHeight);
        Assert.False(node.Sync.Syncing);

        node.Router.Handle(Link(1), SyncInfo(FuzzChain.Certificate(round: 5, height: 30, hash)));
        Assert.Equal(30UL, node.Sync.BestPeerHeight);
    }

    [Fact]
    public void A_signed_proposal_at_height_zero_is_refused_before_its_height_is_believed()
    {
        using var node = NewNode();
        node.Router.Handle(Link(1), SignedProposal(signer: 1, height: 0, FuzzChain.Head.Tip.Hash));
        Assert.Equal(0UL, node.Sync.BestPeerHeight);
        Assert.Equal(0, node.Pending.Count);
    }

    [Fact]
    public async Task A_proposal_not_signed_by_the_validator_it_names_is_judged_invalid_and_never_held()
    {
        using var node = NewNode();
        Assert.Equal(PeerVerdict.Invalid, node.Router.Handle(Link(1), SignedProposal(signer: null, height: 1, FuzzChain.Head.Tip.Hash)));
        Assert.Equal(PeerVerdict.Invalid, node.Router.Handle(Link(1), SignedProposal(signer: 2, height: 1, FuzzChain.Head.Tip.Hash, proposer: 1)));
        Assert.Equal(0, node.Pending.Count);
        Assert.Null(await node.NextForEngineAsync());

        // The same block signed by the validator it names is held and goes to the engine.
        Assert.Equal(PeerVerdict.Accepted, node.Router.Handle(Link(1), SignedProposal(signer: 1, height: 1, FuzzChain.Head.Tip.Hash)));
        Assert.Equal(1, node.Pending.Count);
        Assert.NotNull((await node.NextForEngineAsync())?.Proposal);
    }

    [Fact]
    public async Task A_flood_of_signed_proposals_is_held_only_up_to_the_peers_share_and_honest_proposals_still_go_through()
    {
        using var node = NewNode();
        var hostile = Link(3);
        var limits = node.Pending.Limits;
        // Valid-looking blocks on parents nobody has, at heights within the window: each would be held until the chain
        // passes its height, and executed as soon as its parent turned up.
        for (var i = 0; i < limits.BlocksPerPeer * 4; i++)
        {
            var verdict = node.Router.Handle(hostile, SignedProposal(signer: 3, height: 2 + (ulong)(i % 60), RandomHash(), round: 7, proposer: 3));
            Assert.Equal(PeerVerdict.Accepted, verdict);
        }
        Assert.Equal(limits.BlocksPerPeer, node.Pending.HeldFor(hostile.Identity));
        Assert.Equal(limits.BlocksPerPeer, node.Pending.Count);
        Assert.InRange(node.Pending.BytesFromPeers, 1, limits.BytesPerPeer);
        // Only the held ones reached the engine.
        var forEngine = 0;
        while (await node.NextForEngineAsync() is not null)
        {
            forEngine++;
        }
        Assert.Equal(limits.BlocksPerPeer, forEngine);

        // An honest leader's proposal (another peer) is held and reaches the engine.
        var honest = Link(1);
        Assert.Equal(PeerVerdict.Accepted, node.Router.Handle(honest, SignedProposal(signer: 1, height: 1, FuzzChain.Head.Tip.Hash, round: 8)));
        Assert.Equal(1, node.Pending.HeldFor(honest.Identity));
        Assert.NotNull((await node.NextForEngineAsync())?.Proposal);

        // As the chain passes their heights, the hostile peer's blocks go and its share is free again.
        node.Pending.PruneAtOrBelow(61, new HashSet<Hash32>());
        Assert.Equal(0, node.Pending.HeldFor(hostile.Identity));
        Assert.Equal(0, node.Pending.FromPeers);
        Assert.Equal(0, node.Pending.BytesFromPeers);
        Assert.Equal(PeerVerdict.Accepted, node.Router.Handle(hostile, SignedProposal(signer: 3, height: 62, RandomHash(), round: 7, proposer: 3)));
        Assert.Equal(1, node.Pending.HeldFor(hostile.Identity));
    }

    [Fact]
    public void Proposals_beyond_all_peers_share_or_far_above_the_head_are_not_held()
    {
        using var node = NewNode(new PendingBlockLimits(BlocksPerPeer: 3, BytesPerPeer: 1 << 20, BlocksFromPeers: 4, BytesFromPeers: 1 << 20));
        for (var i = 0; i < 10; i++)
        {
            node.Router.Handle(Link(2), SignedProposal(signer: 2, height: 5, RandomHash(), proposer: 2));
        }
        for (var i = 0; i < 10; i++)
        {
            node.Router.Handle(Link(3), SignedProposal(signer: 3, height: 5, RandomHash(), proposer: 3));
        }
        Assert.Equal(3, node.Pending.HeldFor(Link(2).Identity));
        Assert.Equal(1, node.Pending.HeldFor(Link(3).Identity));
        Assert.Equal(4, node.Pending.Count);

        // A block so far above the head would never be pruned: not held, whoever signs it.
        using var fresh = NewNode();
        Assert.Equal(PeerVerdict.Accepted, fresh.Router.Handle(Link(1), SignedProposal(signer: 1, height: PeerMessageRouter.MaxProposalLead + 1, RandomHash())));
        Assert.Equal(0, fresh.Pending.Count);
        Assert.Equal(PeerVerdict.Accepted, fresh.Router.Handle(Link(1), SignedProposal(signer: 1, height: ulong.MaxValue, RandomHash())));
        Assert.Equal(0, fresh.Pending.Count);
        Assert.Equal(0UL, fresh.Sync.BestPeerHeight);
    }
}
