using FsCheck.Xunit;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;

namespace ShanghaiChain.Core.Tests.Rlp;

public class RlpCodecTests
{
    [Theory]
    [InlineData("8100", RlpError.NonCanonicalSingleByte)]
    [InlineData("b800", RlpError.LeadingZeroInLength)]
    [InlineData("b801ff", RlpError.NonCanonicalLengthForm)]
    [InlineData("f80180", RlpError.NonCanonicalLengthForm)]
    [InlineData("bf0f000000000000021111", RlpError.LengthOverflow)]
    [InlineData("c5010203", RlpError.Truncated)]
    [InlineData("", RlpError.Truncated)]
    [InlineData("8080", RlpError.TrailingBytes)]
    [InlineData("c3c30102", RlpError.Truncated)]
    public void Validate_reports_the_specific_defect(string hex, RlpError expected) =>
        Assert.Equal(expected, RlpCodec.Validate(Hex.Decode(hex)));

    [Theory]
    [InlineData("00", RlpError.NonCanonicalInteger)]
    [InlineData("820001", RlpError.NonCanonicalInteger)]
    [InlineData("89010000000000000000", RlpError.IntegerTooLarge)]
    [InlineData("c0", RlpError.ExpectedString)]
    public void Integer_reader_rejects_non_canonical_integers(string hex, RlpError expected)
    {
        var reader = new RlpReader(Hex.Decode(hex));
        Assert.False(reader.TryReadUInt64(out _));
        Assert.Equal(expected, reader.Error);
        Assert.Equal(0, reader.Position);
    }

    [Fact]
    public void Throwing_reader_reports_the_error()
    {
        var exception = Assert.Throws<RlpException>(() => new RlpReader(Hex.Decode("8100")).ReadString().Length);
        Assert.Equal(RlpError.NonCanonicalSingleByte, exception.Error);
    }

    [Fact]
    public void Deep_nesting_is_rejected_without_exhausting_the_stack()
    {
        // 2,000 nested lists, each a long-form list of its content.
        byte[] encoded = [0xc0];
        for (var i = 0; i < 2000; i++)
        {
            var wrapped = new byte[RlpCodec.LengthOfList(encoded.Length)];
            var writer = new RlpWriter(wrapped);
            writer.WriteListHeader(encoded.Length);
            writer.WriteEncoded(encoded);
            encoded = wrapped;
        }
        Assert.Equal(RlpError.TooDeep, RlpCodec.Validate(encoded));
    }

    [Property(MaxTest = 300)]
    public bool UInt64_round_trips_and_has_the_predicted_length(ulong value)
    {
        var encoded = RlpCodec.EncodeUInt64(value);
        var reader = new RlpReader(encoded);
        return encoded.Length == RlpCodec.LengthOfUInt64(value)
            && RlpCodec.Validate(encoded) == RlpError.None
            && reader.ReadUInt64() == value
            && !reader.HasMore;
    }

    [Property(MaxTest = 300)]
    public bool List_of_strings_round_trips(byte[][] items)
    {
        var encoded = RlpCodec.EncodeList(items);
        if (RlpCodec.Validate(encoded) != RlpError.None)
        {
            return false;
        }
        var list = new RlpReader(encoded).ReadList();
        foreach (var item in items)
        {
            if (!list.ReadString().SequenceEqual(item))
            {
                return false;
            }
        }
        return !list.HasMore;
    }

    [Property(MaxTest = 300)]
    public bool Any_truncation_of_a_valid_encoding_is_rejected(byte[][] items, byte cut)
    {
        var encoded = RlpCodec.EncodeList(items);
        var length = cut % encoded.Length;
        return RlpCodec.Validate(encoded.AsSpan(0, length)) != RlpError.None;
    }
}
