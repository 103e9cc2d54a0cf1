using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Governance.Tests;

/// <summary>
/// Roles checked at admission (the mempool, against committed state) and again in execution (the executor, against
/// the block's state), with the same verdict and reason: what a faulty leader's block cannot get around.
/// </summary>
public sealed class RolesTests
{
    // PUSH1 0 PUSH1 0 RETURN: a contract with empty code.
    private static readonly byte[] InitCode = [0x60, 0x00, 0x60, 0x00, 0xf3];

    private static TransactionPool PoolOf(GovernanceChain chain) =>
        new(chain.Transactions, chain.Genesis.Parameters, chain.Store, chain.Store, chain.Store.ContainsTransactions, 1_000, 1 << 20)
        {
            Permissions = chain.Permissions,
        };

    [Fact]
    public void A_contract_creation_without_the_deployer_role_is_refused_at_admission_and_fails_the_same_way_in_a_block()
    {
        using var chain = new GovernanceChain();
        var create = chain.Sign(chain.Port, to: null, InitCode);
        var admission = PoolOf(chain).Admit(create.Encoded);
        Assert.Equal(TxRejectReason.PermissionDenied, admission.Reason);
        Assert.Contains("lacks the deployer role", admission.Message, StringComparison.Ordinal);

        // A faulty leader includes it anyway: it fails deterministically, charges nothing and leaves the nonce.
        var receipt = chain.Commit([create])[0];
        Assert.Equal(ReceiptStatus.Failed, receipt.Status);
        Assert.Equal(ExecutionError.PermissionDenied, receipt.Error);
        Assert.Equal(admission.Message, receipt.ErrorMessage);
        Assert.Equal(0UL, chain.Store.GetAccount(chain.Port.Address).Nonce);

        var deployed = chain.Send(chain.City, to: null, InitCode);
        Assert.Equal(ReceiptStatus.Success, deployed.Status);
        Assert.False(deployed.ContractAddress.IsEmpty);
    }

    [Fact]
    public void On_a_members_only_chain_an_outsider_is_refused_until_the_committee_grants_it_the_member_role()
    {
        using var chain = new GovernanceChain(policy: GenesisConsortium.MembersPolicy);
        var transfer = chain.Sign(chain.Outsider, chain.City.Address, []);
        var admission = PoolOf(chain).Admit(transfer.Encoded);
        Assert.Equal(TxRejectReason.PermissionDenied, admission.Reason);
        Assert.Contains("not a member of the consortium", admission.Message, StringComparison.Ordinal);
        Assert.Equal(ExecutionError.PermissionDenied, chain.Commit([transfer])[0].Error);

        // Members' admin keys send as members.
        Assert.Equal(ReceiptStatus.Success, chain.Send(chain.Bank, chain.City.Address, []).Status);

        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.GrantRole(chain.Outsider.Address, "member")));
        Assert.Equal(ProposalStatus.Executed, chain.Proposal(id)!.Status);
        Assert.True(PoolOf(chain).Admit(chain.Sign(chain.Outsider, chain.City.Address, []).Encoded).Accepted);
        Assert.Equal(ReceiptStatus.Success, chain.Send(chain.Outsider, chain.City.Address, []).Status);
    }

    [Fact]
    public void The_committee_can_close_an_open_chain_to_non_members_by_a_parameter_vote()
    {
        using var chain = new GovernanceChain();
        Assert.Equal(ReceiptStatus.Success, chain.Send(chain.Outsider, chain.City.Address, []).Status);
        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.SetParameter("members_only", Core.Primitives.UInt256.One)));
        chain.Governance(chain.Port, GovernanceCalls.Vote(id, approve: true));
        Assert.Equal(ProposalStatus.Executed, chain.Proposal(id)!.Status);
        Assert.True(chain.Registry.MembersOnly);
        Assert.Equal(ExecutionError.PermissionDenied, chain.Send(chain.Outsider, chain.City.Address, []).Error);
    }

    [Fact]
    public void A_chain_without_a_consortium_lets_anyone_send_and_deploy()
    {
        var genesis = new GenesisFile { ChainId = "plain", Validators = [new GenesisValidator { Name = "v", PublicKey = Core.Primitives.Hex.Encode(Core.Keys.KeyFile.Generate(Core.Crypto.CryptoSuite.Ed25519Sha256).PublicKey) }] };
        Assert.Empty(GovernanceGenesis.Storage(genesis));
        using var store = Storage.ChainStore.OpenInMemory(genesis);
        Assert.Null(new GovernancePermissions().Refusal(store, Core.Primitives.Address.Zero, createsContract: true));
        Assert.Null(GovernanceReader.Registry(store));
    }
}
