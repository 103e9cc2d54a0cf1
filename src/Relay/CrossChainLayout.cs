using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay;

/// <summary>
/// Where the cross-chain contract keeps its state in its own storage (docs/relay.md, "Storage paths"). Every slot is
/// Keccak-256 of <c>"shanghaichain.relay." + path</c> followed by the key bytes, where a string key is
/// <c>u16be(length) ‖ utf8</c> and a sequence is <c>u64be</c>, so paths never collide. The slots a counterparty proves
/// (channel, commitment, receipt, acknowledgement, next receive sequence) hold one word each; client records, consensus
/// states and channel records are protobuf blobs (<see cref="Contract.RelayBlob"/>).
/// </summary>
public static class CrossChainLayout
{
    /// <summary>0x0000000000000000000000000000000000001003, the same on every chain.</summary>
    public static readonly Address Address = SystemContractRegistry.AddressOf(0x03);

    /// <summary>The number of channels opened here (ids run <c>channel-0</c>, <c>channel-1</c>, …).</summary>
    public static readonly UInt256 ChannelCountSlot = Keyed("channel-count", []);

    /// <summary>Word: the number of clients created here; their ids are listed at <see cref="ClientIdSlot"/> 0, 1, … in creation order.</summary>
    public static readonly UInt256 ClientCountSlot = Keyed("client-count", []);

    /// <summary>Blob: the utf8 id of the client created <paramref name="index"/>-th (from 0), so clients can be listed.</summary>
    public static UInt256 ClientIdSlot(ulong index) => Keyed("client-id", U64(index));

    /// <summary>Blob: the <c>LightClientState</c> of a client.</summary>
    public static UInt256 ClientSlot(string clientId) => Keyed("client", Str(clientId));

    /// <summary>Blob: the <c>RelayConsensusState</c> a client (of a generation) trusts at a counterparty height.</summary>
    public static UInt256 ConsensusSlot(string clientId, ulong generation, ulong height) =>
        Keyed("consensus", [.. Str(clientId), .. U64(generation), .. U64(height)]);

    /// <summary>Blob: the <c>RelayChannel</c> record of a channel end.</summary>
    public static UInt256 ChannelRecordSlot(string channelId) => Keyed("channel-record", Str(channelId));

    /// <summary>Word, proven by the counterparty in the handshake: the channel end's commitment (<see cref="Channels.RelayCommitments.Channel"/>).</summary>
    public static UInt256 ChannelSlot(string channelId) => Keyed("channel", Str(channelId));

    /// <summary>Word: 1 once a channel here answered the counterparty channel (through this client) in channelOpenTry, so a
    /// replayed try cannot bind a second end to it.</summary>
    public static UInt256 TrySlot(string clientId, string counterpartyChannel) => Keyed("try", [.. Str(clientId), .. Str(counterpartyChannel)]);

    /// <summary>Word: the packet commitment of (source channel, sequence), cleared when the packet is acknowledged or timed out.</summary>
    public static UInt256 CommitmentSlot(string channelId, ulong sequence) => Keyed("commitment", [.. Str(channelId), .. U64(sequence)]);

    /// <summary>Word: 1 once (destination channel, sequence) was received; its absence proves a timeout.</summary>
    public static UInt256 ReceiptSlot(string channelId, ulong sequence) => Keyed("receipt", [.. Str(channelId), .. U64(sequence)]);

    /// <summary>Word: the acknowledgement commitment of (destination channel, sequence).</summary>
    public static UInt256 AckSlot(string channelId, ulong sequence) => Keyed("ack", [.. Str(channelId), .. U64(sequence)]);

    /// <summary>
    /// Word, written on the source when a packet is sent and again when it completes (<see cref="PacketInfo"/>): its timeout
    /// height and time and how it ended, so a packet's progress and timeout can be read without its event.
    /// </summary>
    public static UInt256 PacketInfoSlot(string channelId, ulong sequence) => Keyed("packet-info", [.. Str(channelId), .. U64(sequence)]);

    public static UInt256 NextSendSlot(string channelId) => Keyed("next-send", Str(channelId));

    /// <summary>Word, proven by the counterparty to time out on an ordered channel.</summary>
    public static UInt256 NextReceiveSlot(string channelId) => Keyed("next-receive", Str(channelId));

    public static UInt256 NextAckSlot(string channelId) => Keyed("next-ack", Str(channelId));

    /// <summary>Whether <paramref name="id"/> is a valid client or channel id: 1 to 64 bytes of [a-z0-9.-].</summary>
    public static bool IsIdentifier(string id) => Contract.CallArguments.IsIdentifier(Encoding.UTF8.GetBytes(id));

    /// <summary>The key bytes of a string: u16be(length) ‖ utf8.</summary>
    public static byte[] Str(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var output = new byte[2 + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(output, checked((ushort)bytes.Length));
        bytes.CopyTo(output, 2);
        return output;
    }

    public static byte[] U64(ulong value)
    {
        var output = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(output, value);
        return output;
    }

    private static UInt256 Keyed(string path, ReadOnlySpan<byte> key)
    {
        var prefix = Encoding.ASCII.GetBytes("shanghaichain.relay." + path);
        Span<byte> digest = stackalloc byte[32];
        Keccak256Hasher.Hash(prefix, key, digest);
        return UInt256.ReadBigEndian(digest);
    }
}
