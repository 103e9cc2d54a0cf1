using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Channels;

/// <summary>
/// The values a chain writes into its proven slots and a counterparty recomputes to check a proof (docs/relay.md,
/// "Commitments"): suite hashes of fixed binary layouts, never of protobuf encodings, so another implementation can
/// compute them from the document alone. Strings are <c>u16be(length) ‖ utf8</c>, integers <c>u64be</c>, addresses 20
/// bytes; each layout starts with its own tag ending in a zero byte.
/// </summary>
public static class RelayCommitments
{
    /// <summary>H("shanghaichain.relay.channel\0" ‖ u8 state ‖ u8 ordered ‖ counterparty chain id ‖ counterparty channel ‖ local contract ‖ counterparty contract ‖ version).</summary>
    public static UInt256 Channel(CryptoSuite suite, RelayChannel channel)
    {
        using var w = new MemoryStream();
        w.Write("shanghaichain.relay.channel\0"u8);
        w.WriteByte((byte)channel.State);
        w.WriteByte(channel.Ordered ? (byte)1 : (byte)0);
        w.Write(CrossChainLayout.Str(channel.CounterpartyChainId));
        w.Write(CrossChainLayout.Str(channel.CounterpartyChannel));
        w.Write(channel.LocalContract.Span);
        w.Write(channel.CounterpartyContract.Span);
        w.Write(CrossChainLayout.Str(channel.Version));
        return Word(suite, w);
    }

    /// <summary>H("shanghaichain.relay.packet\0" ‖ sequence ‖ source channel ‖ destination channel ‖ sender ‖ receiver ‖ timeout height ‖ timeout timestamp ‖ H(data)), in the source chain's suite.</summary>
    public static UInt256 Packet(CryptoSuite suite, RelayPacket packet)
    {
        using var w = new MemoryStream();
        w.Write("shanghaichain.relay.packet\0"u8);
        w.Write(CrossChainLayout.U64(packet.Sequence));
        w.Write(CrossChainLayout.Str(packet.SourceChannel));
        w.Write(CrossChainLayout.Str(packet.DestinationChannel));
        w.Write(packet.Sender.Span);
        w.Write(packet.Receiver.Span);
        w.Write(CrossChainLayout.U64(packet.TimeoutHeight));
        w.Write(CrossChainLayout.U64(packet.TimeoutTimestamp));
        w.Write(suite.Hash(packet.Data.Span).ToArray());
        return Word(suite, w);
    }

    /// <summary>H("shanghaichain.relay.ack\0" ‖ acknowledgement), in the destination chain's suite.</summary>
    public static UInt256 Acknowledgement(CryptoSuite suite, ReadOnlySpan<byte> acknowledgement)
    {
        using var w = new MemoryStream();
        w.Write("shanghaichain.relay.ack\0"u8);
        w.Write(acknowledgement);
        return Word(suite, w);
    }

    private static UInt256 Word(CryptoSuite suite, MemoryStream w) => UInt256.ReadBigEndian(suite.Hash(w.ToArray()).ToArray());
}

/// <summary>
/// The acknowledgement a destination writes for a packet (docs/relay.md, "Acknowledgements"): <c>0x01 ‖ result</c> when
/// the receiving contract returned, <c>0x00 ‖ utf8 reason</c> when it reverted or failed (its state changes undone).
/// </summary>
public static class RelayAcknowledgement
{
    public const int MaxReasonBytes = 256;

    public static byte[] Success(ReadOnlySpan<byte> result) => [0x01, .. result];

    public static byte[] Error(string reason)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(reason);
        return [0x00, .. bytes.AsSpan(0, Math.Min(bytes.Length, MaxReasonBytes))];
    }

    public static bool IsSuccess(ReadOnlySpan<byte> acknowledgement) => acknowledgement.Length > 0 && acknowledgement[0] == 0x01;
}
