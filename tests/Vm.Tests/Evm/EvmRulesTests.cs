using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Vm.Tests.Evm;

/// <summary>Rule sets share the fork's dispatch table; the chain's limits act when the handlers run.</summary>
public class EvmRulesTests
{
    private static readonly Address Sender = Address.Parse("0x00000000000000000000000000000000000a11ce");

    [Fact]
    public void Every_rule_set_dispatches_through_the_one_Cancun_table()
    {
        Assert.Same(EvmRules.Cancun.Table, new EvmRules { MaxCodeSize = 100, MaxCallDepth = 8 }.Table);
    }

    [Theory]
    [InlineData(100, EvmStatus.CodeSizeExceeded)]
    [InlineData(101, EvmStatus.Returned)]
    public void A_rule_sets_code_size_limit_applies_with_the_shared_table(int maxCodeSize, EvmStatus expected)
    {
        var state = new InMemoryWorldState();
        state.Seed(Sender, new UInt256(1_000_000), 0, [], []);
        var vm = new VirtualMachine(state, new BlockContext { Coinbase = Address.Zero, Number = 1, Timestamp = 1, GasLimit = 30_000_000 },
            new EvmRules { MaxCodeSize = maxCodeSize });
        // Init code returning 101 zero bytes: PUSH1 101, PUSH0, RETURN.
        var result = new TransactionProcessor(vm).Execute(new EvmTransaction { Sender = Sender, GasLimit = 200_000, Data = Convert.FromHexString("60655ff3") });
        Assert.True(result.IsValid, result.InvalidReason);
        Assert.Equal(expected, result.Status);
    }
}
