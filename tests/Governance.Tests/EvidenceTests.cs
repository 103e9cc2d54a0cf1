using Google.Protobuf;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Governance.Tests;

/// <summary>A block's equivocation evidence is recorded in the governance record and puts the offender before the committee.</summary>
public sealed class EvidenceTests
{
    private static EquivocationEvidence DoubleVote(GovernanceChain chain, int validator, ulong round)
    {
        var set = GovernanceRules.ToValidatorSet(chain.Registry.Validators, chain.Suite);
        var verifier = new EpochVerifier(GovernanceChain.ChainId, chain.Suite, set, 1, chain.Store.GenesisHash, 0);
        Vote VoteFor(byte fill)
        {
            var hash = new Hash32(Enumerable.Repeat(fill, 32).ToArray());
            return new Vote
            {
                Epoch = 1,
                Round = round,
                Height = 5,
                BlockHash = hash.ToByteString(),
                ValidatorIndex = (uint)validator,
                Signature = ByteString.CopyFrom(verifier.SignVote(chain.Validators[validator].ExportPrivateKey(), round, 5, hash)),
            };
        }
        var evidence = new EquivocationEvidence { DoubleVote = new DoubleVote { First = VoteFor(1), Second = VoteFor(2) } };
        Assert.True(EvidenceVerifier.Verify(verifier, evidence, out var index) && index == validator);
        return evidence;
    }

    [Fact]
    public void Evidence_in_a_block_is_recorded_once_and_opens_a_removal_proposal_the_committee_decides()
    {
        using var chain = new GovernanceChain();
        var evidence = DoubleVote(chain, validator: 2, round: 7);
        chain.Commit([], [evidence]);
        var record = Assert.Single(chain.Registry.Evidence);
        Assert.Equal(chain.Validators[2].PublicKey, record.Validator.ToByteArray());
        Assert.Equal(("double_vote", 7UL, chain.Height), (record.Kind, record.Round, record.Height));
        var removal = chain.Proposal(record.RemovalProposal)!;
        Assert.Equal(ProposalStatus.Open, removal.Status);
        Assert.Equal(chain.Validators[2].PublicKey, removal.Action.RemoveValidator.PublicKey.ToByteArray());

        // The same equivocation in a later block changes nothing.
        chain.Commit([], [evidence]);
        Assert.Single(chain.Registry.Evidence);
        Assert.Equal(1UL, GovernanceReader.ProposalCount(chain.Store));

        // The committee votes on it like on any proposal.
        chain.Governance(chain.City, GovernanceCalls.Vote(removal.Id, approve: true));
        chain.Governance(chain.Port, GovernanceCalls.Vote(removal.Id, approve: true));
        Assert.Equal(ProposalStatus.Executed, chain.Proposal(removal.Id)!.Status);
        Assert.DoesNotContain(chain.Registry.PendingValidators.Validators, v => v.PublicKey.Span.SequenceEqual(chain.Validators[2].PublicKey));
    }
}
