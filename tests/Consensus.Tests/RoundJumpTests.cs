using Google.Protobuf;
using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.V1;
using Timeout = ShanghaiChain.V1.Timeout;

namespace ShanghaiChain.Consensus.Tests;

public class RoundJumpTests
{
    private readonly EngineHarness _harness = new();

    [Fact]
    public void A_node_that_sees_a_higher_QC_jumps_to_the_round_after_it()
    {
        var network = new LockstepNetwork(Enumerable.Range(0, 4).Select(i => _harness.Engine(i)));
        network.RunUntil(() => network.Engines[0].Round >= 6);
        var qc = network.Engines[0].HighQc;

        var late = _harness.Engine(3);
        late.Handle(new Started(0));
        var actions = late.Handle(new MessageReceived(1, 0, new ConsensusMessage { SyncInfo = new SyncInfo { HighQc = qc } }));
        Assert.Equal(qc.Round + 1, late.Round);
        Assert.Contains(actions.OfType<SetTimer>(), t => t.Round == qc.Round + 1);
        // The block behind the QC is unknown to the late node: it asks for it.
        Assert.Contains(actions.OfType<FetchBlock>(), f => f.BlockHash == new Core.Primitives.Hash32(qc.BlockHash.Span));
    }

    [Fact]
    public void A_forged_QC_moves_nobody()
    {
        var network = new LockstepNetwork(Enumerable.Range(0, 4).Select(i => _harness.Engine(i)));
        network.RunUntil(() => network.Engines[0].Round >= 4);
        var forged = network.Engines[0].HighQc.Clone();
        forged.Round = 1_000_000;
        var engine = _harness.Engine(2);
        engine.Handle(new Started(0));
        engine.Handle(new MessageReceived(1, 0, new ConsensusMessage { SyncInfo = new SyncInfo { HighQc = forged } }));
        Assert.Equal(1UL, engine.Round);
    }

    [Fact]
    public void Validly_signed_messages_for_absurd_rounds_are_ignored()
    {
        var verifier = _harness.Verifier;
        var key = SimKeys.For(_harness.Suite, 0).Private;
        var engine = _harness.Engine(2);
        engine.Handle(new Started(0));
        const ulong absurd = ulong.MaxValue - 3;
        var timeout = new Timeout
        {
            Epoch = 1,
            Round = absurd,
            ValidatorIndex = 0,
            HighQc = verifier.GenesisQc,
            Signature = ByteString.CopyFrom(verifier.SignTimeout(key, absurd, 0)),
        };
        var hash = _harness.Suite.Hash("x"u8);
        var vote = new Vote
        {
            Epoch = 1,
            Round = absurd,
            Height = 1,
            BlockHash = ByteString.CopyFrom(hash.ToArray()),
            ValidatorIndex = 0,
            Signature = ByteString.CopyFrom(verifier.SignVote(key, absurd, 1, hash)),
        };
        var actions = engine.Handle(new MessageReceived(1, 0, new ConsensusMessage { Timeout = timeout }))
            .Concat(engine.Handle(new MessageReceived(2, 0, new ConsensusMessage { Vote = vote })))
            .ToList();
        Assert.Equal(1UL, engine.Round);
        Assert.Empty(actions);
    }
}
