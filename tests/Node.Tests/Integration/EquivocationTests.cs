using ShanghaiChain.Core.Keys;
using ShanghaiChain.V1;
using Xunit.Abstractions;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// A twin validator (the same validator key run by two processes, as a botched fail-over would) proposes twice in its
/// rounds: the honest validators catch it, a leader puts the evidence in a block, and execution records it in the
/// governance record with a removal proposal for the committee. The chain keeps committing throughout.
/// </summary>
public sealed class EquivocationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_twin_validators_equivocation_ends_up_as_evidence_in_a_block_and_in_state()
    {
        await using var net = new TestNetwork(validators: 4, spareNodes: 1, emptyBlockIntervalMs: 100);
        File.Copy(net.Homes[3].ValidatorKeyFile, net.Homes[4].ValidatorKeyFile);
        var twinKey = KeyFile.Load(net.Homes[3].ValidatorKeyFile).PublicKey;
        await net.StartAllValidatorsAsync();
        await net.StartAsync(4);
        await net.WaitForHeightAsync([0, 1, 2], 3, Patience);

        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(net.UrlOf(0));
        var governance = new GovernanceService.GovernanceServiceClient(channel);
        var deadline = DateTime.UtcNow + Patience;
        GovernanceEvidence? recorded = null;
        while (recorded is null && DateTime.UtcNow < deadline)
        {
            recorded = (await governance.GetRegistryAsync(new GetRegistryRequest())).Registry.Evidence.FirstOrDefault();
            await Task.Delay(NodeBinary.PollInterval);
        }
        Assert.True(recorded is not null, "no evidence recorded:\n" + net[0]!.Log);
        Assert.Equal(twinKey, recorded.Validator.ToByteArray());
        output.WriteLine($"{recorded.Kind} in epoch {recorded.Epoch} round {recorded.Round}, recorded at height {recorded.Height}, removal proposal {recorded.RemovalProposal}");

        // The block that carried it, as every node serves it.
        var block = await net.BlockAsync(1, recorded.Height);
        Assert.NotEmpty(block.Block.Evidence);
        Assert.False(block.Header.EvidenceRoot.IsEmpty);
        var proposal = (await governance.GetProposalAsync(new GetProposalRequest { Id = recorded.RemovalProposal })).Proposal;
        Assert.Equal(twinKey, proposal.Action.RemoveValidator.PublicKey.ToByteArray());
        Assert.Equal(ProposalStatus.Open, proposal.Status);

        var height = await net.HeightOfAsync(0);
        await net.WaitForHeightAsync([0, 1, 2], height + 5, Patience);
        await net.AssertAgreeAsync([0, 1, 2], height + 5);
    }
}
