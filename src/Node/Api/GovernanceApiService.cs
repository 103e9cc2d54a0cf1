using Grpc.Core;
using ShanghaiChain.Governance;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// The governance read API: the registry and proposals as of the committed head, read from one consistent state view.
/// Validated here: the page size (1–500) and proposal ids; a chain without a consortium answers NOT_FOUND.
/// </summary>
public sealed class GovernanceApiService(IChainReader store) : GovernanceService.GovernanceServiceBase
{
    private const uint DefaultPage = 50;
    private const uint MaxPage = 500;

    public override Task<GetRegistryResponse> GetRegistry(GetRegistryRequest request, ServerCallContext context)
    {
        using var view = OpenView();
        return Task.FromResult(new GetRegistryResponse
        {
            Height = view.Height,
            Registry = RegistryOf(view),
            Contract = GovernanceLayout.Address.ToByteString(),
        });
    }

    public override Task<ListProposalsResponse> ListProposals(ListProposalsRequest request, ServerCallContext context)
    {
        if (request.Limit > MaxPage)
        {
            throw ApiErrors.InvalidArgument($"limit {request.Limit} is above {MaxPage}");
        }
        using var view = OpenView();
        RegistryOf(view);
        var total = GovernanceReader.ProposalCount(view);
        var response = new ListProposalsResponse { Height = view.Height, Total = total };
        var limit = request.Limit == 0 ? DefaultPage : request.Limit;
        var id = request.BeforeId == 0 || request.BeforeId > total ? total : request.BeforeId - 1;
        for (; id >= 1 && response.Proposals.Count < limit; id--)
        {
            var proposal = GovernanceReader.Proposal(view, id, view.Height)!;
            if (!request.OpenOnly || proposal.Status == ProposalStatus.Open)
            {
                response.Proposals.Add(proposal);
            }
        }
        return Task.FromResult(response);
    }

    public override Task<GetProposalResponse> GetProposal(GetProposalRequest request, ServerCallContext context)
    {
        using var view = OpenView();
        var registry = RegistryOf(view);
        var proposal = GovernanceReader.Proposal(view, request.Id, view.Height)
            ?? throw ApiErrors.NotFound($"no proposal {request.Id} (there are {GovernanceReader.ProposalCount(view)})");
        var (yes, no) = GovernanceRules.Tally(registry, proposal);
        return Task.FromResult(new GetProposalResponse
        {
            Height = view.Height,
            Proposal = proposal,
            Threshold = GovernanceRules.ThresholdOf(registry, proposal.Action, proposal.Force),
            YesWeight = yes,
            NoWeight = no,
            TotalWeight = GovernanceRules.TotalWeight(registry),
        });
    }

    private Core.Ports.IStateView OpenView() =>
        store.OpenStateView(null) ?? throw new RpcException(new Status(StatusCode.Unavailable, "the state at the head is not readable yet"));

    /// <summary>
    /// The record as the next block sees it: the contract makes a scheduled epoch current lazily (at its next
    /// transaction), so once the head has reached that epoch's start the API shows its validators and parameters in
    /// force, as consensus and block validity already use them.
    /// </summary>
    private static GovernanceRegistry RegistryOf(Core.Ports.IStateView view)
    {
        var registry = GovernanceReader.Registry(view) ?? throw ApiErrors.NotFound("this chain's genesis names no consortium: it has no governance");
        GovernanceRules.Advance(registry, view.Height + 1);
        return registry;
    }
}
