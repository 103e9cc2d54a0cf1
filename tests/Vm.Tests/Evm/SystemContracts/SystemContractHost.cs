using System.Text.Json;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Tests;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.State;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Vm.Tests.Evm.SystemContracts;

/// <summary>
/// A world with a funded sender and, when given a registry, its system contracts seeded as the node does at genesis.
/// Runs whole transactions through <see cref="TransactionProcessor"/>.
/// </summary>
internal sealed class SystemContractHost
{
    public static readonly Address Sender = Address.Parse("0x000000000000000000000000000000000000ca11");

    public InMemoryWorldState State { get; } = new();

    public VirtualMachine Vm { get; }

    public SystemContractHost(SystemContractRegistry? registry)
    {
        Vm = new VirtualMachine(State, new BlockContext
        {
            Coinbase = Address.Parse("0x00000000000000000000000000000000000c0122"),
            Number = 1,
            Timestamp = 1_700_000_000,
            GasLimit = 30_000_000,
            ChainId = new UInt256(7),
        }, new EvmRules { SystemContracts = registry });
        State.Seed(Sender, new UInt256(1_000_000_000_000), 0, [], []);
        registry?.SeedGenesis(State);
        State.CommitTransaction();
    }

    /// <summary>Places a compiled contract's runtime code from contracts/build at <paramref name="address"/>.</summary>
    public void DeployArtifact(string contract, Address address)
    {
        var path = Path.Combine(RepositoryPaths.Root, "contracts", "build", contract + ".json");
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        State.Seed(address, UInt256.Zero, 1, Convert.FromHexString(json.RootElement.GetProperty("deployedBytecode").GetString()!), []);
        State.CommitTransaction();
    }

    public TransactionResult Send(Address to, byte[] data, UInt256 value = default, long gas = 1_000_000)
    {
        var result = new TransactionProcessor(Vm).Execute(new EvmTransaction
        {
            Sender = Sender,
            To = to,
            Nonce = State.GetNonce(Sender),
            GasLimit = gas,
            Value = value,
            Data = data,
        });
        Assert.True(result.IsValid, result.InvalidReason);
        return result;
    }

    /// <summary>A bare message at depth 0 (no intrinsic gas), for exact gas accounting.</summary>
    public CallResult Message(CallKind kind, Address to, byte[] input, long gas = 1_000_000, bool isStatic = false)
    {
        Vm.BeginTransaction(new TransactionContext { Origin = Sender, GasPrice = UInt256.Zero });
        return Vm.Execute(new Message(kind, Sender, to, to, UInt256.Zero, input, gas, isStatic));
    }
}
