using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Vm.Tests.Execution;

public sealed class ContractExecutionTests
{
    private const string ChainId = "evm-chain";
    private static readonly KeyFile Alice = KeyFile.Generate(CryptoSuite.Ed25519Sha256);
    private static readonly Address Proposer = Address.Parse("0x00000000000000000000000000000000000000ff");
    private static readonly ChainParameters Parameters = new();
    private static readonly TransactionValidator Validator = new(ChainId, CryptoSuite.Ed25519Sha256, Parameters);

    // Stores the first calldata word in slot 0 and logs it with topic 0xaa.
    private static readonly byte[] StoreAndLog = Convert.FromHexString("5f35805f555f5260aa60205fa100");

    // Writes slot 1, then reverts with Error("nope"): the write must not survive.
    private static readonly byte[] Reverter = Convert.FromHexString(
        "600160015500" [..^2] +
        "7f08c379a0" + new string('0', 56) + "5f52" +
        "602060045260046024527f6e6f7065" + new string('0', 56) + "604452" +
        "60645ffd");

    private static byte[] Deployer(byte[] runtime)
    {
        // PUSH1 len DUP1 PUSH1 12 PUSH0 CODECOPY PUSH0 RETURN, then the runtime code.
        byte[] prefix = [0x60, (byte)runtime.Length, 0x80, 0x60, 0x0a, 0x5f, 0x39, 0x5f, 0xf3, 0x00];
        return [.. prefix, .. runtime];
    }

    private static VerifiedTransaction Tx(ulong nonce, Address? to, byte[] data, ulong gasLimit = 1_000_000, ulong gasPrice = 0, ulong value = 0)
    {
        var body = new TransactionBody
        {
            ChainId = ChainId,
            Nonce = nonce,
            GasLimit = gasLimit,
            GasPrice = gasPrice == 0 ? ByteString.Empty : ByteString.CopyFrom(new UInt256(gasPrice).ToBigEndian()),
            Value = value == 0 ? ByteString.Empty : ByteString.CopyFrom(new UInt256(value).ToBigEndian()),
            Data = ByteString.CopyFrom(data),
            ExpiresAtHeight = 100,
        };
        if (to is { } address)
        {
            body.To = ByteString.CopyFrom(address.ToArray());
        }
        var validation = Validator.Validate(TransactionSigner.Sign(body, Alice));
        return validation.Transaction ?? throw new InvalidOperationException(validation.Message);
    }

    private static ExecutionResult Run(MemoryState state, ulong height, params VerifiedTransaction[] txs)
    {
        var executor = new BlockExecutor(Parameters, CryptoSuite.Ed25519Sha256);
        var result = executor.Execute(state, executor.ContextFor(height, new Hash32([.. new byte[31], (byte)height]), height * 1000, Proposer), txs);
        state.Apply(result);
        return result;
    }

    private static MemoryState Funded(ulong balance = 1_000_000_000)
    {
        var state = new MemoryState();
        state.Accounts[Alice.Address] = new(0, new UInt256(balance), Hash32.Zero);
        return state;
    }

    private static byte[] Word(ulong value) => new UInt256(value).ToBigEndian();

    [Fact]
    public void A_deployment_creates_the_contract_at_the_create_address_and_commits_its_code()
    {
        var state = Funded();
        var result = Run(state, 1, Tx(0, null, Deployer(StoreAndLog)));
        var receipt = result.Receipts[0];
        Assert.Equal(ReceiptStatus.Success, receipt.Status);
        var expected = ContractAddress.FromNonce(Alice.Address, 0);
        Assert.Equal(expected.ToArray(), receipt.ContractAddress.ToByteArray());
        Assert.True(receipt.GasUsed > 53_000, $"gas used {receipt.GasUsed}");
        var codeHash = CryptoSuite.Ed25519Sha256.Hash(StoreAndLog);
        Assert.Equal(codeHash, state.GetAccount(expected).CodeHash);
        Assert.Equal(StoreAndLog, Assert.Single(result.Contracts.Code).Value);
        Assert.Equal(1UL, state.GetAccount(Alice.Address).Nonce);
    }

    [Fact]
    public void A_call_writes_storage_and_its_receipt_carries_the_log()
    {
        var state = Funded();
        Run(state, 1, Tx(0, null, Deployer(StoreAndLog)));
        var contract = ContractAddress.FromNonce(Alice.Address, 0);
        var result = Run(state, 2, Tx(1, contract, Word(42)));
        var receipt = result.Receipts[0];
        Assert.Equal(ReceiptStatus.Success, receipt.Status);
        var change = Assert.Single(result.Contracts.Storage);
        Assert.Equal((contract, UInt256.Zero, new UInt256(42)), (change.Address, change.Slot, change.Value));
        var log = Assert.Single(receipt.Logs);
        Assert.Equal(contract.ToArray(), log.Address.ToByteArray());
        Assert.Equal(Word(0xaa), Assert.Single(log.Topics).ToByteArray());
        Assert.Equal(Word(42), log.Data.ToByteArray());
        // The contract account joins the diff although only its storage changed, so Storage can give it its new root.
        Assert.Contains(result.StateDiff, kv => kv.Key == contract);
    }

    [Fact]
    public void A_revert_undoes_the_calls_writes_decodes_the_reason_and_still_charges_gas_to_the_proposer()
    {
        var state = Funded();
        Run(state, 1, Tx(0, null, Deployer(Reverter)));
        var contract = ContractAddress.FromNonce(Alice.Address, 0);
        var before = state.GetAccount(Alice.Address).Balance;
        var result = Run(state, 2, Tx(1, contract, [], gasPrice: 3));
        var receipt = result.Receipts[0];
        Assert.Equal(ReceiptStatus.Failed, receipt.Status);
        Assert.Equal(ExecutionError.Reverted, receipt.Error);
        Assert.Equal("execution reverted: nope", receipt.ErrorMessage);
        Assert.Empty(result.Contracts.Storage);
        Assert.Equal(2UL, state.GetAccount(Alice.Address).Nonce);
        var fee = new UInt256(receipt.GasUsed * 3);
        Assert.Equal(before - fee, state.GetAccount(Alice.Address).Balance);
        Assert.Equal(fee, state.GetAccount(Proposer).Balance);
    }

    [Fact]
    public void Running_out_of_gas_uses_all_gas_and_changes_nothing_but_nonce_and_fee()
    {
        var state = Funded();
        Run(state, 1, Tx(0, null, Deployer(StoreAndLog)));
        var contract = ContractAddress.FromNonce(Alice.Address, 0);
        var result = Run(state, 2, Tx(1, contract, Word(7), gasLimit: 25_000));
        Assert.Equal(ExecutionError.OutOfGas, result.Receipts[0].Error);
        Assert.Equal(25_000UL, result.Receipts[0].GasUsed);
        Assert.Empty(result.Contracts.Storage);
    }

    [Fact]
    public void A_balance_that_cannot_cover_gas_limit_times_price_fails_without_touching_state()
    {
        var state = Funded(balance: 1_000);
        var result = Run(state, 1, Tx(0, null, Deployer(StoreAndLog), gasLimit: 100_000, gasPrice: 1));
        Assert.Equal(ExecutionError.InsufficientBalance, result.Receipts[0].Error);
        Assert.Empty(result.StateDiff);
        Assert.True(result.Contracts.IsEmpty);
    }

    [Fact]
    public void A_gas_limit_below_the_evm_intrinsic_gas_is_refused_without_state_change()
    {
        var state = Funded();
        var result = Run(state, 1, Tx(0, null, Deployer(StoreAndLog), gasLimit: 30_000));
        Assert.Equal(ExecutionError.InvalidTransaction, result.Receipts[0].Error);
        Assert.Contains("intrinsic", result.Receipts[0].ErrorMessage);
        Assert.Empty(result.StateDiff);
    }

    [Fact]
    public void Deployment_then_call_in_one_block_and_native_transfers_beside_them()
    {
        var state = Funded();
        var contract = ContractAddress.FromNonce(Alice.Address, 0);
        var bob = Address.Parse("0x00000000000000000000000000000000000000b0");
        var result = Run(state, 1, Tx(0, null, Deployer(StoreAndLog)), Tx(1, contract, Word(5)), Tx(2, bob, [1, 2, 3], gasLimit: 21_000, value: 9));
        Assert.All(result.Receipts, r => Assert.Equal(ReceiptStatus.Success, r.Status));
        // The transfer stays on the native path: intrinsic gas only, the data is a free memo.
        Assert.Equal(21_000UL, result.Receipts[2].GasUsed);
        Assert.Equal(new UInt256(5), state.GetStorage(contract, UInt256.Zero));
        Assert.Equal(new UInt256(9), state.GetAccount(bob).Balance);
    }

    [Fact]
    public void The_same_block_gives_the_same_receipts_and_diff_every_time()
    {
        ExecutionResult Once()
        {
            var state = Funded();
            return Run(state, 1, Tx(0, null, Deployer(StoreAndLog)), Tx(1, ContractAddress.FromNonce(Alice.Address, 0), Word(5)),
                Tx(2, null, Deployer(Reverter)));
        }
        var a = Once();
        var b = Once();
        Assert.Equal(a.Receipts, b.Receipts);
        Assert.Equal(a.StateDiff, b.StateDiff);
        Assert.Equal(a.Contracts.Storage, b.Contracts.Storage);
        Assert.Equal(a.Contracts.Code.Select(c => c.Key), b.Contracts.Code.Select(c => c.Key));
    }

    [Fact]
    public void Revert_reasons_decode_panics_and_custom_errors()
    {
        var panic = Convert.FromHexString("4e487b71" + "0000000000000000000000000000000000000000000000000000000000000011");
        Assert.Equal("execution reverted: panic 0x11 (arithmetic overflow or underflow)", RevertReason.Decode(panic));
        Assert.Equal("execution reverted", RevertReason.Decode([]));
        Assert.StartsWith("execution reverted: custom error 0xe450d38c", RevertReason.Decode(Convert.FromHexString("e450d38c" + new string('0', 64))));
    }
}
