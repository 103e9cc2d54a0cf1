using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Execution;

/// <summary>A call to run read-only: sender, callee (null: run <see cref="Data"/> as init code), value, gas and price.</summary>
public sealed record CallArgs(Address From, Address? To, byte[] Data, UInt256 Value, ulong GasLimit, UInt256 GasPrice);

/// <summary>What a read-only call did: as a receipt would say, without committing anything.</summary>
public sealed record CallOutcome(bool Success, byte[] Output, ulong GasUsed, ExecutionError Error, string ErrorMessage,
    IReadOnlyList<LogEntry> Logs, Address? ContractAddress);

/// <summary>
/// Read-only execution for the API: the call runs as a transaction would (same rules, gas, intrinsic cost, the sender's
/// current nonce) on a throw-away overlay over a state view, so nothing is ever committed. Runs on a deep-stack thread.
/// </summary>
public sealed class ReadOnlyCalls(BlockExecutor executor)
{
    public Task<CallOutcome> CallAsync(IStateReader state, BlockContext context, CallArgs args) =>
        LargeStack.RunAsync(() => RunOnce(state, context, args));

    /// <summary>
    /// The smallest gas limit at or below <see cref="CallArgs.GasLimit"/> with which the call succeeds, by binary search
    /// between the gas the call used and the limit; null with the failing outcome when it fails even at the limit.
    /// </summary>
    public Task<(ulong? GasLimit, CallOutcome Outcome)> EstimateGasAsync(IStateReader state, BlockContext context, CallArgs args) =>
        LargeStack.RunAsync(() =>
        {
            var best = RunOnce(state, context, args);
            if (!best.Success)
            {
                return ((ulong?)null, best);
            }
            // Success needs at least the gas used; refunds and the 63/64 rule may need more, never less.
            var low = best.GasUsed - 1;
            var high = args.GasLimit;
            while (low + 1 < high)
            {
                var middle = low + (high - low) / 2;
                var outcome = RunOnce(state, context, args with { GasLimit = middle });
                if (outcome.Success)
                {
                    high = middle;
                    best = outcome;
                }
                else
                {
                    low = middle;
                }
            }
            return (high, best);
        });

    private CallOutcome RunOnce(IStateReader state, BlockContext context, CallArgs args)
    {
        var overlay = new StateOverlay(state, executor.Codes);
        var vm = new VirtualMachine(overlay, context, executor.Rules);
        var tx = new EvmTransaction
        {
            Sender = args.From,
            To = args.To,
            Nonce = overlay.GetNonce(args.From),
            GasLimit = (long)Math.Min(args.GasLimit, long.MaxValue),
            Value = args.Value,
            Data = args.Data,
            GasPrice = args.GasPrice,
        };
        var result = new TransactionProcessor(vm).Execute(tx);
        if (!result.IsValid)
        {
            return new CallOutcome(false, [], 0, ExecutionError.InvalidTransaction, result.InvalidReason!, [], null);
        }
        var (error, message) = BlockExecutor.Classify(result);
        return new CallOutcome(error == ExecutionError.None, result.Output.ToArray(), (ulong)result.GasUsed, error, message,
            result.Logs, result.CreatedAddress ?? (args.To is null ? ContractAddress.FromNonce(args.From, tx.Nonce) : null));
    }
}
