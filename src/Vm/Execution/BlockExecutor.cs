using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// Executes the transactions of an ordered block against committed state. Every transaction that reached
/// the block gets a receipt; one that cannot take effect fails deterministically with a typed error, so
/// every honest node derives the same receipts and state diff. Native transfers (to an account without code)
/// take a fast path; deployments and calls of contracts run the EVM. See docs/execution.md for the rules.
/// </summary>
public sealed class BlockExecutor
{
    private readonly ChainParameters _parameters;
    private readonly ITransactionPermissions? _permissions;

    /// <param name="systemContracts">
    /// Native contracts at reserved addresses (docs/evm.md, "System contracts"); the node passes the standard registry,
    /// whose genesis code it also seeds (<see cref="SystemContractGenesis"/>).
    /// </param>
    /// <param name="permissions">
    /// Who may send transactions and create contracts (the governance module); null on a chain without a consortium,
    /// where anyone may. Checked again here, against the block's state as it runs, because admission only saw committed
    /// state and a faulty leader may include anything.
    /// </param>
    public BlockExecutor(ChainParameters parameters, CryptoSuite suite, Evm.SystemContracts.SystemContractRegistry? systemContracts = null,
        ITransactionPermissions? permissions = null)
    {
        _parameters = parameters;
        _permissions = permissions;
        Codes = new CodeCache(suite);
        Rules = new EvmRules { MaxCodeSize = parameters.EffectiveMaxCodeSize, SystemContracts = systemContracts };
    }

    /// <summary>The EVM rule set of this chain (limits from the genesis parameters).</summary>
    public EvmRules Rules { get; }

    public CodeCache Codes { get; }

    public ChainParameters Parameters => _parameters;

    /// <summary>
    /// The block gas limit of the block at a height (GASLIMIT) when the committee may change it (a governed chain: the
    /// limit of the block's epoch); null where the genesis limit holds for ever.
    /// </summary>
    public Func<ulong, ulong>? BlockGasLimitAt { get; init; }

    /// <summary>The block gas limit of the block at <paramref name="height"/>.</summary>
    public ulong BlockGasLimitOf(ulong height) => BlockGasLimitAt?.Invoke(height) ?? _parameters.BlockGasLimit;

    /// <summary>Records a block's evidence (the governance module); null on a chain without one, where it is only carried.</summary>
    public IBlockEvidenceHandler? EvidenceHandler { get; init; }

    /// <param name="context">The block, from <see cref="ContextFor"/> so that the chain's gas limit, base fee and chain id apply.</param>
    public ExecutionResult Execute(IStateReader committed, BlockContext context, IReadOnlyList<VerifiedTransaction> transactions,
        IReadOnlyList<EquivocationEvidence>? evidence = null)
    {
        // The overlay caches what the check reads, so a block of transfers reads each recipient once.
        var overlay = new StateOverlay(committed, Codes);
        if (evidence is { Count: > 0 } && EvidenceHandler is { } handler)
        {
            handler.Record(overlay, context, evidence);
            overlay.CommitTransaction();
        }
        return NeedsEvm(overlay, transactions)
            ? LargeStack.Run(() => ExecuteOnThisThread(overlay, context, transactions))
            : ExecuteOnThisThread(overlay, context, transactions);
    }

    /// <summary>
    /// True when some transaction deploys or calls committed code. A contract deployed earlier in the same block needs
    /// a deployment in the block, so checking committed state is enough.
    /// </summary>
    private static bool NeedsEvm(StateOverlay state, IReadOnlyList<VerifiedTransaction> transactions)
    {
        foreach (var tx in transactions)
        {
            if (tx.To is not { } to || state.Get(to).HasCode)
            {
                return true;
            }
        }
        return false;
    }

    private ExecutionResult ExecuteOnThisThread(StateOverlay overlay, BlockContext context, IReadOnlyList<VerifiedTransaction> transactions)
    {
        var receipts = new Receipt[transactions.Count];
        var blockHash = context.Hash.ToByteString();
        TransactionProcessor? processor = null;
        ulong gasUsed = 0;
        for (var i = 0; i < transactions.Count; i++)
        {
            var tx = transactions[i];
            var receipt = new Receipt
            {
                TxId = tx.Id.ToByteString(),
                BlockHeight = context.Number,
                BlockHash = blockHash,
                Index = (uint)i,
                Sender = tx.Sender.ToByteString(),
            };
            if (_permissions?.Refusal(overlay.AsReader, tx.Sender, tx.To is null) is { } refusal)
            {
                // Nothing is charged and the nonce stays: the sender was never allowed to act, as at admission.
                Fail(receipt, ExecutionError.PermissionDenied, refusal);
            }
            else if (tx.To is not { } to || overlay.Get(to).HasCode)
            {
                processor ??= new TransactionProcessor(new VirtualMachine(overlay, context, Rules));
                ApplyEvm(overlay, processor, context, tx, receipt);
            }
            else
            {
                ApplyTransfer(overlay, context, tx, to, receipt);
            }
            gasUsed += receipt.GasUsed;
            receipts[i] = receipt;
        }
        var reward = _parameters.Reward;
        if (!reward.IsZero)
        {
            CreditFee(overlay, context.Coinbase, reward);
        }
        return new ExecutionResult(receipts, overlay.ToSortedDiff(), gasUsed) { Contracts = overlay.ToContractDiff() };
    }

    /// <summary>
    /// A block of this chain as execution sees it: the proposer as COINBASE, seconds as TIMESTAMP, the block hash as
    /// PREVRANDAO, the gas limit of its epoch (<see cref="BlockGasLimitAt"/>), and the base fee and EVM chain id of the
    /// genesis parameters.
    /// </summary>
    /// <param name="blockHashes">Hashes of committed blocks for BLOCKHASH; without it, BLOCKHASH reads zero.</param>
    public BlockContext ContextFor(ulong height, Hash32 hash, ulong timestampMs, Address proposer, IBlockHashProvider? blockHashes = null) => new()
    {
        Number = height,
        Hash = hash,
        Timestamp = timestampMs / 1000,
        Coinbase = proposer,
        GasLimit = (long)Math.Min(BlockGasLimitOf(height), long.MaxValue),
        BaseFee = _parameters.BaseFee,
        PrevRandao = UInt256.ReadBigEndian(hash.ToArray()),
        ChainId = new UInt256(_parameters.EvmChainId),
        BlobBaseFee = UInt256.Zero,
        BlockHashes = blockHashes,
    };

    /// <summary>Checks shared by both paths; false (receipt failed, nothing changed) when the transaction cannot run.</summary>
    private static bool CheckExpiryAndNonce(StateOverlay overlay, BlockContext context, VerifiedTransaction tx, Receipt receipt)
    {
        if (context.Number > tx.ExpiresAtHeight)
        {
            Fail(receipt, ExecutionError.Expired, $"expired at height {tx.ExpiresAtHeight}");
            return false;
        }
        var nonce = overlay.Get(tx.Sender).Nonce;
        if (tx.Nonce != nonce)
        {
            Fail(receipt, ExecutionError.BadNonce, $"nonce {tx.Nonce}, account expects {nonce}");
            return false;
        }
        return true;
    }

    private void ApplyEvm(StateOverlay overlay, TransactionProcessor processor, BlockContext context, VerifiedTransaction tx, Receipt receipt)
    {
        if (!CheckExpiryAndNonce(overlay, context, tx, receipt))
        {
            return;
        }
        var evmTx = ToEvm(tx);
        var intrinsic = TransactionProcessor.IntrinsicGas(evmTx);
        if ((ulong)intrinsic > tx.GasLimit)
        {
            Fail(receipt, ExecutionError.InvalidTransaction, $"gas_limit {tx.GasLimit} is below this transaction's intrinsic gas {intrinsic}");
            return;
        }
        // Admission checked that gas_limit * gas_price + value fits 256 bits.
        UInt256.TryMultiply(tx.GasPrice, tx.GasLimit, out var maxFee);
        UInt256.TryAdd(maxFee, tx.Value, out var required);
        if (overlay.Get(tx.Sender).Balance < required)
        {
            Fail(receipt, ExecutionError.InsufficientBalance, "balance does not cover gas_limit * gas_price + value");
            return;
        }
        var result = processor.Execute(evmTx);
        if (!result.IsValid)
        {
            Fail(receipt, ExecutionError.InvalidTransaction, result.InvalidReason!);
            return;
        }
        receipt.GasUsed = (ulong)result.GasUsed;
        receipt.Output = ByteString.CopyFrom(result.Output.Span);
        foreach (var log in result.Logs)
        {
            var entry = new Log { Address = log.Address.ToByteString(), Data = ByteString.CopyFrom(log.Data) };
            foreach (var topic in log.Topics)
            {
                entry.Topics.Add(topic.ToByteString());
            }
            receipt.Logs.Add(entry);
        }
        if (result.CreatedAddress is { } created)
        {
            receipt.ContractAddress = created.ToByteString();
        }
        var (error, message) = Classify(result);
        if (error == ExecutionError.None)
        {
            receipt.Status = ReceiptStatus.Success;
        }
        else
        {
            Fail(receipt, error, message);
        }
    }

    /// <summary>The receipt error of an executed EVM transaction: none on STOP/RETURN, else why it failed.</summary>
    internal static (ExecutionError Error, string Message) Classify(TransactionResult result) => result.Status switch
    {
        EvmStatus.Stopped or EvmStatus.Returned => (ExecutionError.None, ""),
        EvmStatus.Reverted => (ExecutionError.Reverted, RevertReason.Decode(result.Output.Span)),
        EvmStatus.OutOfGas => (ExecutionError.OutOfGas, "out of gas"),
        _ => (ExecutionError.VmError, $"EVM error: {result.Status}"),
    };

    /// <summary>The EVM's view of a chain transaction: a legacy-priced transaction without access list.</summary>
    public static EvmTransaction ToEvm(VerifiedTransaction tx) => new()
    {
        Sender = tx.Sender,
        To = tx.To,
        Nonce = tx.Nonce,
        GasLimit = (long)Math.Min(tx.GasLimit, long.MaxValue),
        Value = tx.Value,
        Data = tx.Body.Data.ToByteArray(),
        GasPrice = tx.GasPrice,
    };

    private void ApplyTransfer(StateOverlay overlay, BlockContext context, VerifiedTransaction tx, Address to, Receipt receipt)
    {
        if (!CheckExpiryAndNonce(overlay, context, tx, receipt))
        {
            return;
        }
        var sender = overlay.Get(tx.Sender);
        var gas = _parameters.IntrinsicGas;
        // gas_price * intrinsic_gas cannot overflow: admission checked gas_price * gas_limit, and gas_limit >= intrinsic.
        UInt256.TryMultiply(tx.GasPrice, gas, out var fee);
        if (!UInt256.TrySubtract(sender.Balance, fee, out var afterFee))
        {
            Fail(receipt, ExecutionError.InsufficientBalance, "balance does not cover the fee");
            return;
        }
        // From here the transaction is valid: it pays its fee and uses its nonce even if the transfer fails.
        sender = sender with { Nonce = sender.Nonce + 1, Balance = afterFee };
        receipt.GasUsed = gas;
        if (!UInt256.TrySubtract(sender.Balance, tx.Value, out var afterValue))
        {
            overlay.Set(tx.Sender, sender);
            CreditFee(overlay, context.Coinbase, fee);
            Fail(receipt, ExecutionError.InsufficientBalance, "balance does not cover the value");
            return;
        }
        sender = sender with { Balance = afterValue };
        overlay.Set(tx.Sender, sender);
        var recipient = overlay.Get(to);
        // The total supply is fixed at genesis and below 2^256, so a credit can only overflow on a corrupt state.
        if (!UInt256.TryAdd(recipient.Balance, tx.Value, out var credited))
        {
            throw new InvalidOperationException($"balance overflow crediting {to}: state is corrupt");
        }
        overlay.Set(to, recipient with { Balance = credited });
        CreditFee(overlay, context.Coinbase, fee);
        receipt.Status = ReceiptStatus.Success;
    }

    private static void CreditFee(StateOverlay overlay, Address proposer, UInt256 fee)
    {
        if (fee.IsZero)
        {
            return;
        }
        var account = overlay.Get(proposer);
        if (!UInt256.TryAdd(account.Balance, fee, out var balance))
        {
            throw new InvalidOperationException($"balance overflow crediting fees to {proposer}: state is corrupt");
        }
        overlay.Set(proposer, account with { Balance = balance });
    }

    private static void Fail(Receipt receipt, ExecutionError error, string message)
    {
        receipt.Status = ReceiptStatus.Failed;
        receipt.Error = error;
        receipt.ErrorMessage = message;
    }
}
