using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests;

public class EpochChangeTests
{
    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;

    private static ConsensusConfig Config(int index, ValidatorSet set, ulong epoch, ShanghaiChain.Core.Primitives.Hash32 genesis, ulong genesisHeight) => new()
    {
        ChainId = SimKeys.ChainId,
        Suite = Suite,
        Validators = set,
        Epoch = epoch,
        GenesisHash = genesis,
        GenesisHeight = genesisHeight,
        SelfIndex = index,
        PrivateKey = SimKeys.For(Suite, index).Private,
        EpochLength = 5,
    };

    private static ulong HeightOf(CommittedBlock b) => BlockHeader.Parser.ParseFrom(b.Block.Header).Height;

    [Fact]
    public void A_validator_set_change_takes_effect_at_the_epoch_boundary_and_the_new_set_continues_the_chain()
    {
        var set = SimKeys.ValidatorSet(Suite, 4);
        var network = new LockstepNetwork(Enumerable.Range(0, 4).Select(i =>
            new ConsensusCore(Config(i, set, 1, SimKeys.GenesisHash(Suite), 0), null, StartMode.Genesis)));
        network.RunUntil(() => network.Engines.All(e => e.CommittedHeight >= 2));

        // Governance removes validator 3 (a quarter of the power) in the block at height 2.
        var next = set.Validators.Take(3).ToList();
        for (var i = 0; i < 4; i++)
        {
            network.Deliver(i, new ValidatorSetChangeCommitted(network.Now, 2, next, Force: false));
        }
        network.RunUntil(() => network.Engines.All(e => e.HasEnded));

        var ended = network.Log.Select(l => l.Action).OfType<EpochEnded>().ToList();
        Assert.Equal(4, ended.Count);
        Assert.All(ended, e => Assert.Equal(9UL, e.LastHeight));
        Assert.Single(ended.Select(e => e.LastBlockHash).Distinct());
        Assert.All(network.Log.Select(l => l.Action).OfType<ValidatorSetChangeScheduled>(), s => Assert.Equal(9UL, s.LastHeight));
        var commits = network.Log.Select(l => l.Action).OfType<CommitBlocks>().SelectMany(c => c.Blocks).ToList();
        Assert.True(commits.Max(HeightOf) == 9, "no block beyond the epoch's last height is committed");
        // Suffix blocks (height 10 and above) were proposed, empty, to certify the last block.
        var suffix = network.Log.Select(l => l.Action).OfType<BroadcastMessage>().Where(b => b.Message.Proposal is not null)
            .Select(b => b.Message.Proposal).Where(p => BlockHeader.Parser.ParseFrom(p.Header).Height >= 10).ToList();
        Assert.NotEmpty(suffix);
        Assert.All(suffix, p => Assert.Empty(p.Transactions));

        // Epoch 2: three validators, the last block of epoch 1 as genesis.
        var last = ended[0];
        var epoch2 = new LockstepNetwork(Enumerable.Range(0, 3).Select(i =>
            new ConsensusCore(Config(i, last.NextValidators, 2, last.LastBlockHash, last.LastHeight), null, StartMode.Genesis)));
        epoch2.RunUntil(() => epoch2.Engines.All(e => e.CommittedHeight >= 12));
        var verifier = new EpochVerifier(SimKeys.ChainId, Suite, last.NextValidators, 2, last.LastBlockHash, last.LastHeight);
        var newCommits = epoch2.Log.Where(l => l.Node == 0).Select(l => l.Action).OfType<CommitBlocks>().SelectMany(c => c.Blocks).ToList();
        Assert.Equal(10UL, HeightOf(newCommits[0]));
        Assert.Equal(last.LastBlockHash, new ShanghaiChain.Core.Primitives.Hash32(BlockHeader.Parser.ParseFrom(newCommits[0].Block.Header).ParentHash.Span));
        Assert.All(newCommits, b =>
        {
            Assert.Equal(2UL, BlockHeader.Parser.ParseFrom(b.Block.Header).Epoch);
            Assert.True(verifier.VerifyQuorumCertificate(b.Certificate));
        });
    }

    [Fact]
    public void Changes_of_a_third_or_more_are_refused_unless_forced_and_an_empty_set_always()
    {
        var set = SimKeys.ValidatorSet(Suite, 4);
        var engine = new ConsensusCore(Config(0, set, 1, SimKeys.GenesisHash(Suite), 0), null, StartMode.Genesis);
        engine.Handle(new Started(0));

        var half = set.Validators.Take(2).ToList();
        Assert.Equal(ValidatorSetChangeVerdict.TooLargeChange,
            Assert.Single(engine.Handle(new ValidatorSetChangeCommitted(1, 0, half, Force: false)).OfType<ValidatorSetChangeRefused>()).Verdict);
        Assert.Equal(ValidatorSetChangeVerdict.EmptySet,
            Assert.Single(engine.Handle(new ValidatorSetChangeCommitted(2, 0, [], Force: true)).OfType<ValidatorSetChangeRefused>()).Verdict);
        Assert.Equal(ulong.MaxValue, engine.LastHeightOfEpoch);
        Assert.Single(engine.Handle(new ValidatorSetChangeCommitted(3, 0, half, Force: true)).OfType<ValidatorSetChangeScheduled>());
        Assert.Equal(9UL, engine.LastHeightOfEpoch);
    }
}
