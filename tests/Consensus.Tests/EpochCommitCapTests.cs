using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>
/// Regression (found by the epoch simulation): a lagging engine that learns of a long certified chain commits it in
/// one step; a change decided inside that chain used to reach it only after blocks past the epoch's last height were
/// committed as blocks of the old epoch (the change was then refused as too late).
/// </summary>
public class EpochCommitCapTests
{
    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;

    private static ConsensusConfig Config(int index, ValidatorSet set) => new()
    {
        ChainId = SimKeys.ChainId,
        Suite = Suite,
        Validators = set,
        GenesisHash = SimKeys.GenesisHash(Suite),
        SelfIndex = index,
        PrivateKey = index >= 0 ? SimKeys.For(Suite, index).Private : null,
        EpochLength = 3,
    };

    private static ulong HeightOf(CommittedBlock b) => BlockHeader.Parser.ParseFrom(b.Block.Header).Height;

    [Fact]
    public void A_lagging_engine_stops_each_commit_step_at_the_second_boundary_so_a_change_inside_it_ends_the_epoch_on_time()
    {
        var set = SimKeys.ValidatorSet(Suite, 4);
        var network = new LockstepNetwork(Enumerable.Range(0, 4).Select(i => new ConsensusCore(Config(i, set), null, StartMode.Genesis)));
        network.RunUntil(() => network.Engines.All(e => e.CommittedHeight >= 10));
        var blocks = network.Log.Select(l => l.Action).OfType<BroadcastMessage>().Where(b => b.Message.Proposal is not null)
            .Select(b => b.Message.Proposal).GroupBy(p => Suite.Hash(p.Header.Span)).ToDictionary(g => g.Key, g => g.First());

        // An observer that saw nothing hears of the high QC, fetches the chain and commits it.
        var observer = new ConsensusCore(Config(-1, set), null, StartMode.Genesis);
        var events = new Queue<ConsensusEvent>();
        events.Enqueue(new Started(0));
        events.Enqueue(new MessageReceived(1, 0, new ConsensusMessage { SyncInfo = new SyncInfo { HighQc = network.Engines[0].HighQc } }));
        var commits = new List<CommitBlocks>();
        var ended = new List<EpochEnded>();
        var refused = new List<ValidatorSetChangeRefused>();
        var changeFed = false;
        for (var step = 0; step < 200 && events.Count > 0; step++)
        {
            var actions = observer.Handle(events.Dequeue());
            commits.AddRange(actions.OfType<CommitBlocks>());
            ended.AddRange(actions.OfType<EpochEnded>());
            refused.AddRange(actions.OfType<ValidatorSetChangeRefused>());
            foreach (var fetch in actions.OfType<FetchBlock>())
            {
                var p = blocks[fetch.BlockHash];
                events.Enqueue(new BlockAvailable(3, p.Header, [.. p.Transactions]));
            }
            // The node executes what was committed before the engine's next event: the block at height 2 decided a
            // change (epoch length 3, so the epoch's last height is 5).
            var feed = !changeFed && observer.CommittedHeight >= 2;
            if (feed)
            {
                changeFed = true;
                var fed = observer.Handle(new ValidatorSetChangeCommitted(2, 2, set.Validators.Take(3).ToList(), Force: false, LastHeightOfEpoch: 5));
                commits.AddRange(fed.OfType<CommitBlocks>());
                ended.AddRange(fed.OfType<EpochEnded>());
                refused.AddRange(fed.OfType<ValidatorSetChangeRefused>());
            }
            if (events.Count == 0 && !observer.HasEnded)
            {
                events.Enqueue(new TimerFired(4, observer.Round));
            }
        }

        Assert.True(refused.Count == 0, $"refused: {string.Join(",", refused)}; commits: {string.Join(",", commits.Select(c => $"{HeightOf(c.Blocks[0])}-{HeightOf(c.Blocks[^1])}"))}");
        Assert.Equal(5UL, commits.SelectMany(c => c.Blocks).Max(HeightOf));
        Assert.Equal(5UL, Assert.Single(ended).LastHeight);
        Assert.True(observer.HasEnded);
    }

    [Fact]
    public void A_change_whose_last_height_is_the_committed_root_ends_the_epoch_at_once()
    {
        var set = SimKeys.ValidatorSet(Suite, 4);
        var network = new LockstepNetwork(Enumerable.Range(0, 4).Select(i => new ConsensusCore(Config(i, set), null, StartMode.Genesis)));
        network.RunUntil(() => network.Engines[0].CommittedHeight >= 4);
        var engine = network.Engines[0];
        var root = engine.CommittedHeight;
        var actions = engine.Handle(new ValidatorSetChangeCommitted(network.Now, 1, set.Validators.Take(3).ToList(), Force: false, LastHeightOfEpoch: root));
        Assert.Empty(actions.OfType<ValidatorSetChangeRefused>());
        Assert.Equal(root, Assert.Single(actions.OfType<EpochEnded>()).LastHeight);
        Assert.Equal(engine.CommittedHash, actions.OfType<EpochEnded>().Single().LastBlockHash);
    }
}
