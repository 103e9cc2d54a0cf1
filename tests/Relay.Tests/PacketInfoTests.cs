using FsCheck.Xunit;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Relay.Tests;

/// <summary>The packet-info word (docs/relay.md, "Storage paths"): every sent packet's word decodes to what was written, and is never zero.</summary>
public class PacketInfoTests
{
    [Property]
    public bool A_sent_packets_word_round_trips_and_is_never_zero(ulong timeoutHeight, ulong timeoutTimestamp, byte outcome)
    {
        var info = new PacketInfo(timeoutHeight, timeoutTimestamp, (PacketOutcome)(outcome % 4));
        var word = info.Encode();
        return !word.IsZero && PacketInfo.Decode(word) == info;
    }

    [Fact]
    public void The_layout_is_timestamp_then_height_then_outcome_with_the_sent_bit()
    {
        var word = new PacketInfo(7, 9, PacketOutcome.TimedOut).Encode();
        Assert.Equal(new UInt256(9, 7, 0x103, 0), word);
        Assert.Null(PacketInfo.Decode(UInt256.Zero));
    }
}
