using Google.Protobuf;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// Executes the transactions of an ordered block against committed state. Every transaction that reached
/// the block gets a receipt; one that cannot take effect fails deterministically with a typed error, so
/// every honest node derives the same receipts and state diff. See docs/execution.md for the rules.
/// </summary>
public sealed class BlockExecutor(ChainParameters parameters)
{
    public ExecutionResult Execute(IStateReader committed, BlockContext context, IReadOnlyList<VerifiedTransaction> transactions)
    {
        var overlay = new StateOverlay(committed);
        var receipts = new Receipt[transactions.Count];
        var blockHash = ByteString.CopyFrom(context.BlockHash.ToArray());
        ulong gasUsed = 0;
        for (var i = 0; i < transactions.Count; i++)
        {
            var tx = transactions[i];
            var receipt = new Receipt
            {
                TxId = ByteString.CopyFrom(tx.Id.ToArray()),
                BlockHeight = context.Height,
                BlockHash = blockHash,
                Index = (uint)i,
                Sender = ByteString.CopyFrom(tx.Sender.ToArray()),
            };
            ApplyTransfer(overlay, context, tx, receipt);
            gasUsed += receipt.GasUsed;
            receipts[i] = receipt;
        }
        return new ExecutionResult(receipts, overlay.ToSortedDiff(), gasUsed);
    }

    private void ApplyTransfer(StateOverlay overlay, BlockContext context, VerifiedTransaction tx, Receipt receipt)
    {
        if (context.Height > tx.ExpiresAtHeight)
        {
            Fail(receipt, ExecutionError.Expired, $"expired at height {tx.ExpiresAtHeight}");
            return;
        }
        var sender = overlay.Get(tx.Sender);
        if (tx.Nonce != sender.Nonce)
        {
            Fail(receipt, ExecutionError.BadNonce, $"nonce {tx.Nonce}, account expects {sender.Nonce}");
            return;
        }
        var gas = parameters.IntrinsicGas;
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
        if (tx.To is not { } to)
        {
            overlay.Set(tx.Sender, sender);
            CreditFee(overlay, context.Proposer, fee);
            Fail(receipt, ExecutionError.Unsupported, "contract creation is not supported on this chain yet");
            return;
        }
        if (!UInt256.TrySubtract(sender.Balance, tx.Value, out var afterValue))
        {
            overlay.Set(tx.Sender, sender);
            CreditFee(overlay, context.Proposer, fee);
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
        CreditFee(overlay, context.Proposer, fee);
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
