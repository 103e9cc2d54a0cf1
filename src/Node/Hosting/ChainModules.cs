using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Governance;
using ShanghaiChain.Vm.Evm.SystemContracts;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// The modules a chain's genesis asks for, registered with the VM (the design's rule: Vm never references them, the
/// node plugs them in): the standard system contracts on every chain, and the governance contract with its genesis
/// state and the roles rule on a chain whose genesis names a consortium.
/// </summary>
public sealed record ChainModules(SystemContractRegistry SystemContracts, IReadOnlyList<StorageChange> GenesisStorage,
    ITransactionPermissions? Permissions, IBlockEvidenceHandler? EvidenceHandler)
{
    public static ChainModules For(GenesisFile genesis)
    {
        var contracts = SystemContractRegistry.CreateStandard();
        if (genesis.Consortium is null)
        {
            return new ChainModules(contracts, [], null, null);
        }
        contracts.Register(GovernanceLayout.Address, new GovernanceContract(genesis.Suite, genesis.Parameters));
        return new ChainModules(contracts, GovernanceGenesis.Storage(genesis), new GovernancePermissions(), new GovernanceEvidenceRecorder(genesis.Suite));
    }

    /// <summary>Whether the committee governs this chain (its validators and parameters may change while it runs).</summary>
    public bool Governed => Permissions is not null;

    /// <summary>The code every system contract's account holds at genesis.</summary>
    public IReadOnlyList<KeyValuePair<Address, byte[]>> GenesisCode => SystemContractGenesis.CodeOf(SystemContracts);
}
