using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Governance;

/// <summary>
/// The roles rule of docs/governance.md, read from the governance contract's policy and permission words: on a
/// members-only chain the sender must be a member (the member role, a member's admin key, or admin); creating a
/// contract needs the deployer role. One or two storage reads per transaction; admission and execution share it.
/// </summary>
public sealed class GovernancePermissions : ITransactionPermissions
{
    private const Permission MayTransact = Permission.Member | Permission.MemberAdmin | Permission.Admin;

    public string? Refusal(IStateReader state, Address sender, bool createsContract)
    {
        var policy = state.GetStorage(GovernanceLayout.Address, GovernanceLayout.PolicySlot).U0;
        if ((policy & GovernanceLayout.PolicyPresent) == 0)
        {
            return null;
        }
        var membersOnly = (policy & GovernanceLayout.PolicyMembersOnly) != 0;
        if (!membersOnly && !createsContract)
        {
            return null;
        }
        var permission = GovernanceReader.PermissionsOf(state, sender);
        if (membersOnly && (permission & MayTransact) == 0)
        {
            return $"{sender} is not a member of the consortium, and this chain's transaction_policy is members";
        }
        if (createsContract && (permission & Permission.Deployer) == 0)
        {
            return $"{sender} lacks the deployer role needed to create contracts";
        }
        return null;
    }
}
