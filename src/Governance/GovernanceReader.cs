using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Governance;

/// <summary>
/// The governance state as the node and the API read it from a state view (no gas, no EVM). Returns null/empty on a
/// chain without a consortium.
/// </summary>
public static class GovernanceReader
{
    public static GovernanceRegistry? Registry(IStateReader state)
    {
        SlotBlob.TryRead(new StateSlots(state), GovernanceLayout.RegistrySlot, out var bytes);
        return bytes.Length == 0 ? null : GovernanceRegistry.Parser.ParseFrom(bytes);
    }

    public static ulong ProposalCount(IStateReader state) => state.GetStorage(GovernanceLayout.Address, GovernanceLayout.ProposalCountSlot).U0;

    /// <summary>
    /// Proposal <paramref name="id"/> with its status after committed height <paramref name="height"/>, or null. An open
    /// proposal reads as expired once no later block can take a vote on it (the next block is past its expiry).
    /// </summary>
    public static GovernanceProposal? Proposal(IStateReader state, ulong id, ulong height)
    {
        SlotBlob.TryRead(new StateSlots(state), GovernanceLayout.ProposalSlot(id), out var bytes);
        if (bytes.Length == 0)
        {
            return null;
        }
        var proposal = GovernanceProposal.Parser.ParseFrom(bytes);
        if (proposal.Status == ProposalStatus.Open && height >= proposal.ExpiresAtHeight)
        {
            proposal.Status = ProposalStatus.Expired;
        }
        return proposal;
    }

    public static Permission PermissionsOf(IStateReader state, Address account) =>
        (Permission)state.GetStorage(GovernanceLayout.Address, GovernanceLayout.PermissionSlot(account)).U0;

    public static string StatusName(ProposalStatus status) => status switch
    {
        ProposalStatus.Open => "open",
        ProposalStatus.Executed => "executed",
        ProposalStatus.Rejected => "rejected",
        ProposalStatus.Failed => "failed",
        ProposalStatus.Expired => "expired",
        _ => "unknown",
    };
}
