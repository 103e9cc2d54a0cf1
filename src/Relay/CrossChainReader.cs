using Google.Protobuf;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay;

/// <summary>
/// The cross-chain contract's state read from a state view (committed state, or a block's state as it runs), in the
/// layout the contract keeps: what a relayer, the API and the CLI read. Reads only; the contract alone writes.
/// </summary>
public static class CrossChainReader
{
    public static LightClientState? Client(IStateReader state, string clientId) =>
        Record(state, CrossChainLayout.ClientSlot(clientId), LightClientState.Parser);

    /// <summary>The header the client's current generation trusts at <paramref name="height"/>.</summary>
    public static RelayConsensusState? Consensus(IStateReader state, string clientId, ulong height) =>
        Client(state, clientId) is { } client ? Record(state, CrossChainLayout.ConsensusSlot(clientId, client.Generation, height), RelayConsensusState.Parser) : null;

    public static RelayChannel? Channel(IStateReader state, string channelId) =>
        Record(state, CrossChainLayout.ChannelRecordSlot(channelId), RelayChannel.Parser);

    public static ulong ChannelCount(IStateReader state) => Number(state, CrossChainLayout.ChannelCountSlot);

    public static ulong ClientCount(IStateReader state) => Number(state, CrossChainLayout.ClientCountSlot);

    /// <summary>The id of the client created <paramref name="index"/>-th (from 0); null beyond <see cref="ClientCount"/>.</summary>
    public static string? ClientId(IStateReader state, ulong index) =>
        RelayBlob.TryRead(new StateSlots(state), CrossChainLayout.ClientIdSlot(index), out var bytes) && bytes.Length > 0
            ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    /// <summary>A packet sent on <paramref name="channelId"/>: its timeouts and how it ended; null when none was sent with that sequence.</summary>
    public static PacketInfo? Packet(IStateReader state, string channelId, ulong sequence) =>
        PacketInfo.Decode(state.GetStorage(CrossChainLayout.Address, CrossChainLayout.PacketInfoSlot(channelId, sequence)));

    /// <summary>The commitment of a packet sent and not yet acknowledged or timed out; zero otherwise.</summary>
    public static UInt256 Commitment(IStateReader state, string channelId, ulong sequence) =>
        state.GetStorage(CrossChainLayout.Address, CrossChainLayout.CommitmentSlot(channelId, sequence));

    public static bool Received(IStateReader state, string channelId, ulong sequence) =>
        !state.GetStorage(CrossChainLayout.Address, CrossChainLayout.ReceiptSlot(channelId, sequence)).IsZero;

    /// <summary>The next sequences of a channel end: to send, to receive (ordered channels) and to acknowledge.</summary>
    public static (ulong Send, ulong Receive, ulong Acknowledge) Sequences(IStateReader state, string channelId) =>
        (Number(state, CrossChainLayout.NextSendSlot(channelId)), Number(state, CrossChainLayout.NextReceiveSlot(channelId)),
            Number(state, CrossChainLayout.NextAckSlot(channelId)));

    private static ulong Number(IStateReader state, in UInt256 slot)
    {
        var value = state.GetStorage(CrossChainLayout.Address, slot);
        return value.IsUInt64 ? value.U0 : throw new InvalidOperationException($"cross-chain slot {slot} holds {value}, not a counter: state is corrupt");
    }

    private static T? Record<T>(IStateReader state, in UInt256 slot, MessageParser<T> parser) where T : class, IMessage<T> =>
        RelayBlob.TryRead(new StateSlots(state), slot, out var bytes) && bytes.Length > 0 ? parser.ParseFrom(bytes) : null;

    private sealed class StateSlots(IStateReader state) : IRelaySlots
    {
        public bool TryLoad(in UInt256 slot, out UInt256 value)
        {
            value = state.GetStorage(CrossChainLayout.Address, slot);
            return true;
        }

        public bool TryStore(in UInt256 slot, in UInt256 value) =>
            throw new InvalidOperationException("cross-chain state is written only by the cross-chain contract");
    }
}
