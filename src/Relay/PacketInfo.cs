using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Relay;

/// <summary>How a packet sent on a channel end ended, as the source's contract records it.</summary>
public enum PacketOutcome : byte
{
    /// <summary>Sent, not yet acknowledged or timed out (or no such packet when the whole word is zero).</summary>
    Pending = 0,
    /// <summary>Acknowledged with a success acknowledgement (<c>0x01 ‖ result</c>).</summary>
    Acknowledged = 1,
    /// <summary>Acknowledged with an error acknowledgement (<c>0x00 ‖ reason</c>): the application refunds or undoes.</summary>
    AcknowledgedError = 2,
    /// <summary>Timed out, proven on the source: the application refunds or undoes.</summary>
    TimedOut = 3,
}

/// <summary>
/// The word at <c>packet-info/(channel, sequence)</c> on the source (docs/relay.md, "Storage paths"): bits 0–63 the
/// packet's timeout timestamp, bits 64–127 its timeout height, bits 128–135 its <see cref="PacketOutcome"/>, and bit 136
/// set so that a sent packet's word is never zero (a packet may have a zero timeout height or time). Zero: no packet.
/// </summary>
public readonly record struct PacketInfo(ulong TimeoutHeight, ulong TimeoutTimestamp, PacketOutcome Outcome)
{
    public UInt256 Encode() => new(TimeoutTimestamp, TimeoutHeight, (ulong)Outcome | (1UL << 8), 0);

    /// <summary>Null when the word is zero (no packet with that sequence was sent on that end).</summary>
    public static PacketInfo? Decode(in UInt256 word) =>
        word.IsZero ? null : new PacketInfo(word.U1, word.U0, (PacketOutcome)(byte)word.U2);
}
