using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Vm.Tests.Execution;

public sealed class BlockExecutorTests
{
    private const string ChainId = "exec-chain";
    private static readonly KeyFile Alice = KeyFile.Generate(CryptoSuite.Ed25519Sha256);
    private static readonly Address Bob = Address.Parse("0x00000000000000000000000000000000000000b0");
    private static readonly Address Proposer = Address.Parse("0x00000000000000000000000000000000000000ff");
    private static readonly ChainParameters Parameters = new();
    private static readonly TransactionValidator Validator = new(ChainId, CryptoSuite.Ed25519Sha256, Parameters);

    private sealed class MapState(Dictionary<Address, AccountState> accounts) : IStateReader
    {
        public AccountState GetAccount(Address address) => accounts.GetValueOrDefault(address, AccountState.Empty);

        public byte[]? GetCode(Hash32 codeHash) => null;

        public UInt256 GetStorage(Address address, UInt256 slot) => UInt256.Zero;
    }

    private static VerifiedTransaction Transfer(ulong nonce, ulong value, ulong expires = 100, ulong gasPrice = 0) =>
        Validator.Validate(TransactionSigner.Sign(
            TransactionSigner.Transfer(ChainId, nonce, Bob, new UInt256(value), 21_000, expires, new UInt256(gasPrice)), Alice)).Transaction!;

    private static ExecutionResult Run(ulong aliceBalance, ulong height, params VerifiedTransaction[] txs)
    {
        var state = new MapState(new() { [Alice.Address] = new AccountState(0, new UInt256(aliceBalance), Hash32.Zero) });
        var executor = new BlockExecutor(Parameters, CryptoSuite.Ed25519Sha256);
        return executor.Execute(state, executor.ContextFor(height, Hash32.Zero, 0, Proposer), txs);
    }

    private static AccountState After(ExecutionResult result, Address address) =>
        result.StateDiff.FirstOrDefault(kv => kv.Key == address).Value;

    [Fact]
    public void A_transfer_moves_value_uses_the_nonce_and_costs_the_intrinsic_gas()
    {
        var result = Run(1_000, 1, Transfer(0, 300), Transfer(1, 200));
        Assert.All(result.Receipts, r => Assert.Equal(ReceiptStatus.Success, r.Status));
        Assert.All(result.Receipts, r => Assert.Equal(21_000UL, r.GasUsed));
        Assert.Equal(new AccountState(2, new UInt256(500), Hash32.Zero), After(result, Alice.Address));
        Assert.Equal(new UInt256(500), After(result, Bob).Balance);
        Assert.Equal(42_000UL, result.GasUsed);
    }

    [Fact]
    public void A_wrong_nonce_fails_without_touching_state()
    {
        var result = Run(1_000, 1, Transfer(1, 300));
        Assert.Equal(ExecutionError.BadNonce, result.Receipts[0].Error);
        Assert.Equal(0UL, result.Receipts[0].GasUsed);
        Assert.Empty(result.StateDiff);
    }

    [Fact]
    public void An_expired_transaction_fails_deterministically()
    {
        var result = Run(1_000, 11, Transfer(0, 300, expires: 10));
        Assert.Equal(ExecutionError.Expired, result.Receipts[0].Error);
        Assert.Empty(result.StateDiff);
    }

    [Fact]
    public void Insufficient_balance_for_the_value_charges_the_fee_and_uses_the_nonce()
    {
        var result = Run(21_000 + 50, 1, Transfer(0, 100, gasPrice: 1));
        Assert.Equal(ExecutionError.InsufficientBalance, result.Receipts[0].Error);
        Assert.Equal(new AccountState(1, new UInt256(50), Hash32.Zero), After(result, Alice.Address));
        Assert.Equal(new UInt256(21_000), After(result, Proposer).Balance);
    }

    [Fact]
    public void Insufficient_balance_for_the_fee_fails_without_touching_state()
    {
        var result = Run(100, 1, Transfer(0, 1, gasPrice: 1));
        Assert.Equal(ExecutionError.InsufficientBalance, result.Receipts[0].Error);
        Assert.Empty(result.StateDiff);
    }

    [Fact]
    public void The_state_diff_is_sorted_by_address()
    {
        var result = Run(1_000, 1, Transfer(0, 1, gasPrice: 0));
        var addresses = result.StateDiff.Select(kv => kv.Key).ToList();
        Assert.Equal(addresses.OrderBy(a => a), addresses);
    }
}
