using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// How each kind of work is judged and carried: the chain state that shows it done (<see cref="ConfirmAsync"/>), the source
/// slot that proves it (<see cref="ProofSlot"/>) and the message built from that proof (<see cref="Message"/>). The
/// relayer's own receipts never count as confirmation: another relayer may have done the work, or a batch message may
/// have failed.
/// </summary>
internal static class RelayItemState
{
    /// <summary>Settles the items the destination's state shows done and hands packets that can no longer be received over as timeouts.</summary>
    public static async Task ConfirmAsync(DirectionWorker worker, List<RelayItem> items, ChainLink destination, string clientOnDestination,
        GetStatusResponse destinationStatus, CancellationToken cancel)
    {
        // Packets by the destination channel end whose state decides them.
        foreach (var group in items.Where(i => i.Packet is not null).GroupBy(i => i.Kind == RelayKind.Receive ? i.Packet!.DestinationChannel : i.Packet!.SourceChannel))
        {
            foreach (var chunk in group.Chunk(4096))
            {
                var request = new GetPacketStatesRequest { ChannelId = group.Key };
                request.Sequences.AddRange(chunk.Select(i => i.Packet!.Sequence));
                var states = (await destination.Relay.GetPacketStatesAsync(request, cancellationToken: cancel).ConfigureAwait(false)).States;
                for (var i = 0; i < chunk.Length; i++)
                {
                    var item = chunk[i];
                    if (item.Kind == RelayKind.Receive ? states[i].Received : !states[i].Pending)
                    {
                        worker.Settle(item);
                    }
                    else if (item.Kind == RelayKind.Receive &&
                        DirectionWorker.TimedOutAt(item.Packet!, destinationStatus.HeadHeight + 1, destinationStatus.HeadTimestampMs))
                    {
                        worker.HandOverTimeout(item);
                    }
                }
            }
        }
        foreach (var item in items.Where(i => i.Packet is null))
        {
            var done = item.Kind switch
            {
                RelayKind.OpenTry => !UInt256.ReadBigEndian((await destination.Chain.GetStorageAsync(new GetStorageRequest
                {
                    Address = CrossChainLayout.Address.ToByteString(),
                    Slot = ByteString.CopyFrom(CrossChainLayout.TrySlot(clientOnDestination, item.Channel).ToBigEndian()),
                }, cancellationToken: cancel).ConfigureAwait(false)).Value.Span).IsZero,
                _ => (await destination.Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = item.CounterpartyChannel },
                    cancellationToken: cancel).ConfigureAwait(false)).Channel?.State == RelayChannelState.Open,
            };
            if (done)
            {
                worker.Settle(item);
            }
        }
    }

    /// <summary>The slot of the source's cross-chain contract whose proof carries the item.</summary>
    public static RelaySlotKey ProofSlot(RelayItem item) => item.Kind switch
    {
        RelayKind.Receive => new() { Kind = RelaySlotKind.PacketCommitment, Channel = item.Packet!.SourceChannel, Sequence = item.Packet.Sequence },
        RelayKind.Acknowledge => new() { Kind = RelaySlotKind.Acknowledgement, Channel = item.Packet!.DestinationChannel, Sequence = item.Packet.Sequence },
        RelayKind.Timeout when item.Ordered => new() { Kind = RelaySlotKind.NextReceive, Channel = item.Packet!.DestinationChannel },
        RelayKind.Timeout => new() { Kind = RelaySlotKind.Receipt, Channel = item.Packet!.DestinationChannel, Sequence = item.Packet.Sequence },
        _ => new() { Kind = RelaySlotKind.Channel, Channel = item.Channel },
    };

    /// <summary>
    /// The message for the item proven at <paramref name="proofHeight"/>, where the slot holds <paramref name="value"/>; null
    /// when the proven state shows there is nothing left to do (the packet completed on its source, or was received
    /// after all and will be acknowledged).
    /// </summary>
    public static byte[]? Message(RelayItem item, string clientOnDestination, ulong proofHeight, UInt256 value, RelaySlotProof proof) => item.Kind switch
    {
        RelayKind.Receive => value.IsZero ? null : RelayMessages.RecvPacket(item.Packet!, proofHeight, proof),
        RelayKind.Acknowledge => RelayMessages.AcknowledgePacket(item.Packet!, item.Acknowledgement!, proofHeight, proof),
        RelayKind.Timeout => (item.Ordered ? value > new UInt256(item.Packet!.Sequence) : !value.IsZero) ? null
            : RelayMessages.TimeoutPacket(item.Packet!, proofHeight, proof),
        RelayKind.OpenTry => RelayMessages.ChannelOpenTry(clientOnDestination, item.Channel, item.CounterpartyContract, item.LocalContract,
            item.Ordered, item.Version, proofHeight, proof),
        RelayKind.OpenAck => RelayMessages.ChannelOpenAck(item.CounterpartyChannel, item.Channel, proofHeight, proof),
        _ => RelayMessages.ChannelOpenConfirm(item.CounterpartyChannel, proofHeight, proof),
    };
}
