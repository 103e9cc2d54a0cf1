using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Tests.Evm;

/// <summary>Contract creation, self-destruct per EIP-6780, call depth and the transaction-level rules.</summary>
public class CreateAndCallTests
{
    private readonly EvmTestHost _host = new();

    [Theory]
    [InlineData("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0", 0UL, "0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d")]
    [InlineData("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0", 1UL, "0x343c43a37d37dff08ae8c4a11544c718abb4fcf8")]
    [InlineData("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0", 2UL, "0xf778b86fa74e846c4f0a1fbd1335fe81c00a0c91")]
    public void Create_address_is_keccak_of_rlp_sender_and_nonce(string sender, ulong nonce, string expected) =>
        Assert.Equal(Address.Parse(expected), ContractAddress.FromNonce(Address.Parse(sender), nonce));

    [Theory]
    [InlineData("0x0000000000000000000000000000000000000000", "00", "00", "0x4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38")]
    [InlineData("0xdeadbeef00000000000000000000000000000000", "00", "00", "0xB928f69Bb1D91Cd65274e3c79d8986362984fDA3")]
    [InlineData("0x00000000000000000000000000000000deadbeef", "deadbeef", "00000000000000000000000000000000000000000000000000000000cafebabe", "0x60f3f640a8508fC6a86d45DF051962668E1e8AC7")]
    public void Create2_address_follows_eip1014(string sender, string initCode, string salt, string expected) =>
        Assert.Equal(Address.Parse(expected),
            ContractAddress.FromSalt(Address.Parse(sender), UInt256.ReadBigEndianPadded(Convert.FromHexString(salt)), Convert.FromHexString(initCode)));

    [Fact]
    public void Create_deploys_the_returned_code_and_increments_the_nonce()
    {
        // Init code returning runtime 0x602a (PUSH1 42): PUSH2 0x602a, PUSH0, MSTORE, PUSH1 2, PUSH1 30, RETURN.
        var initCode = "61602a5f52" + "6002" + "601e" + "f3";
        // MSTORE the init code left-aligned at 0, CREATE(0, 0, len), PUSH0, SSTORE the new address.
        var code = "7f" + initCode.PadRight(64, '0') + "5f52" + "600b" + "5f" + "5f" + "f0" + "5f55";
        var result = _host.Run(code);
        Assert.Equal(EvmStatus.Stopped, result.Status);
        var created = ContractAddress.FromNonce(EvmTestHost.Contract, 1);
        Assert.Equal(Instructions(created), _host.Storage(0));
        Assert.Equal(Convert.FromHexString("602a"), _host.State.GetCode(created));
        Assert.Equal(1UL, _host.State.GetNonce(created));
        Assert.Equal(2UL, _host.State.GetNonce(EvmTestHost.Contract));
    }

    [Fact]
    public void Create_with_init_code_over_the_eip3860_limit_fails_exceptionally()
    {
        // CREATE(0, 0, 49153) with memory expanded on the fly.
        var result = _host.Run("62" + "00c001" + "5f" + "5f" + "f0", gas: 10_000_000);
        Assert.Equal(EvmStatus.InitCodeSizeExceeded, result.Status);
        Assert.Equal(0, result.GasLeft);
    }

    [Fact]
    public void Deployed_code_starting_with_0xEF_is_rejected()
    {
        // Init code returning 0xEF: PUSH1 0xEF, PUSH0, MSTORE8, PUSH1 1, PUSH0, RETURN.
        var initCode = "60ef5f53" + "6001" + "5f" + "f3";
        var code = "7f" + initCode.PadRight(64, '0') + "5f52" + "6009" + "5f" + "5f" + "f0" + "5f55";
        var result = _host.Run(code);
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(UInt256.Zero, _host.Storage(0));
    }

    [Fact]
    public void Selfdestruct_of_an_existing_contract_only_moves_its_balance()
    {
        var beneficiary = Address.Parse("0x00000000000000000000000000000000000000bb");
        var result = _host.Run("73" + "00000000000000000000000000000000000000bb" + "ff", value: new UInt256(0));
        _host.State.Seed(EvmTestHost.Contract, new UInt256(1000), 1, Convert.FromHexString("7300000000000000000000000000000000000000bbff"), []);
        result = _host.Call();
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.True(_host.State.AccountExists(EvmTestHost.Contract));
        Assert.NotEmpty(_host.State.GetCode(EvmTestHost.Contract));
        Assert.Equal(UInt256.Zero, _host.State.GetBalance(EvmTestHost.Contract));
        Assert.Equal(new UInt256(1000), _host.State.GetBalance(beneficiary));
        // 2 (PUSH20 is 3) + 5000 + 2600 cold beneficiary + 25000 new account.
        Assert.Equal(3 + 5000 + 2600 + 25_000, EvmTestHost.GasUsed(result));
    }

    [Fact]
    public void Selfdestruct_in_the_creating_transaction_deletes_the_contract()
    {
        var state = _host.State;
        var sender = Address.Parse("0x00000000000000000000000000000000000a11ce");
        state.Seed(sender, new UInt256(1_000_000_000_000_000), 0, [], []);
        // Init code: SELFDESTRUCT to 0xbb.
        var tx = new EvmTransaction
        {
            Sender = sender,
            Data = Convert.FromHexString("7300000000000000000000000000000000000000bbff"),
            GasLimit = 200_000,
            GasPrice = new UInt256(10),
            Value = new UInt256(77),
        };
        var result = new TransactionProcessor(_host.Vm).Execute(tx);
        Assert.True(result.IsValid);
        var created = ContractAddress.FromNonce(sender, 0);
        Assert.False(state.AccountExists(created));
        Assert.Equal(new UInt256(77), state.GetBalance(Address.Parse("0x00000000000000000000000000000000000000bb")));
    }

    [Fact]
    public void Recursion_stops_at_the_call_depth_limit()
    {
        // Each level: SSTORE(0, SLOAD(0)+1) then CALL itself with all gas; frames at depths 0..1024 run.
        // The gas must survive 1024 applications of the 63/64 rule.
        // PUSH0 SLOAD PUSH1 1 ADD PUSH0 SSTORE; CALL(gas, ADDRESS, 0, 0, 0, 0, 0)
        var code = "5f54600101" + "5f55" + "5f5f5f5f5f" + "30" + "5a" + "f1" + "00";
        var result = RunOnLargeStack(() => _host.Run(code, gas: 1_000_000_000_000_000));
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.Equal(new UInt256(1025), _host.Storage(0));
    }

    [Fact]
    public void Transaction_charges_intrinsic_gas_and_pays_the_coinbase_the_tip()
    {
        var state = _host.State;
        var sender = Address.Parse("0x00000000000000000000000000000000000a11ce");
        var to = Address.Parse("0x00000000000000000000000000000000000000cc");
        state.Seed(sender, new UInt256(1_000_000_000), 0, [], []);
        var tx = new EvmTransaction { Sender = sender, To = to, Data = [0, 1], GasLimit = 50_000, GasPrice = new UInt256(10), Value = new UInt256(5) };
        var result = new TransactionProcessor(_host.Vm).Execute(tx);
        Assert.True(result.IsValid);
        Assert.Equal(21_000 + 4 + 16, result.GasUsed);
        Assert.Equal(new UInt256(1_000_000_000 - 21_020 * 10 - 5), state.GetBalance(sender));
        Assert.Equal(new UInt256(21_020 * 3), state.GetBalance(EvmTestHost.Coinbase));
        Assert.Equal(new UInt256(5), state.GetBalance(to));
        Assert.Equal(1UL, state.GetNonce(sender));
    }

    [Fact]
    public void Transaction_with_a_wrong_nonce_is_invalid_and_changes_nothing()
    {
        var sender = Address.Parse("0x00000000000000000000000000000000000a11ce");
        _host.State.Seed(sender, new UInt256(1_000_000_000), 3, [], []);
        var result = new TransactionProcessor(_host.Vm).Execute(new EvmTransaction { Sender = sender, To = sender, Nonce = 2, GasLimit = 21_000, GasPrice = new UInt256(10) });
        Assert.False(result.IsValid);
        Assert.Equal(new UInt256(1_000_000_000), _host.State.GetBalance(sender));
    }

    [Fact]
    public void Staticcall_to_an_empty_account_touches_it_and_the_transaction_removes_it()
    {
        var state = _host.State;
        var sender = Address.Parse("0x00000000000000000000000000000000000a11ce");
        var empty = Address.Parse("0x00000000000000000000000000000000000000e0");
        state.Seed(sender, new UInt256(1_000_000_000), 0, [], []);
        state.Seed(empty, UInt256.Zero, 0, [], []);
        // STATICCALL(gas, 0xe0, 0, 0, 0, 0).
        _host.Deploy(EvmTestHost.Contract, "5f5f5f5f" + "60e0" + "5a" + "fa" + "00");
        var result = new TransactionProcessor(_host.Vm).Execute(new EvmTransaction
        {
            Sender = sender, To = EvmTestHost.Contract, GasLimit = 100_000, GasPrice = new UInt256(10),
        });
        Assert.Equal(EvmStatus.Stopped, result.Status);
        Assert.False(state.AccountExists(empty));
    }

    private static UInt256 Instructions(Address address)
    {
        Span<byte> word = stackalloc byte[32];
        word.Clear();
        address.WriteTo(word[12..]);
        return UInt256.ReadBigEndian32(word);
    }

    private static T RunOnLargeStack<T>(Func<T> action)
    {
        T result = default!;
        var thread = new Thread(() => result = action(), 256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        return result;
    }
}
