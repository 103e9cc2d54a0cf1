using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.Precompiles;

namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// Applies a transaction under Cancun rules: validity checks, intrinsic gas, buying gas, warming the access list,
/// the top-level call or creation, the EIP-3529 refund, paying the coinbase its priority fee, and the end-of-transaction
/// clean-up (EIP-6780 self-destructs, EIP-161 empty touched accounts).
/// </summary>
public sealed class TransactionProcessor
{
    private readonly VirtualMachine _vm;

    public TransactionProcessor(VirtualMachine vm) => _vm = vm;

    public static long IntrinsicGas(EvmTransaction tx)
    {
        var gas = tx.To is null ? GasCosts.TransactionCreate : GasCosts.Transaction;
        foreach (var b in tx.Data)
        {
            gas += b == 0 ? GasCosts.TransactionDataZero : GasCosts.TransactionDataNonZero;
        }
        if (tx.To is null)
        {
            gas += GasCosts.InitCodeWord * GasCosts.Words(tx.Data.Length);
        }
        foreach (var item in tx.AccessList)
        {
            gas += GasCosts.AccessListAddress + GasCosts.AccessListStorageKey * item.StorageKeys.Count;
        }
        return gas;
    }

    public TransactionResult Execute(EvmTransaction tx)
    {
        var state = _vm.State;
        var block = _vm.Block;

        var maxFee = tx.MaxFeePerGas ?? tx.GasPrice;
        var priorityFee = tx.MaxPriorityFeePerGas ?? tx.GasPrice;
        if (tx.GasLimit > block.GasLimit)
        {
            return TransactionResult.Invalid("gas limit above the block gas limit");
        }
        if (tx.GasLimit < IntrinsicGas(tx))
        {
            return TransactionResult.Invalid("intrinsic gas too low");
        }
        if (tx.To is null && tx.Data.Length > _vm.Rules.MaxInitCodeSize)
        {
            return TransactionResult.Invalid("init code too large");
        }
        if (maxFee < block.BaseFee)
        {
            return TransactionResult.Invalid("max fee per gas below the base fee");
        }
        if (priorityFee > maxFee)
        {
            return TransactionResult.Invalid("priority fee above the max fee");
        }
        if (state.GetCode(tx.Sender).Length != 0)
        {
            return TransactionResult.Invalid("sender is not an externally owned account");
        }
        var nonce = state.GetNonce(tx.Sender);
        if (tx.Nonce != nonce)
        {
            return TransactionResult.Invalid(tx.Nonce < nonce ? "nonce too low" : "nonce too high");
        }
        if (nonce == ulong.MaxValue)
        {
            return TransactionResult.Invalid("nonce at its maximum");
        }
        if (!UInt256.TryMultiply(maxFee, (ulong)tx.GasLimit, out var maxCost) ||
            !UInt256.TryAdd(maxCost, tx.Value, out var required) ||
            state.GetBalance(tx.Sender) < required)
        {
            return TransactionResult.Invalid("insufficient funds for gas * price + value");
        }

        var sum = UInt256.AddWrapping(block.BaseFee, priorityFee);
        var gasPrice = sum < maxFee ? sum : maxFee;
        UInt256.TryMultiply(gasPrice, (ulong)tx.GasLimit, out var gasCost);
        state.SetBalance(tx.Sender, UInt256.SubtractWrapping(state.GetBalance(tx.Sender), gasCost));

        _vm.BeginTransaction(new TransactionContext { Origin = tx.Sender, GasPrice = gasPrice });
        var substate = _vm.Substate;
        substate.WarmAccount(tx.Sender);
        substate.WarmAccount(block.Coinbase);
        var precompiles = PrecompileSet.Addresses;
        for (var i = 0; i < precompiles.Count; i++)
        {
            substate.WarmAccount(precompiles[i]);
        }
        foreach (var item in tx.AccessList)
        {
            substate.WarmAccount(item.Address);
            foreach (var key in item.StorageKeys)
            {
                substate.WarmSlot(item.Address, key);
            }
        }

        var gas = tx.GasLimit - IntrinsicGas(tx);
        CallResult result;
        if (tx.To is { } to)
        {
            substate.WarmAccount(to);
            state.SetNonce(tx.Sender, nonce + 1);
            result = _vm.Execute(new Message(CallKind.Call, tx.Sender, to, to, tx.Value, tx.Data, gas));
        }
        else
        {
            var address = ContractAddress.FromNonce(tx.Sender, nonce);
            state.SetNonce(tx.Sender, nonce + 1);
            result = _vm.Execute(new Message(CallKind.Create, tx.Sender, address, address, tx.Value, tx.Data, gas));
        }

        var gasUsed = tx.GasLimit - result.GasLeft;
        var refund = Math.Min(substate.Refund, gasUsed / GasCosts.MaxRefundQuotient);
        gasUsed -= refund;
        var gasLeft = tx.GasLimit - gasUsed;

        UInt256.TryMultiply(gasPrice, (ulong)gasLeft, out var repay);
        state.SetBalance(tx.Sender, UInt256.AddWrapping(state.GetBalance(tx.Sender), repay));
        UInt256.TryMultiply(UInt256.SubtractWrapping(gasPrice, block.BaseFee), (ulong)gasUsed, out var tip);
        state.SetBalance(block.Coinbase, UInt256.AddWrapping(state.GetBalance(block.Coinbase), tip));
        substate.Touch(block.Coinbase);

        foreach (var address in substate.SelfDestructedAccounts())
        {
            state.DeleteAccount(address);
        }
        foreach (var address in substate.TouchedAccounts())
        {
            if (state.AccountExists(address) && _vm.IsDead(address))
            {
                state.DeleteAccount(address);
            }
        }
        state.CommitTransaction();

        return new TransactionResult
        {
            Status = result.Status,
            GasUsed = gasUsed,
            Output = result.Output,
            Logs = [.. substate.Logs],
            CreatedAddress = result.Success && tx.To is null ? result.CreatedAddress : null,
        };
    }
}
