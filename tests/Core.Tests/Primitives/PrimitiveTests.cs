using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Tests.Primitives;

public sealed class PrimitiveTests
{
    [Fact]
    public void Addresses_parse_with_or_without_prefix_and_refuse_wrong_lengths()
    {
        Assert.True(Address.TryParse("0x00000000000000000000000000000000000000Ab", out var a));
        Assert.True(Address.TryParse("00000000000000000000000000000000000000ab", out var b));
        Assert.Equal(a, b);
        Assert.Equal("0x00000000000000000000000000000000000000ab", a.ToString());
        Assert.False(Address.TryParse("0xabcd", out _));
        Assert.False(Address.TryParse("0xzz000000000000000000000000000000000000ab", out _));
    }

    [Fact]
    public void Hash32_orders_like_its_bytes()
    {
        var low = new Hash32([0, .. new byte[31]]);
        var high = new Hash32([1, .. new byte[31]]);
        Assert.True(low < high);
        Assert.Equal(high, Hash32.Parse(high.ToString()));
    }

    [Fact]
    public void UInt256_checked_arithmetic_reports_overflow_and_underflow()
    {
        Assert.False(UInt256.TryAdd(UInt256.MaxValue, UInt256.One, out _));
        Assert.False(UInt256.TrySubtract(UInt256.Zero, UInt256.One, out _));
        Assert.False(UInt256.TryMultiply(UInt256.MaxValue, 2, out _));
        Assert.True(UInt256.TryMultiply(new UInt256(ulong.MaxValue), ulong.MaxValue, out var product));
        Assert.Equal(System.Numerics.BigInteger.Pow(ulong.MaxValue, 2), product.ToBigInteger());
    }

    [Fact]
    public void UInt256_parses_decimal_and_refuses_signs_and_overflow()
    {
        Assert.Equal("1000000000000000000000000000", UInt256.Parse("1000000000000000000000000000").ToString());
        Assert.False(UInt256.TryParse("-1", out _));
        Assert.False(UInt256.TryParse("1e5", out _));
        Assert.False(UInt256.TryParse(System.Numerics.BigInteger.Pow(2, 256).ToString(), out _));
    }
}
