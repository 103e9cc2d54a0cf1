using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Relay.Channels;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// Packets (docs/relay.md, "Packets"): send writes the commitment; receive proves it, writes the receipt before calling
/// the receiving contract (so any redelivery, even from inside that call, is a no-op) and writes the acknowledgement;
/// acknowledge and timeout prove the counterparty's acknowledgement or the absence of its receipt, clear the
/// commitment and call the sending contract back. A callback that fails undoes the whole message, so a relayer cannot
/// complete a packet by starving the callback of gas; it retries with more.
/// </summary>
public sealed partial class CrossChainContract
{
    private static readonly uint OnRecvPacket = AbiSignature.Selector("onRecvPacket(string,uint64,address,bytes)");
    private static readonly uint OnAcknowledgePacket = AbiSignature.Selector("onAcknowledgePacket(string,uint64,bytes,bytes)");
    private static readonly uint OnTimeoutPacket = AbiSignature.Selector("onTimeoutPacket(string,uint64,bytes)");

    public const int MaxPacketDataBytes = 64 * 1024;

    /// <summary>What a receiving contract may return as its acknowledgement's result.</summary>
    public const int MaxAcknowledgementBytes = 4 * 1024;

    /// <summary>
    /// Gas kept back from the receiving contract for the acknowledgement's storage and events: this fixed part plus the
    /// log price of the packet and of the largest acknowledgement, so a large packet cannot leave too little to finish.
    /// </summary>
    public const long ReceiveReserveGas = 120_000;

    private SystemCallResult RunSendPacket(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var channelId) || !args.TryBytes(1, out var data) ||
            !CallArguments.TryUInt64(args, 2, out var timeoutHeight) || !CallArguments.TryUInt64(args, 3, out var timeoutTimestamp))
        {
            return Revert("malformed sendPacket arguments");
        }
        if (data.Length > MaxPacketDataBytes || (timeoutHeight == 0 && timeoutTimestamp == 0))
        {
            return Revert($"a packet needs at most {MaxPacketDataBytes} bytes of data and a timeout height or time");
        }
        if (storage.Record(CrossChainLayout.ChannelRecordSlot(channelId), RelayChannel.Parser) is not { } channel || channel.State != RelayChannelState.Open)
        {
            return Revert($"channel '{channelId}' is not open");
        }
        if (!context.Caller.Matches(channel.LocalContract.Span))
        {
            return Revert($"only {AddressOf(channel.LocalContract)} sends on channel '{channelId}'");
        }
        var sequence = storage.Number(CrossChainLayout.NextSendSlot(channelId));
        storage.Set(CrossChainLayout.NextSendSlot(channelId), sequence + 1);
        var packet = new RelayPacket
        {
            Sequence = sequence,
            SourceChannel = channelId,
            DestinationChannel = channel.CounterpartyChannel,
            Sender = channel.LocalContract,
            Receiver = channel.CounterpartyContract,
            Data = ByteString.CopyFrom(data),
            TimeoutHeight = timeoutHeight,
            TimeoutTimestamp = timeoutTimestamp,
        };
        storage.Set(CrossChainLayout.CommitmentSlot(channelId, sequence), RelayCommitments.Packet(suite, packet));
        storage.Set(CrossChainLayout.PacketInfoSlot(channelId, sequence), new PacketInfo(timeoutHeight, timeoutTimestamp, PacketOutcome.Pending).Encode());
        CrossChainEvents.Emit(context, CrossChainEvents.SendPacket, new AbiTuple().String(channelId).UInt(sequence).Bytes(packet.ToByteArray()));
        return SystemCallResult.Return(new AbiTuple().UInt(sequence).Encode());
    }

    private SystemCallResult RunRecvPacket(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryMessage(args, 0, RelayPacket.Parser, out var packet) || !CallArguments.TryUInt64(args, 1, out var proofHeight) ||
            !args.TryBytes(2, out var proof))
        {
            return Revert("malformed recvPacket arguments");
        }
        var channelId = packet.DestinationChannel;
        if (!IsIdentifierText(channelId) || storage.Record(CrossChainLayout.ChannelRecordSlot(channelId), RelayChannel.Parser) is not { } channel ||
            channel.State != RelayChannelState.Open)
        {
            return Revert($"channel '{channelId}' is not open");
        }
        if (packet.SourceChannel != channel.CounterpartyChannel || !packet.Sender.Equals(channel.CounterpartyContract) ||
            !packet.Receiver.Equals(channel.LocalContract))
        {
            return Revert("the packet's channel or contracts are not this channel's");
        }
        if ((packet.TimeoutHeight != 0 && context.Block.Number >= packet.TimeoutHeight) ||
            (packet.TimeoutTimestamp != 0 && context.Block.Timestamp >= packet.TimeoutTimestamp))
        {
            return Revert($"packet {packet.Sequence} timed out");
        }
        if (channel.Ordered)
        {
            var next = storage.Number(CrossChainLayout.NextReceiveSlot(channelId));
            if (packet.Sequence < next)
            {
                return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
            }
            if (packet.Sequence > next)
            {
                return Revert($"ordered channel '{channelId}' expects packet {next}, not {packet.Sequence}");
            }
        }
        else if (!storage.Word(CrossChainLayout.ReceiptSlot(channelId, packet.Sequence)).IsZero)
        {
            // Exactly once: a second delivery (another relayer, a retry) changes nothing.
            return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
        }
        var commitment = RelayCommitments.Packet(SuiteOfClient(storage, channel.ClientId), packet);
        if (!ProvesValue(context, storage, channel.ClientId, proofHeight, proof, CrossChainLayout.CommitmentSlot(packet.SourceChannel, packet.Sequence),
            commitment, "packet commitment", out var problem))
        {
            return Revert($"recvPacket refused: {problem}");
        }
        if (channel.Ordered)
        {
            storage.Set(CrossChainLayout.NextReceiveSlot(channelId), packet.Sequence + 1);
        }
        storage.Set(CrossChainLayout.ReceiptSlot(channelId, packet.Sequence), UInt256.One);
        CrossChainEvents.Emit(context, CrossChainEvents.RecvPacket, new AbiTuple().String(channelId).UInt(packet.Sequence));

        var acknowledgement = Deliver(context, channelId, packet);
        storage.Set(CrossChainLayout.AckSlot(channelId, packet.Sequence), RelayCommitments.Acknowledgement(suite, acknowledgement));
        CrossChainEvents.Emit(context, CrossChainEvents.WriteAcknowledgement,
            new AbiTuple().String(channelId).UInt(packet.Sequence).Bytes(packet.ToByteArray()).Bytes(acknowledgement));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>
    /// Calls the receiving contract and turns its answer into the acknowledgement: success with the bytes it returned,
    /// or an error when it reverted or failed (its changes undone). Running out of gas is the relayer's shortfall, not the
    /// packet's fault: it fails the whole message, so the relayer must retry with more gas.
    /// </summary>
    private static byte[] Deliver(SystemCallContext context, string channelId, RelayPacket packet)
    {
        var call = Encode(OnRecvPacket, new AbiTuple().String(channelId).UInt(packet.Sequence).Address(AddressOf(packet.Sender)).Bytes(packet.Data.Span));
        var reserve = ReceiveReserveGas + GasCosts.LogData * (packet.CalculateSize() + MaxAcknowledgementBytes);
        if (context.GasLeft <= reserve || !context.TryCall(AddressOf(packet.Receiver), call, context.GasLeft - reserve, isStatic: false, out var result))
        {
            throw new CallHalted();
        }
        if (result.Status == EvmStatus.OutOfGas)
        {
            context.TryUseGas(long.MaxValue);
            throw new CallHalted();
        }
        if (!result.Success)
        {
            return RelayAcknowledgement.Error(result.Status == EvmStatus.Reverted ? RevertReason(result.Output.Span) : result.Status.ToString());
        }
        var reader = new AbiReader(result.Output.Span);
        if (!reader.TryBytes(0, out var returned))
        {
            return RelayAcknowledgement.Error("the receiving contract did not return bytes");
        }
        return returned.Length <= MaxAcknowledgementBytes
            ? RelayAcknowledgement.Success(returned)
            : RelayAcknowledgement.Error($"the receiving contract returned more than {MaxAcknowledgementBytes} bytes");
    }

    private SystemCallResult RunAcknowledgePacket(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryMessage(args, 0, RelayPacket.Parser, out var packet) || !args.TryBytes(1, out var acknowledgement) ||
            !CallArguments.TryUInt64(args, 2, out var proofHeight) || !args.TryBytes(3, out var proof))
        {
            return Revert("malformed acknowledgePacket arguments");
        }
        if (Outstanding(storage, packet, out var channel, out var problem) is not { } outstanding)
        {
            return problem is null ? SystemCallResult.Return(ReadOnlyMemory<byte>.Empty) : Revert(problem);
        }
        if (!outstanding)
        {
            return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
        }
        if (channel.Ordered && storage.Number(CrossChainLayout.NextAckSlot(packet.SourceChannel)) != packet.Sequence)
        {
            return Revert($"ordered channel '{packet.SourceChannel}' acknowledges packets in order");
        }
        var expected = RelayCommitments.Acknowledgement(SuiteOfClient(storage, channel.ClientId), acknowledgement);
        if (!ProvesValue(context, storage, channel.ClientId, proofHeight, proof, CrossChainLayout.AckSlot(packet.DestinationChannel, packet.Sequence),
            expected, "acknowledgement", out problem))
        {
            return Revert($"acknowledgePacket refused: {problem}");
        }
        Complete(storage, channel, packet, RelayAcknowledgement.IsSuccess(acknowledgement) ? PacketOutcome.Acknowledged : PacketOutcome.AcknowledgedError);
        var call = Encode(OnAcknowledgePacket, new AbiTuple().String(packet.SourceChannel).UInt(packet.Sequence).Bytes(packet.Data.Span).Bytes(acknowledgement));
        if (CallBack(context, packet, call) is { } failed)
        {
            return failed;
        }
        CrossChainEvents.Emit(context, CrossChainEvents.AcknowledgePacket,
            new AbiTuple().String(packet.SourceChannel).UInt(packet.Sequence).Bool(RelayAcknowledgement.IsSuccess(acknowledgement)));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    private SystemCallResult RunTimeoutPacket(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryMessage(args, 0, RelayPacket.Parser, out var packet) || !CallArguments.TryUInt64(args, 1, out var proofHeight) ||
            !args.TryBytes(2, out var proof))
        {
            return Revert("malformed timeoutPacket arguments");
        }
        if (Outstanding(storage, packet, out var channel, out var problem) is not { } outstanding)
        {
            return problem is null ? SystemCallResult.Return(ReadOnlyMemory<byte>.Empty) : Revert(problem);
        }
        if (!outstanding)
        {
            return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
        }
        // The header at proofHeight carries the state after proofHeight - 1. The destination receives only in blocks below
        // the timeout height and before the timeout time, so every block that could have received is in that state when
        // proofHeight >= timeout height, or when the header's own time (its block and all later ones) is past the timeout.
        var slot = channel.Ordered ? CrossChainLayout.NextReceiveSlot(packet.DestinationChannel) : CrossChainLayout.ReceiptSlot(packet.DestinationChannel, packet.Sequence);
        var result = ProveSlot(context, storage, channel.ClientId, proofHeight, proof, slot, out var value, out var consensus, out problem);
        if (result == TrieProofResult.Invalid)
        {
            return Revert($"timeoutPacket refused: {problem}");
        }
        var byHeight = packet.TimeoutHeight != 0 && proofHeight >= packet.TimeoutHeight;
        var byTime = packet.TimeoutTimestamp != 0 && consensus.TimestampMs / 1000 >= packet.TimeoutTimestamp;
        if (!byHeight && !byTime)
        {
            return Revert($"timeoutPacket refused: packet {packet.Sequence} has not timed out at the proven height {proofHeight}");
        }
        var notReceived = channel.Ordered
            ? result == TrieProofResult.Present && value <= new UInt256(packet.Sequence)
            : result == TrieProofResult.Absent;
        if (!notReceived)
        {
            return Revert($"timeoutPacket refused: the counterparty received packet {packet.Sequence}");
        }
        Complete(storage, channel, packet, PacketOutcome.TimedOut);
        if (channel.Ordered)
        {
            // An ordered channel cannot skip a packet: it closes, as IBC's do.
            channel.State = RelayChannelState.Closed;
            SaveChannel(storage, packet.SourceChannel, channel);
            CrossChainEvents.Emit(context, CrossChainEvents.ChannelClosed, new AbiTuple().String(packet.SourceChannel));
        }
        var call = Encode(OnTimeoutPacket, new AbiTuple().String(packet.SourceChannel).UInt(packet.Sequence).Bytes(packet.Data.Span));
        if (CallBack(context, packet, call) is { } failed)
        {
            return failed;
        }
        CrossChainEvents.Emit(context, CrossChainEvents.TimeoutPacket, new AbiTuple().String(packet.SourceChannel).UInt(packet.Sequence));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>
    /// Whether a packet sent here is still outstanding: true when its commitment is stored and matches; false when the
    /// commitment is gone (acknowledged or timed out already: a no-op for the late relayer). Null with a problem when the
    /// packet is not one this chain sent on an open (or, for timeouts, closing) channel.
    /// </summary>
    private bool? Outstanding(CallStorage storage, RelayPacket packet, out RelayChannel channel, out string? problem)
    {
        channel = null!;
        problem = null;
        if (!IsIdentifierText(packet.SourceChannel) ||
            storage.Record(CrossChainLayout.ChannelRecordSlot(packet.SourceChannel), RelayChannel.Parser) is not { } stored)
        {
            problem = $"no channel '{packet.SourceChannel}'";
            return null;
        }
        channel = stored;
        var commitment = storage.Word(CrossChainLayout.CommitmentSlot(packet.SourceChannel, packet.Sequence));
        if (commitment.IsZero)
        {
            return false;
        }
        if (commitment != RelayCommitments.Packet(suite, packet))
        {
            problem = $"packet {packet.Sequence} does not match the one sent on '{packet.SourceChannel}'";
            return null;
        }
        return true;
    }

    /// <summary>Clears the commitment and records how the packet ended beside its timeouts (read by the API and the CLI).</summary>
    private static void Complete(CallStorage storage, RelayChannel channel, RelayPacket packet, PacketOutcome outcome)
    {
        storage.Set(CrossChainLayout.CommitmentSlot(packet.SourceChannel, packet.Sequence), UInt256.Zero);
        storage.Set(CrossChainLayout.PacketInfoSlot(packet.SourceChannel, packet.Sequence),
            new PacketInfo(packet.TimeoutHeight, packet.TimeoutTimestamp, outcome).Encode());
        if (channel.Ordered)
        {
            storage.Set(CrossChainLayout.NextAckSlot(packet.SourceChannel), packet.Sequence + 1);
        }
    }

    /// <summary>Calls the sending contract back; null when it returned, else the revert that undoes the whole message.</summary>
    private static SystemCallResult? CallBack(SystemCallContext context, RelayPacket packet, byte[] call)
    {
        if (!context.TryCall(AddressOf(packet.Sender), call, context.GasLeft, isStatic: false, out var result))
        {
            throw new CallHalted();
        }
        if (result.Status == EvmStatus.OutOfGas)
        {
            context.TryUseGas(long.MaxValue);
            throw new CallHalted();
        }
        return result.Success ? null : Revert($"the sending contract's callback failed ({result.Status}): {RevertReason(result.Output.Span)}");
    }

    private static string RevertReason(ReadOnlySpan<byte> output) => Vm.Execution.RevertReason.Decode(output);

    private static bool IsIdentifierText(string value) => CallArguments.IsIdentifier(System.Text.Encoding.UTF8.GetBytes(value));
}
