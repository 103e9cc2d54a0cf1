using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Governance;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Relay;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.Storage;
using ShanghaiChain.Vm.Evm.SystemContracts;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// The modules a chain's genesis asks for, registered with the VM (the design's rule: Vm never references them, the
/// node plugs them in): the standard system contracts and the cross-chain contract (0x…1003, docs/relay.md) on every
/// chain, and the governance contract with its genesis state and the roles rule on a chain whose genesis names a
/// consortium. The cross-chain contract's authority is the governance address, so on a chain without a consortium it
/// runs but no client can ever be created there.
/// </summary>
public sealed record ChainModules(SystemContractRegistry SystemContracts, IReadOnlyList<StorageChange> GenesisStorage,
    ITransactionPermissions? Permissions, IBlockEvidenceHandler? EvidenceHandler)
{
    public static ChainModules For(GenesisFile genesis)
    {
        var contracts = SystemContractRegistry.CreateStandard();
        contracts.Register(CrossChainLayout.Address, new CrossChainContract(genesis.Suite, genesis.ChainId, GovernanceLayout.Address));
        if (genesis.Consortium is null)
        {
            return new ChainModules(contracts, [], null, null);
        }
        contracts.Register(GovernanceLayout.Address, new GovernanceContract(genesis.Suite, genesis.Parameters));
        return new ChainModules(contracts, GovernanceGenesis.Storage(genesis), new GovernancePermissions(), new GovernanceEvidenceRecorder(genesis.Suite));
    }

    /// <summary>Whether the committee governs this chain (its validators and parameters may change while it runs).</summary>
    public bool Governed => Permissions is not null;

    /// <summary>
    /// The block executor with this chain's modules, as every composition of the pipeline builds it (the node's host, and
    /// the operator commands on a stopped node): one definition, so that a block is executed the same way in both.
    /// </summary>
    public BlockExecutor CreateExecutor(GenesisFile genesis, ValidatorSchedule schedule) =>
        new(genesis.Parameters, genesis.Suite, SystemContracts, Permissions)
        {
            EvidenceHandler = EvidenceHandler,
            BlockGasLimitAt = Governed ? height => schedule.ParametersAt(height).BlockGasLimit : null,
        };

    /// <summary>The mempool with this chain's admission rules (roles, the parameters in force), as every composition builds it.</summary>
    public TransactionPool CreatePool(GenesisFile genesis, TransactionValidator validator, IChainReader store, ValidatorSchedule schedule,
        NodeConfig config, Action<VerifiedTransaction, string>? permissionRefused = null) =>
        new(validator, genesis.Parameters, store, store, store.ContainsTransactions, config.MempoolMaxTxs, config.MempoolMaxBytes, config.MempoolMaxTxsPerSender)
        {
            Permissions = Permissions,
            ParametersInForce = Governed ? () => schedule.Current.Parameters : null,
            PermissionRefused = permissionRefused,
        };

    /// <summary>
    /// The largest frame that may carry one committed block (a peer's proposal or block, an archive's frame): the largest
    /// block the chain allows, the ceiling on a governed chain whose committee may raise it, plus 1 MiB for the
    /// certificate and evidence. Anything larger is refused before it is parsed.
    /// </summary>
    public static int MaxBlockFrameBytes(GenesisFile genesis) =>
        (genesis.Consortium is null ? genesis.Parameters.MaxBlockBytes : ChainParameters.MaxBlockBytesCeiling) + (1 << 20);

    /// <summary>The code every system contract's account holds at genesis.</summary>
    public IReadOnlyList<KeyValuePair<Address, byte[]>> GenesisCode => SystemContractGenesis.CodeOf(SystemContracts);
}
