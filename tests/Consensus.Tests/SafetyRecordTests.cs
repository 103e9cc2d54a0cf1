using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests;

public class SafetyRecordTests
{
    private readonly EngineHarness _harness = new();

    private static MessageReceived Receive(Proposal p, long now = 5) => new(now, (int)p.ProposerIndex, new ConsensusMessage { Proposal = p });

    [Fact]
    public void Vote_is_held_until_the_safety_record_is_saved()
    {
        var proposal = _harness.FirstProposal();
        var voter = _harness.Engine(2);
        voter.Handle(new Started(0));

        var actions = voter.Handle(Receive(proposal));
        var save = Assert.Single(actions.OfType<SaveSafetyRecord>());
        Assert.Equal(1UL, save.Record.LastVotedRound);
        Assert.DoesNotContain(actions.OfType<BroadcastMessage>(), b => b.Message.Vote is not null);

        var released = voter.Handle(new SafetyRecordSaved(6, save.Sequence));
        var vote = Assert.Single(released.OfType<BroadcastMessage>(), b => b.Message.Vote is not null).Message.Vote;
        Assert.Equal(1UL, vote.Round);
        Assert.Equal(save.Record.LastVote, vote);
    }

    [Fact]
    public void Proposal_is_held_until_the_safety_record_is_saved()
    {
        var leader = _harness.Engine(1);
        var build = leader.Handle(new Started(0)).OfType<BuildBlock>().Single();
        var actions = leader.Handle(EngineHarness.Build(build));
        Assert.Equal(1UL, Assert.Single(actions.OfType<SaveSafetyRecord>()).Record.LastProposedRound);
        Assert.Empty(actions.OfType<BroadcastMessage>());
    }

    [Fact]
    public void Restarted_with_its_record_a_validator_does_not_vote_again_in_the_same_round()
    {
        var proposal = _harness.FirstProposal("a");
        var voter = _harness.Engine(2);
        voter.Handle(new Started(0));
        var save = voter.Handle(Receive(proposal)).OfType<SaveSafetyRecord>().Single();

        // Crash after the save; the leader's twin offers another block for round 1.
        var restarted = _harness.Engine(2, save.Record, StartMode.Restart);
        restarted.Handle(new Started(10));
        var other = _harness.FirstProposal("b");
        var actions = restarted.Handle(Receive(other, 11));
        Assert.DoesNotContain(actions.OfType<SaveSafetyRecord>(), s => s.Record.LastVote?.BlockHash != save.Record.LastVote.BlockHash);
        Assert.DoesNotContain(actions.OfType<BroadcastMessage>(), b => b.Message.Vote is not null);
    }

    [Fact]
    public void Started_on_an_empty_data_dir_a_validator_signs_nothing_while_in_quarantine()
    {
        var proposal = _harness.FirstProposal();
        var recovering = _harness.Engine(2, record: null, StartMode.Recovery);
        recovering.Handle(new Started(0));
        Assert.True(recovering.IsRecovering);

        var actions = recovering.Handle(Receive(proposal));
        Assert.Empty(actions.OfType<SaveSafetyRecord>());
        var timeouts = recovering.Handle(new TimerFired(100_000, recovering.Round));
        Assert.Empty(timeouts.OfType<SaveSafetyRecord>());
        Assert.DoesNotContain(timeouts.OfType<BroadcastMessage>(), b => b.Message.Timeout is not null);
    }

    [Fact]
    public void A_record_saved_during_the_quarantine_does_not_end_it_for_the_next_engine()
    {
        // Before its data dir was wiped, validator 2 voted in round 1; the vote is still on the network.
        var proposal = _harness.FirstProposal();
        var before = _harness.Engine(2);
        before.Handle(new Started(0));
        var voted = before.Handle(Receive(proposal)).OfType<SaveSafetyRecord>().Single();
        var oldVote = before.Handle(new SafetyRecordSaved(6, voted.Sequence)).OfType<BroadcastMessage>().Single(b => b.Message.Vote is not null).Message;

        // Recovering, it sees that vote: its record now covers the round (a save) and says the quarantine is still on.
        var recovering = _harness.Engine(2, record: null, StartMode.Recovery);
        recovering.Handle(new Started(10));
        var saved = recovering.Handle(new MessageReceived(11, 2, oldVote)).OfType<SaveSafetyRecord>().Single();
        Assert.True(saved.Record.QuarantinePending);
        Assert.True(saved.Record.MinSigningRound > 1);

        // A new engine on that record (the node restarted its engine for a catch-up, or the process restarted) is
        // still in quarantine: it signs nothing, not even a timeout.
        var next = _harness.Engine(2, saved.Record, StartMode.Restart);
        next.Handle(new Started(20));
        Assert.True(next.IsRecovering);
        var timeouts = next.Handle(new TimerFired(100_000, next.Round));
        Assert.Empty(timeouts.OfType<SaveSafetyRecord>());
        Assert.DoesNotContain(timeouts.OfType<BroadcastMessage>(), b => b.Message.Timeout is not null || b.Message.Vote is not null);

        // A record without the flag (the ordinary restart) is trusted as before.
        var ordinary = _harness.Engine(2, voted.Record, StartMode.Restart);
        Assert.False(ordinary.IsRecovering);
    }

    [Fact]
    public void A_timed_out_round_gets_one_timeout_which_is_resent_unchanged()
    {
        var engine = _harness.Engine(0);
        engine.Handle(new Started(0));
        var first = engine.Handle(new TimerFired(1000, 1));
        var save = Assert.Single(first.OfType<SaveSafetyRecord>());
        Assert.Equal(1UL, save.Record.HighestTimeoutRound);
        var sent = engine.Handle(new SafetyRecordSaved(1001, save.Sequence)).OfType<BroadcastMessage>().Single(b => b.Message.Timeout is not null);

        var again = engine.Handle(new TimerFired(3000, 1));
        Assert.Empty(again.OfType<SaveSafetyRecord>());
        Assert.Equal(sent.Message.Timeout, again.OfType<BroadcastMessage>().Single(b => b.Message.Timeout is not null).Message.Timeout);
        // Backoff: the re-armed timer uses the round's timeout again.
        Assert.Contains(again.OfType<SetTimer>(), t => t.Round == 1 && t.DeadlineMs == 4000);
    }

    [Fact]
    public void After_a_timeout_the_validator_does_not_vote_in_that_round()
    {
        var proposal = _harness.FirstProposal();
        var engine = _harness.Engine(2);
        engine.Handle(new Started(0));
        var save = engine.Handle(new TimerFired(1000, 1)).OfType<SaveSafetyRecord>().Single();
        engine.Handle(new SafetyRecordSaved(1001, save.Sequence));
        var actions = engine.Handle(Receive(proposal, 1002));
        Assert.DoesNotContain(actions.OfType<SaveSafetyRecord>(), s => s.Record.LastVote is not null);
    }

    [Fact]
    public void A_proposal_with_a_bad_signature_gets_no_vote()
    {
        var proposal = _harness.FirstProposal();
        var bytes = proposal.Signature.ToByteArray();
        bytes[3] ^= 1;
        proposal.Signature = Google.Protobuf.ByteString.CopyFrom(bytes);
        var voter = _harness.Engine(2);
        voter.Handle(new Started(0));
        Assert.Empty(voter.Handle(Receive(proposal)).OfType<SaveSafetyRecord>());
    }

    [Fact]
    public void A_proposal_from_a_validator_that_does_not_lead_the_round_gets_no_vote()
    {
        var proposal = _harness.FirstProposal();
        var voter = _harness.Engine(2);
        voter.Handle(new Started(0));
        // Validator 1 leads round 1; claim the proposal came from validator 3 (the header names 1): rejected.
        proposal.ProposerIndex = 3;
        Assert.Empty(voter.Handle(Receive(proposal)).OfType<SaveSafetyRecord>());
    }
}
