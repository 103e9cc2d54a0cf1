using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Vm.Tests.Evm;

/// <summary>Deploys hand-assembled code at a fixed address and calls it, as the top-level call of a transaction.</summary>
internal sealed class EvmTestHost
{
    public static readonly Address Contract = Address.Parse("0x000000000000000000000000000000000000c0de");
    public static readonly Address Caller = Address.Parse("0x000000000000000000000000000000000000ca11");
    public static readonly Address Coinbase = Address.Parse("0x00000000000000000000000000000000000c0122");

    public InMemoryWorldState State { get; } = new();

    public VirtualMachine Vm { get; }

    public EvmTestHost()
    {
        Vm = new VirtualMachine(State, new BlockContext
        {
            Coinbase = Coinbase,
            Number = 100,
            Timestamp = 1_700_000_000,
            GasLimit = 30_000_000,
            BaseFee = new UInt256(7),
            ChainId = new UInt256(1),
        });
        State.Seed(Caller, new UInt256(1_000_000_000_000), 0, [], []);
    }

    public void Deploy(Address address, string hexCode, UInt256 balance = default) =>
        State.Seed(address, balance, 1, Convert.FromHexString(hexCode), []);

    /// <summary>Runs <paramref name="hexCode"/> at <see cref="Contract"/> in a fresh transaction; the contract and caller are warm.</summary>
    public CallResult Run(string hexCode, long gas = 1_000_000, byte[]? input = null, UInt256 value = default)
    {
        Deploy(Contract, hexCode, State.GetBalance(Contract));
        return Call(gas, input, value);
    }

    /// <summary>Calls <see cref="Contract"/> again (a new transaction) without redeploying.</summary>
    public CallResult Call(long gas = 1_000_000, byte[]? input = null, UInt256 value = default)
    {
        State.CommitTransaction();
        Vm.BeginTransaction(new TransactionContext { Origin = Caller, GasPrice = new UInt256(10) });
        Vm.Substate.WarmAccount(Caller);
        Vm.Substate.WarmAccount(Contract);
        return Vm.Execute(new Message(CallKind.Call, Caller, Contract, Contract, value, input ?? [], gas));
    }

    public UInt256 Storage(ulong slot, Address? at = null) => State.GetStorage(at ?? Contract, new UInt256(slot));

    public static long GasUsed(CallResult result, long gas = 1_000_000) => gas - result.GasLeft;
}
