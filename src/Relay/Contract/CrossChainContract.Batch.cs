using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// <c>relayBatch(bytes[])</c>: many relayer messages in one transaction (docs/relay.md, "Batches"), typically one
/// <c>updateClient</c> followed by the packets, acknowledgements and timeouts proven at its height. Each message runs as
/// a call of this contract by itself, so one that fails (a packet another relayer completed in between and that is not
/// a no-op, a callback that reverts) undoes only its own changes and is reported by <c>RelayMessageFailed(index,
/// reason)</c>; the others stand. Only relayer messages are allowed: a message that acts for its caller (client
/// creation, opening a channel, sending) would act for this contract itself, so it is refused before anything runs.
/// </summary>
public sealed partial class CrossChainContract
{
    public static readonly uint RelayBatch = AbiSignature.Selector("relayBatch(bytes[])");

    /// <summary>Bounds the work of one batch and the size of its failure report.</summary>
    public const int MaxBatchMessages = 512;

    /// <summary>A comparison, not an array of the selectors: static fields of a partial class in several files have no set
    /// initialisation order, so an array built here could capture them before they are set.</summary>
    private static bool IsRelayerMessage(uint selector) =>
        selector == UpdateClient || selector == SubmitMisbehaviour || selector == RecvPacket || selector == AcknowledgePacket ||
        selector == TimeoutPacket || selector == ChannelOpenTry || selector == ChannelOpenAck || selector == ChannelOpenConfirm;

    private static SystemCallResult RunRelayBatch(SystemCallContext context, AbiReader args)
    {
        if (!args.TryArray(0, out var count, out var elements) || count is 0 or > MaxBatchMessages)
        {
            return Revert($"relayBatch takes 1 to {MaxBatchMessages} messages");
        }
        var messages = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            if (!elements.TryBytes(i, out var message) || !AbiReader.TryCreate(message, out var selector, out _) ||
                !IsRelayerMessage(selector))
            {
                return Revert($"batch message {i} is not a relayer message");
            }
            messages[i] = message.ToArray();
        }
        var failed = 0;
        for (var i = 0; i < messages.Length; i++)
        {
            if (!context.TryCall(CrossChainLayout.Address, messages[i], context.GasLeft, isStatic: false, out var result))
            {
                throw new CallHalted();
            }
            if (!result.Success)
            {
                failed++;
                CrossChainEvents.Emit(context, CrossChainEvents.RelayMessageFailed, new AbiTuple().UInt((ulong)i).Bytes(result.Output.Span));
            }
        }
        return SystemCallResult.Return(new AbiTuple().UInt((ulong)failed).Encode());
    }
}
