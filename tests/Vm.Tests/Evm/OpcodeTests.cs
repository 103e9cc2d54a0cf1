using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Tests.Evm;

/// <summary>Hand-assembled programs checking results and exact gas of individual opcodes.</summary>
public class OpcodeTests
{
    private readonly EvmTestHost _host = new();

    [Fact]
    public void Add_and_cold_sstore_cost_exactly_as_specified()
    {
        // PUSH1 2, PUSH1 3, ADD, PUSH0, SSTORE: 3+3+3+2 + (2100 cold + 20000 set).
        var result = _host.Run("6002600301" + "5f55");
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(new UInt256(5), _host.Storage(0));
        Assert.Equal(11 + 22_100, EvmTestHost.GasUsed(result));
    }

    [Fact]
    public void Push0_pushes_zero_for_two_gas()
    {
        // PUSH0, PUSH1 1, SSTORE stores 0 at slot 1 (no-op write: 2100 cold + 100).
        var result = _host.Run("5f600155");
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(2 + 3 + 2200, EvmTestHost.GasUsed(result));
    }

    [Fact]
    public void Sload_is_cold_then_warm()
    {
        // PUSH1 7, SLOAD, POP, PUSH1 7, SLOAD, POP.
        var result = _host.Run("600754506007545000");
        Assert.Equal(3 + 2100 + 2 + 3 + 100 + 2, EvmTestHost.GasUsed(result));
    }

    [Fact]
    public void Memory_expansion_is_charged_once_and_quadratically()
    {
        // MSTORE at 0: 3 + 3 (one word). MSTORE at 0x400 (33 words total): 3 + (3*33 + 33*33/512) - 3.
        var first = _host.Run("60aa5f52");
        Assert.Equal(3 + 2 + 3 + 3, EvmTestHost.GasUsed(first));
        var second = _host.Run("60aa5f5260aa61040052");
        Assert.Equal(3 + 2 + 6 + 3 + 3 + 3 + (3 * 33 + 33 * 33 / 512 - 3), EvmTestHost.GasUsed(second));
    }

    [Fact]
    public void Mcopy_copies_overlapping_ranges_and_returns_them()
    {
        // MSTORE 0x0102..20 at 0; MCOPY(dst=1, src=0, len=32); RETURN(0, 33).
        var word = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
        var result = _host.Run("7f" + word + "5f52" + "6020" + "5f" + "6001" + "5e" + "6021" + "5f" + "f3");
        Assert.Equal(EvmStatus.Returned, result.Status);
        var expected = Convert.FromHexString("00" + word);
        Assert.Equal(expected, result.Output.ToArray());
    }

    [Fact]
    public void Transient_storage_lives_for_one_transaction_only()
    {
        // If calldata is non-empty: TSTORE(1, 42). Always: SSTORE(0, TLOAD(1)).
        // CALLDATASIZE, PUSH1 7, JUMPI, PUSH1 13, JUMP, JUMPDEST(7), PUSH1 42, PUSH1 1, TSTORE, JUMPDEST(13), PUSH1 1, TLOAD, PUSH0, SSTORE
        var code = "36" + "6007" + "57" + "600d" + "56" + "5b" + "602a" + "6001" + "5d" + "5b" + "6001" + "5c" + "5f" + "55";
        var result = _host.Run(code, input: [1]);
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(new UInt256(42), _host.Storage(0));
        _host.Call(input: []);
        Assert.Equal(UInt256.Zero, _host.Storage(0));
    }

    [Fact]
    public void Stack_underflow_consumes_all_gas()
    {
        var result = _host.Run("01");
        Assert.Equal(EvmStatus.StackUnderflow, result.Status);
        Assert.Equal(0, result.GasLeft);
    }

    [Fact]
    public void Stack_overflow_at_1025_items()
    {
        // JUMPDEST, PUSH0, PUSH0, JUMP: pushes one item per iteration forever (the second PUSH0 is the target 0).
        var result = _host.Run("5b5f5f56", gas: 10_000_000);
        Assert.Equal(EvmStatus.StackOverflow, result.Status);
    }

    [Fact]
    public void Jump_into_push_data_is_invalid()
    {
        // PUSH1 4, JUMP, PUSH1 0x5b: byte 4 is a 0x5b inside PUSH data.
        var result = _host.Run("600456605b");
        Assert.Equal(EvmStatus.InvalidJump, result.Status);
    }

    [Fact]
    public void Sstore_clearing_a_slot_earns_the_eip3529_refund()
    {
        _host.State.Seed(EvmTestHost.Contract, UInt256.Zero, 1, Convert.FromHexString("5f5f55"), [new(UInt256.Zero, UInt256.One)]);
        var result = _host.Call();
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(2 + 2 + 2100 + 2900, EvmTestHost.GasUsed(result));
        Assert.Equal(4800, _host.Vm.Substate.Refund);
    }

    [Fact]
    public void Sstore_with_only_the_stipend_left_fails()
    {
        var result = _host.Run("60015f55", gas: 2300 + 5);
        Assert.Equal(EvmStatus.OutOfGas, result.Status);
    }

    [Fact]
    public void Revert_returns_data_and_keeps_unused_gas()
    {
        // MSTORE8(0, 0xee); REVERT(0, 1).
        var result = _host.Run("60ee5f53" + "6001" + "5f" + "fd");
        Assert.Equal(EvmStatus.Reverted, result.Status);
        Assert.Equal(new byte[] { 0xee }, result.Output.ToArray());
        Assert.Equal(3 + 2 + 3 + 3 + 3 + 2, EvmTestHost.GasUsed(result));
    }

    [Fact]
    public void Exp_charges_fifty_per_exponent_byte()
    {
        // PUSH2 0x0100, PUSH1 2, EXP -> 2^256 = 0 (wraps); exponent has 2 bytes.
        var result = _host.Run("61010060020a5f55");
        Assert.Equal(UInt256.Zero, _host.Storage(0));
        Assert.Equal(3 + 3 + 10 + 100 + 2 + 2200, EvmTestHost.GasUsed(result));
    }

    [Fact]
    public void Sstore_in_static_context_is_a_violation()
    {
        var callee = Address.Parse("0x00000000000000000000000000000000000000ee");
        _host.Deploy(callee, "60015f55");
        // STATICCALL(gas, callee, 0, 0, 0, 0), ISZERO, PUSH0, SSTORE: slot 0 is 1 when the call failed.
        // The failed call burns the 63/64 it was given; the remaining 1/64 pays for the SSTORE.
        var result = _host.Run("5f5f5f5f" + "73" + "00000000000000000000000000000000000000ee" + "5a" + "fa" + "15" + "5f55", gas: 5_000_000);
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(UInt256.One, _host.Storage(0));
        Assert.Equal(UInt256.Zero, _host.Storage(0, callee));
    }

    [Fact]
    public void Returndatacopy_past_the_end_is_an_exceptional_halt()
    {
        // RETURNDATACOPY(0, 0, 1) with empty return data.
        var result = _host.Run("60015f5f3e");
        Assert.Equal(EvmStatus.ReturnDataOutOfBounds, result.Status);
        Assert.Equal(0, result.GasLeft);
    }

    [Fact]
    public void Signed_arithmetic_uses_twos_complement()
    {
        // SDIV(-8, 3) = -2 stored at slot 0: PUSH1 3, PUSH1 8, PUSH0, SUB, SDIV, PUSH0, SSTORE.
        _host.Run("6003" + "6008" + "5f" + "03" + "05" + "5f55");
        Assert.Equal(UInt256.Negate(new UInt256(2)), _host.Storage(0));
    }
}
