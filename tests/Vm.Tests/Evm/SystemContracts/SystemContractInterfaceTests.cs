using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Vm.Tests.Evm.SystemContracts;

/// <summary>
/// The system-contract interface with a stateful native contract (a counter that governance-like contracts resemble):
/// metered storage, logs, caller identity, revert and failure semantics, static calls, delegation and the registry.
/// </summary>
public class SystemContractInterfaceTests
{
    private static readonly Address CounterAddress = SystemContractRegistry.AddressOf(0x80);

    /// <summary>
    /// Calldata byte 0 selects: 1 = increment slot 0 and log the caller; 2 = increment then revert with a reason;
    /// 3 = increment then fail; 4 = return slot 0; 5 = burn 1,000,000 gas.
    /// </summary>
    private sealed class Counter : ISystemContract
    {
        public string Name => "Counter";

        public bool AllowsDelegation => false;

        public bool AcceptsValue => true;

        public SystemCallResult Run(SystemCallContext context)
        {
            var input = context.Input.Span;
            if (input.Length == 0)
            {
                return SystemCallResult.RevertWithReason("Counter: empty input");
            }
            if (!context.TryLoad(UInt256.Zero, out var count))
            {
                return SystemCallResult.Fail(context.FailureStatus);
            }
            switch (input[0])
            {
                case 4:
                    return SystemCallResult.Return(Word(count));
                case 5:
                    return context.TryUseGas(1_000_000) ? SystemCallResult.Return(default) : SystemCallResult.Fail(context.FailureStatus);
            }
            var next = UInt256.AddWrapping(count, UInt256.One);
            Span<byte> caller = stackalloc byte[32];
            caller.Clear();
            context.Caller.WriteTo(caller[12..]);
            if (!context.TryStore(UInt256.Zero, next) || !context.TryEmitLog([new Hash32(caller)], Word(next)))
            {
                return SystemCallResult.Fail(context.FailureStatus);
            }
            return input[0] switch
            {
                1 => SystemCallResult.Return(Word(next)),
                2 => SystemCallResult.RevertWithReason("Counter: reverted on request"),
                _ => SystemCallResult.Fail(EvmStatus.InvalidOpcode),
            };
        }

        private static byte[] Word(in UInt256 value)
        {
            var word = new byte[32];
            value.WriteBigEndian(word);
            return word;
        }
    }

    private static SystemContractHost Host() =>
        new(new SystemContractRegistry().Register(CounterAddress, new Counter()));

    private static UInt256 Count(SystemContractHost host) => host.State.GetStorage(CounterAddress, UInt256.Zero);

    [Fact]
    public void A_call_writes_storage_at_sstore_prices_and_logs_from_the_contract_address()
    {
        var host = Host();
        var result = host.Message(CallKind.Call, CounterAddress, [1], 100_000);
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.Equal(UInt256.One, Count(host));
        // Cold SLOAD (2,100) + SSTORE of a fresh slot, now warm (20,000) + LOG1 with 32 bytes (375 + 375 + 256).
        Assert.Equal(2100 + 20_000 + 375 + 375 + 8 * 32, 100_000 - result.GasLeft);
        var log = Assert.Single(host.Vm.Substate.Logs);
        Assert.Equal(CounterAddress, log.Address);
        var sender = new byte[32];
        SystemContractHost.Sender.WriteTo(sender.AsSpan(12));
        Assert.Equal(new Hash32(sender), log.Topics[0]);
    }

    [Fact]
    public void Every_transaction_starts_with_cold_slots_and_no_logs()
    {
        var host = Host();
        Assert.Equal(EvmStatus.Returned, host.Message(CallKind.Call, CounterAddress, [1], 100_000).Status);
        Assert.Single(host.Vm.Substate.Logs);
        host.State.CommitTransaction();
        // The reused substate was emptied: the slot is cold again (2,100) and the previous log is gone.
        var read = host.Message(CallKind.StaticCall, CounterAddress, [4], 100_000, isStatic: true);
        Assert.Equal(GasCosts.ColdSload, 100_000 - read.GasLeft);
        Assert.Empty(host.Vm.Substate.Logs);
        Assert.Equal(0, host.Vm.Substate.Refund);
    }

    [Fact]
    public void A_revert_undoes_storage_and_logs_and_returns_the_unused_gas()
    {
        var host = Host();
        var result = host.Message(CallKind.Call, CounterAddress, [2], 100_000);
        Assert.Equal(EvmStatus.Reverted, result.Status);
        Assert.Equal("Counter: reverted on request", Abi.DecodeErrorReason(result.Output.Span));
        Assert.Equal(UInt256.Zero, Count(host));
        Assert.Empty(host.Vm.Substate.Logs);
        Assert.True(result.GasLeft > 70_000);
    }

    [Fact]
    public void A_failure_undoes_everything_and_consumes_all_gas()
    {
        var host = Host();
        var failed = host.Message(CallKind.Call, CounterAddress, [3], 100_000);
        Assert.Equal(EvmStatus.InvalidOpcode, failed.Status);
        Assert.Equal(0, failed.GasLeft);
        Assert.Equal(UInt256.Zero, Count(host));
        Assert.Empty(host.Vm.Substate.Logs);

        var burnt = host.Message(CallKind.Call, CounterAddress, [5], 100_000);
        Assert.Equal(EvmStatus.OutOfGas, burnt.Status);
        Assert.Equal(0, burnt.GasLeft);
    }

    [Fact]
    public void A_static_call_can_read_but_not_write()
    {
        var host = Host();
        host.Message(CallKind.Call, CounterAddress, [1]);
        host.State.CommitTransaction();
        var read = host.Message(CallKind.StaticCall, CounterAddress, [4], isStatic: true);
        Assert.Equal(EvmStatus.Returned, read.Status);
        Assert.Equal(1, read.Output.Span[31]);
        var write = host.Message(CallKind.StaticCall, CounterAddress, [1], isStatic: true);
        Assert.Equal(EvmStatus.StaticCallViolation, write.Status);
        Assert.Equal(UInt256.One, Count(host));
    }

    [Fact]
    public void Delegation_to_a_stateful_contract_reverts_without_touching_the_callers_storage()
    {
        var host = Host();
        var result = host.Message(CallKind.DelegateCall, CounterAddress, [1], 50_000);
        Assert.Equal(EvmStatus.Reverted, result.Status);
        Assert.Equal("Counter: delegation is not allowed", Abi.DecodeErrorReason(result.Output.Span));
        Assert.Equal(50_000, result.GasLeft);
        Assert.Equal(UInt256.Zero, host.State.GetStorage(SystemContractHost.Sender, UInt256.Zero));
    }

    [Fact]
    public void Evm_code_calls_a_system_contract_with_the_cold_account_price_and_sees_its_output()
    {
        var host = Host();
        var caller = Address.Parse("0x000000000000000000000000000000000000beef");
        // mstore8(0, 1); call(gas, 0x1080, 0, 0, 1, 0, 32); sstore(0, mload(0)); stop
        var code = Convert.FromHexString("600160005360206000600160006000611080" + "5af1" + "50" + "600051600055" + "00");
        host.State.Seed(caller, UInt256.Zero, 1, code, []);
        host.State.CommitTransaction();
        var result = host.Send(caller, []);
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(UInt256.One, Count(host));
        Assert.Equal(UInt256.One, host.State.GetStorage(caller, UInt256.Zero));
    }

    [Fact]
    public void Registry_accepts_only_free_reserved_addresses()
    {
        var registry = new SystemContractRegistry().Register(CounterAddress, new Counter());
        Assert.Throws<ArgumentException>(() => registry.Register(CounterAddress, new Counter()));
        Assert.Throws<ArgumentException>(() => registry.Register(Address.Parse("0x0000000000000000000000000000000000002000"), new Counter()));
        Assert.Throws<ArgumentException>(() => registry.Register(Address.Parse("0x0000000000000000000000000000000000000001"), new Counter()));
        Assert.Equal(Address.Parse("0x00000000000000000000000000000000000010ff"), SystemContractRegistry.AddressOf(0xff));
        Assert.Null(registry.Find(SystemContractRegistry.AddressOf(0x81)));
        Assert.NotNull(registry.Find(CounterAddress));
    }

    [Fact]
    public void Genesis_seeding_gives_every_registered_contract_code_so_it_survives_clean_up()
    {
        var host = Host();
        Assert.Equal(SystemContractRegistry.GenesisCode.ToArray(), host.State.GetCode(CounterAddress));
        // A transaction that touches the contract and writes its storage leaves the account in place (not empty).
        var result = host.Send(CounterAddress, [1]);
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.True(host.State.AccountExists(CounterAddress));
        Assert.Equal(UInt256.One, Count(host));
    }
}
