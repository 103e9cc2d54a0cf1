using Google.Protobuf;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Governance.Tests;

/// <summary>
/// The committee's decisions end to end through the real executor and store: who may propose and vote, thresholds by
/// weight, execution in the deciding vote's transaction, rejection, expiry, and the validator-change guards.
/// </summary>
public sealed class GovernanceContractTests
{
    [Fact]
    public void Genesis_seeds_the_consortium_into_the_contract_state_with_each_accounts_permissions()
    {
        using var chain = new GovernanceChain();
        var registry = chain.Registry;
        Assert.Equal(["bank", "city", "port"], registry.Members.Select(m => m.Name));
        Assert.Equal(4UL, GovernanceRules.TotalWeight(registry));
        Assert.Equal(4, registry.Validators.Count);
        Assert.Equal(Hex.Encode(chain.Validators[0].PublicKey), Hex.Encode(registry.Validators[0].PublicKey.ToByteArray()));
        Assert.Equal(Permission.Admin | Permission.Deployer | Permission.MemberAdmin, GovernanceReader.PermissionsOf(chain.Store, chain.City.Address));
        Assert.Equal(Permission.MemberAdmin, GovernanceReader.PermissionsOf(chain.Store, chain.Port.Address));
        Assert.Equal(Permission.None, GovernanceReader.PermissionsOf(chain.Store, chain.Outsider.Address));
    }

    [Fact]
    public void A_role_grant_passes_when_the_yes_weight_reaches_its_threshold_and_takes_effect_in_that_transaction()
    {
        using var chain = new GovernanceChain();
        // Roles need 1/2 of 4: port's vote (1) is short; bank's makes 2.
        var id = GovernanceChain.IdOf(chain.Governance(chain.Port, GovernanceCalls.GrantRole(chain.Outsider.Address, "deployer")));
        Assert.Equal(ProposalStatus.Open, chain.Proposal(id)!.Status);
        Assert.Equal(Permission.None, GovernanceReader.PermissionsOf(chain.Store, chain.Outsider.Address));

        var vote = chain.Governance(chain.Bank, GovernanceCalls.Vote(id, approve: true));
        Assert.Equal(ReceiptStatus.Success, vote.Status);
        var proposal = chain.Proposal(id)!;
        Assert.Equal(ProposalStatus.Executed, proposal.Status);
        Assert.Equal(chain.Height, proposal.DecidedAtHeight);
        Assert.Equal(["port", "bank"], proposal.Votes.Select(v => v.Member));
        Assert.Equal(Permission.Deployer, GovernanceReader.PermissionsOf(chain.Store, chain.Outsider.Address));
        Assert.Contains(chain.Registry.Roles, g => g.Role == "deployer" && new Address(g.Account.Span) == chain.Outsider.Address);
        // Every step is an event of the contract: the vote, then the execution.
        Assert.Equal([GovernanceContract.VotedTopic, GovernanceContract.ProposalExecutedTopic],
            vote.Logs.Select(l => new Hash32(l.Topics[0].Span)));
    }

    [Fact]
    public void A_vote_short_of_the_threshold_changes_nothing_and_enough_no_weight_rejects()
    {
        using var chain = new GovernanceChain();
        var key = KeyFile.Generate(chain.Suite).PublicKey;
        var before = chain.Registry.ToByteArray();
        // Validators need 2/3 of 4: city proposes (2), port says no (1): 3 could still say yes... bank says no: at most 2.
        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.AddValidator(key, 1, "city", force: false)));
        Assert.Equal(ProposalStatus.Open, chain.Proposal(id)!.Status);
        Assert.Equal(ReceiptStatus.Success, chain.Governance(chain.Port, GovernanceCalls.Vote(id, approve: false)).Status);
        Assert.Equal(ProposalStatus.Open, chain.Proposal(id)!.Status);
        var last = chain.Governance(chain.Bank, GovernanceCalls.Vote(id, approve: false));
        Assert.Equal(ProposalStatus.Rejected, chain.Proposal(id)!.Status);
        Assert.Contains(last.Logs, l => new Hash32(l.Topics[0].Span) == GovernanceContract.ProposalRejectedTopic);
        Assert.Equal(before, chain.Registry.ToByteArray());

        var late = chain.Governance(chain.Bank, GovernanceCalls.Vote(id, approve: true));
        Assert.Equal(ExecutionError.Reverted, late.Error);
        Assert.Contains("already decided (rejected)", late.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_validator_added_by_vote_is_scheduled_for_the_end_of_the_next_epoch_and_then_signs()
    {
        using var chain = new GovernanceChain(epochLength: 10);
        var key = KeyFile.Generate(chain.Suite).PublicKey;
        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.AddValidator(key, 1, "port", force: false)));
        var decided = chain.Governance(chain.Port, GovernanceCalls.Vote(id, approve: true));
        Assert.Equal(ReceiptStatus.Success, decided.Status);
        var height = chain.Height;
        var pending = chain.Registry.PendingValidators;
        Assert.NotNull(pending);
        // As the consensus engine computes it: (h / length + 2) * length - 1.
        Assert.Equal((height / 10 + 2) * 10 - 1, pending.LastHeightOfEpoch);
        Assert.Equal(5, pending.Validators.Count);
        Assert.Contains(decided.Logs, l => new Hash32(l.Topics[0].Span) == GovernanceContract.ValidatorSetChangeScheduledTopic);
        Assert.Equal(4, GovernanceRules.ValidatorsAt(chain.Registry, pending.LastHeightOfEpoch).Count);
        Assert.Equal(5, GovernanceRules.ValidatorsAt(chain.Registry, pending.LastHeightOfEpoch + 1).Count);

        // A second change waits for the first epoch to end.
        var early = chain.Governance(chain.City, GovernanceCalls.RemoveValidator(chain.Validators[0].PublicKey, force: false));
        Assert.Contains("already scheduled", early.ErrorMessage, StringComparison.Ordinal);
        chain.AdvanceTo(pending.LastHeightOfEpoch);
        var removal = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.RemoveValidator(chain.Validators[0].PublicKey, force: false)));
        chain.Governance(chain.Bank, GovernanceCalls.Vote(removal, approve: true));
        var registry = chain.Registry;
        Assert.Equal(2UL, registry.Epoch);
        Assert.Equal(5, registry.Validators.Count);
        Assert.Equal(4, registry.PendingValidators.Validators.Count);
        Assert.DoesNotContain(registry.PendingValidators.Validators, v => v.PublicKey.Span.SequenceEqual(chain.Validators[0].PublicKey));
    }

    [Fact]
    public void Replacing_a_third_or_more_of_the_power_is_refused_without_force_and_needs_the_forced_threshold_with_it()
    {
        using var chain = new GovernanceChain();
        var key = KeyFile.Generate(chain.Suite).PublicKey;
        // Power 2 added to a total of 4 changes half of it.
        var refused = chain.Governance(chain.City, GovernanceCalls.AddValidator(key, 2, "city", force: false));
        Assert.Equal(ExecutionError.Reverted, refused.Error);
        Assert.Contains("needs force", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0UL, GovernanceReader.ProposalCount(chain.Store));

        // Forced: 3/4 of the weight. City and port (3 of 4) are enough; city alone is not.
        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.AddValidator(key, 2, "city", force: true)));
        Assert.Equal(ProposalStatus.Open, chain.Proposal(id)!.Status);
        chain.Governance(chain.Port, GovernanceCalls.Vote(id, approve: true));
        Assert.Equal(ProposalStatus.Executed, chain.Proposal(id)!.Status);
        Assert.Equal(6UL, chain.Registry.PendingValidators.Validators.Aggregate(0UL, (s, v) => s + v.Power));
    }

    [Fact]
    public void A_proposal_past_its_expiry_cannot_be_voted_through()
    {
        using var chain = new GovernanceChain(lifetime: 3);
        var id = GovernanceChain.IdOf(chain.Governance(chain.Port, GovernanceCalls.AdmitNode(KeyFile.Generate(chain.Suite).PublicKey, "ship-1", "port")));
        var expires = chain.Proposal(id)!.ExpiresAtHeight;
        chain.AdvanceTo(expires);
        Assert.Equal(ProposalStatus.Expired, chain.Proposal(id)!.Status);
        var late = chain.Governance(chain.Bank, GovernanceCalls.Vote(id, approve: true));
        Assert.Equal(ExecutionError.Reverted, late.Error);
        Assert.Contains($"expired at height {expires}", late.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(chain.Registry.Nodes);
    }

    [Fact]
    public void Only_members_admin_keys_propose_only_seated_members_vote_and_each_member_votes_once()
    {
        using var chain = new GovernanceChain();
        var outsider = chain.Governance(chain.Outsider, GovernanceCalls.GrantRole(chain.Outsider.Address, "deployer"));
        Assert.Contains("not an admin key of any member", outsider.ErrorMessage, StringComparison.Ordinal);

        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.AddValidator(KeyFile.Generate(chain.Suite).PublicKey, 1, "", force: false)));
        var twice = chain.Governance(chain.City, GovernanceCalls.Vote(id, approve: true));
        Assert.Contains("already voted", twice.ErrorMessage, StringComparison.Ordinal);
        var stranger = chain.Governance(chain.Outsider, GovernanceCalls.Vote(id, approve: true));
        Assert.Contains("not an admin key", stranger.ErrorMessage, StringComparison.Ordinal);

        // A new member without a seat may propose but not vote; a seat given by the committee lets it vote.
        var newcomer = KeyFile.Generate(chain.Suite);
        var add = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.AddMember("shipping", [newcomer.PublicKey])));
        chain.Governance(chain.Port, GovernanceCalls.Vote(add, approve: true));
        Assert.Equal(ProposalStatus.Executed, chain.Proposal(add)!.Status);
        var unseated = chain.Governance(newcomer, GovernanceCalls.Vote(id, approve: true));
        Assert.Contains("has no committee seat", unseated.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_calldata_and_unknown_functions_revert_with_a_reason()
    {
        using var chain = new GovernanceChain();
        Assert.Contains("shorter than a selector", chain.Governance(chain.City, [1, 2]).ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("unknown function", chain.Governance(chain.City, [1, 2, 3, 4]).ErrorMessage, StringComparison.Ordinal);
        var truncated = GovernanceCalls.GrantRole(chain.Outsider.Address, "deployer")[..40];
        Assert.Contains("malformed proposal arguments", chain.Governance(chain.City, truncated).ErrorMessage, StringComparison.Ordinal);
        var badRole = chain.Governance(chain.City, GovernanceCalls.GrantRole(chain.Outsider.Address, "emperor"));
        Assert.Contains("role 'emperor' is not one of", badRole.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0UL, GovernanceReader.ProposalCount(chain.Store));
    }
}

/// <summary>The Solidity interface and the native contract agree, and Solidity contracts can ask governance who may act.</summary>
public sealed class GovernanceAbiTests
{
    [Fact]
    public void Every_function_and_event_of_IGovernance_sol_is_the_one_the_contract_dispatches_and_logs()
    {
        var abi = GovernanceAbi.Contract;
        uint[] dispatched =
        [
            GovernanceContract.ProposeAddValidator, GovernanceContract.ProposeRemoveValidator, GovernanceContract.ProposeAdmitNode,
            GovernanceContract.ProposeRevokeNode, GovernanceContract.ProposeGrantRole, GovernanceContract.ProposeRevokeRole,
            GovernanceContract.ProposeSetParameter, GovernanceContract.ProposeSetCommitteeSeat, GovernanceContract.ProposeAddMember,
            GovernanceContract.ProposeCrossChainClient, GovernanceContract.Vote, GovernanceContract.HasRole, GovernanceContract.PermissionsOfSelector, GovernanceContract.IsAdmittedNode,
            GovernanceContract.ProposalCount, GovernanceContract.ProposalSelector, GovernanceContract.RegistrySelector,
        ];
        Assert.Equal(dispatched.Order(), abi.Functions.Select(f => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(f.Selector)).Order());
        Core.Primitives.Hash32[] logged =
        [
            GovernanceContract.ProposalCreatedTopic, GovernanceContract.VotedTopic, GovernanceContract.ProposalExecutedTopic,
            GovernanceContract.ProposalRejectedTopic, GovernanceContract.ProposalFailedTopic, GovernanceContract.ValidatorSetChangeScheduledTopic,
        ];
        Assert.Equal(logged.Order(), abi.Events.Select(e => e.Topic).Order());
    }
}
