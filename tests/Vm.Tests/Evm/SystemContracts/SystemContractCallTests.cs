using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Vm.Tests.Evm.SystemContracts;

/// <summary>
/// A system contract calling a contract (<see cref="SystemCallContext.TryCall"/>), as the cross-chain contract calls
/// applications: the callee sees the system contract as msg.sender, gets at most all but one 64th of the gas, its
/// failure is its own (undone, reported), and a static context stays static.
/// </summary>
public class SystemContractCallTests
{
    private static readonly Address ForwarderAddress = SystemContractRegistry.AddressOf(0x81);
    private static readonly Address Target = Address.Parse("0x000000000000000000000000000000000000beef");

    /// <summary>Calls <see cref="Target"/> with the given gas (input: u64 gas, 1 byte static), records the outcome in slot 1.</summary>
    private sealed class Forwarder : ISystemContract
    {
        public string Name => "Forwarder";
        public bool AllowsDelegation => false;
        public bool AcceptsValue => false;
        public long GivenToCallee { get; private set; }

        public SystemCallResult Run(SystemCallContext context)
        {
            var gas = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(context.Input.Span);
            var isStatic = context.Input.Span[8] == 1;
            var before = context.GasLeft;
            if (!context.TryCall(Target, new byte[] { 1 }, gas, isStatic, out var result))
            {
                return SystemCallResult.Fail(context.FailureStatus);
            }
            GivenToCallee = before - context.GasLeft;
            if (!context.IsStatic && !context.TryStore(UInt256.One, new UInt256((ulong)result.Status + 1)))
            {
                return SystemCallResult.Fail(context.FailureStatus);
            }
            return SystemCallResult.Return(result.Output);
        }
    }

    private static (SystemContractHost Host, Forwarder Forwarder) Host(string targetCode)
    {
        var forwarder = new Forwarder();
        var host = new SystemContractHost(new SystemContractRegistry().Register(ForwarderAddress, forwarder));
        host.State.Seed(Target, UInt256.Zero, 1, Convert.FromHexString(targetCode), []);
        host.State.CommitTransaction();
        return (host, forwarder);
    }

    private static byte[] Input(ulong gas, bool isStatic)
    {
        var input = new byte[9];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(input, gas);
        input[8] = isStatic ? (byte)1 : (byte)0;
        return input;
    }

    // caller; push0; sstore; mstore(0, 42); return(0, 32)
    private const string StoresCallerAndReturns42 = "335f55602a5f5260205ff3";

    [Fact]
    public void The_callee_sees_the_system_contract_as_sender_and_its_output_comes_back()
    {
        var (host, _) = Host(StoresCallerAndReturns42);
        var result = host.Message(CallKind.Call, ForwarderAddress, Input(200_000, isStatic: false));
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.Equal(42, result.Output.Span[31]);
        var stored = new byte[32];
        host.State.GetStorage(Target, UInt256.Zero).WriteBigEndian(stored);
        Assert.Equal(ForwarderAddress, new Address(stored.AsSpan(12)));
        Assert.Equal(new UInt256((ulong)EvmStatus.Returned + 1), host.State.GetStorage(ForwarderAddress, UInt256.One));
    }

    [Fact]
    public void A_reverting_callee_is_undone_and_reported_while_the_caller_goes_on()
    {
        // caller; push0; sstore; revert(0, 0)
        var (host, _) = Host("335f555f5ffd");
        var result = host.Message(CallKind.Call, ForwarderAddress, Input(200_000, isStatic: false));
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.True(host.State.GetStorage(Target, UInt256.Zero).IsZero);
        Assert.Equal(new UInt256((ulong)EvmStatus.Reverted + 1), host.State.GetStorage(ForwarderAddress, UInt256.One));
    }

    [Fact]
    public void A_static_call_cannot_write_and_gas_is_capped_at_all_but_one_64th()
    {
        var (host, forwarder) = Host(StoresCallerAndReturns42);
        host.Message(CallKind.Call, ForwarderAddress, Input(200_000, isStatic: true));
        Assert.True(host.State.GetStorage(Target, UInt256.Zero).IsZero);
        Assert.Equal(new UInt256((ulong)EvmStatus.StaticCallViolation + 1), host.State.GetStorage(ForwarderAddress, UInt256.One));

        // Asking for more than there is: after the cold access (2,600) the callee, which fails and so uses all it got,
        // gets all but one 64th of the rest.
        var (greedy, greedyForwarder) = Host("fe");
        greedy.Message(CallKind.Call, ForwarderAddress, Input(ulong.MaxValue >> 1, isStatic: false), gas: 100_000);
        const long afterAccess = 100_000 - 2_600;
        Assert.Equal(2_600 + afterAccess - afterAccess / 64, greedyForwarder.GivenToCallee);
        Assert.True(forwarder.GivenToCallee > 0);
    }
}
