using System.Numerics;
using ShanghaiChain.Core.Primitives;
using static ShanghaiChain.Core.Tests.Primitives.UInt256Generators;

namespace ShanghaiChain.Core.Tests.Primitives;

/// <summary>Every word operation agrees with System.Numerics.BigInteger reduced modulo 2^256.</summary>
public class UInt256ArithmeticProperties
{
    [Fact]
    public void AddWrapping_matches_BigInteger() =>
        ForAll((a, b) => UInt256.AddWrapping(a, b) == Word256(Big(a) + Big(b)));

    [Fact]
    public void SubtractWrapping_matches_BigInteger() =>
        ForAll((a, b) => UInt256.SubtractWrapping(a, b) == Word256(Big(a) - Big(b)));

    [Fact]
    public void MultiplyWrapping_matches_BigInteger() =>
        ForAll((a, b) => UInt256.MultiplyWrapping(a, b) == Word256(Big(a) * Big(b)));

    [Fact]
    public void Divide_matches_BigInteger_and_is_zero_for_zero_divisor() =>
        ForAll((a, b) => UInt256.Divide(a, b) == (b.IsZero ? UInt256.Zero : Word256(Big(a) / Big(b))));

    [Fact]
    public void Modulo_matches_BigInteger_and_is_zero_for_zero_divisor() =>
        ForAll((a, b) => UInt256.Modulo(a, b) == (b.IsZero ? UInt256.Zero : Word256(Big(a) % Big(b))));

    [Fact]
    public void SignedDivide_truncates_toward_zero() =>
        ForAll((a, b) => UInt256.SignedDivide(a, b) == (b.IsZero ? UInt256.Zero : Word256(BigInteger.Divide(Signed(a), Signed(b)))));

    [Fact]
    public void SignedModulo_takes_the_sign_of_the_dividend() =>
        ForAll((a, b) => UInt256.SignedModulo(a, b) == (b.IsZero ? UInt256.Zero : Word256(BigInteger.Remainder(Signed(a), Signed(b)))));

    [Fact]
    public void AddModulo_does_not_overflow_the_intermediate_sum() =>
        ForAll((a, b, m) => UInt256.AddModulo(a, b, m) == (m.IsZero ? UInt256.Zero : Word256((Big(a) + Big(b)) % Big(m))));

    [Fact]
    public void MultiplyModulo_uses_the_full_512_bit_product() =>
        ForAll((a, b, m) => UInt256.MultiplyModulo(a, b, m) == (m.IsZero ? UInt256.Zero : Word256(Big(a) * Big(b) % Big(m))));

    [Fact]
    public void Power_matches_BigInteger_ModPow() =>
        ForAll((a, e) => UInt256.Power(a, e) == Word256(BigInteger.ModPow(Big(a), Big(e), Modulus)));

    [Fact]
    public void ShiftLeft_matches_BigInteger() =>
        ForAll((v, s) => UInt256.ShiftLeft(v, s) == (Big(s) >= 256 ? UInt256.Zero : Word256(Big(v) << (int)Big(s))));

    [Fact]
    public void ShiftRight_matches_BigInteger() =>
        ForAll((v, s) => UInt256.ShiftRight(v, s) == (Big(s) >= 256 ? UInt256.Zero : Word256(Big(v) >> (int)Big(s))));

    [Fact]
    public void ArithmeticShiftRight_matches_signed_BigInteger_shift() =>
        ForAll((v, s) => UInt256.ArithmeticShiftRight(v, s) == Word256(Signed(v) >> (int)BigInteger.Min(Big(s), 256)));

    [Fact]
    public void SignExtend_matches_sign_extension_of_the_low_bytes()
    {
        ForAll((i, v) =>
        {
            if (Big(i) >= 31)
            {
                return UInt256.SignExtend(i, v) == v;
            }
            var bits = ((int)Big(i) + 1) * 8;
            var low = Big(v) % (BigInteger.One << bits);
            var signed = low >= (BigInteger.One << (bits - 1)) ? low - (BigInteger.One << bits) : low;
            return UInt256.SignExtend(i, v) == Word256(signed);
        });
    }

    [Fact]
    public void Byte_picks_the_big_endian_byte() =>
        ForAll((i, v) =>
        {
            var bytes = v.ToBigEndian();
            var expected = Big(i) < 32 ? bytes[(int)Big(i)] : 0;
            return UInt256.Byte(i, v) == new UInt256((ulong)expected);
        });

    [Fact]
    public void CompareSigned_matches_twos_complement_order() =>
        ForAll((a, b) => UInt256.CompareSigned(a, b) == Signed(a).CompareTo(Signed(b)));

    [Fact]
    public void Bitwise_operators_match_BigInteger() =>
        ForAll((a, b) =>
            (a & b) == Word256(Big(a) & Big(b)) && (a | b) == Word256(Big(a) | Big(b)) &&
            (a ^ b) == Word256(Big(a) ^ Big(b)) && ~a == Word256(Modulus - 1 - Big(a)));

    [Fact]
    public void Division_identity_holds() =>
        ForAll((a, b) => b.IsZero || UInt256.AddWrapping(UInt256.MultiplyWrapping(UInt256.Divide(a, b), b), UInt256.Modulo(a, b)) == a);

    [Fact]
    public void Hand_picked_edge_cases()
    {
        var minSigned = new UInt256(0, 0, 0, 1UL << 63);
        Assert.Equal(minSigned, UInt256.SignedDivide(minSigned, UInt256.MaxValue));
        Assert.Equal(UInt256.Zero, UInt256.SignedModulo(minSigned, UInt256.MaxValue));
        Assert.Equal(UInt256.One, UInt256.Power(UInt256.Zero, UInt256.Zero));
        Assert.Equal(UInt256.Zero, UInt256.Power(new UInt256(2), new UInt256(256)));
        Assert.Equal(minSigned, UInt256.Power(new UInt256(2), new UInt256(255)));
        Assert.Equal(UInt256.MaxValue, UInt256.ArithmeticShiftRight(minSigned, new UInt256(300)));
        Assert.Equal(UInt256.One, UInt256.AddModulo(UInt256.MaxValue, UInt256.One, new UInt256(3)));
        Assert.Equal(UInt256.Zero, UInt256.MultiplyModulo(UInt256.MaxValue, UInt256.MaxValue, UInt256.MaxValue));
        Assert.Equal(UInt256.MaxValue, UInt256.SignExtend(UInt256.Zero, new UInt256(0xff)));
        Assert.Equal(new UInt256(0x7f), UInt256.SignExtend(UInt256.Zero, new UInt256(0x17f)));
        Assert.Equal(32, UInt256.MaxValue.ByteLength);
        Assert.Equal(0, UInt256.Zero.ByteLength);
        Assert.Equal(2, new UInt256(256).ByteLength);
    }
}
