using System.Buffers.Binary;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// An integer modulo the order n of sm2p256v1's base point, four 64-bit limbs, least significant first, for signing.
/// Every operation runs the same instructions whatever the values (carries are computed, reductions selected by
/// masks), because the private key and the nonce pass through it.
/// </summary>
/// <remarks>
/// Products go through Montgomery multiplication (R = 2^256): <see cref="MontgomeryMul"/>(a, b) = a·b·R⁻¹ mod n, so one
/// factor kept in Montgomery form (x·R mod n) gives a plain product: the signer keeps d and (1 + d)⁻¹ that way.
/// </remarks>
internal readonly struct Sm2Scalar
{
    public readonly ulong L0, L1, L2, L3;

    public Sm2Scalar(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        L0 = l0;
        L1 = l1;
        L2 = l2;
        L3 = l3;
    }

    public const ulong N0 = 0x53BBF40939D54123, N1 = 0x7203DF6B21C6052B, N2 = 0xFFFFFFFFFFFFFFFF, N3 = 0xFFFFFFFEFFFFFFFF;

    /// <summary>−n⁻¹ mod 2^64, the Montgomery reduction's multiplier.</summary>
    private const ulong NPrime = 0x327F9E8872350975;

    /// <summary>2^512 mod n: <see cref="MontgomeryMul"/> by it puts a plain integer into Montgomery form.</summary>
    private static readonly Sm2Scalar R2 = new(0x901192AF7C114F20, 0x3464504ADE6FA2FA, 0x620FC84C3AFFE0D4, 0x1EB5E412A22B3D3B);

    /// <summary>1 in Montgomery form (2^256 mod n).</summary>
    private static readonly Sm2Scalar MontgomeryOne = new(0xAC440BF6C62ABEDD, 0x8DFC2094DE39FAD4, 0, 0x0000000100000000);

    public static readonly Sm2Scalar One = new(1, 0, 0, 0);

    /// <summary>A 32-byte big-endian integer as it is (it may be n or more).</summary>
    public static Sm2Scalar FromBytes(ReadOnlySpan<byte> bigEndian) => new(
        BinaryPrimitives.ReadUInt64BigEndian(bigEndian[24..]), BinaryPrimitives.ReadUInt64BigEndian(bigEndian[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(bigEndian[8..]), BinaryPrimitives.ReadUInt64BigEndian(bigEndian));

    public void WriteBytes(Span<byte> bigEndian)
    {
        BinaryPrimitives.WriteUInt64BigEndian(bigEndian, L3);
        BinaryPrimitives.WriteUInt64BigEndian(bigEndian[8..], L2);
        BinaryPrimitives.WriteUInt64BigEndian(bigEndian[16..], L1);
        BinaryPrimitives.WriteUInt64BigEndian(bigEndian[24..], L0);
    }

    /// <summary>All ones when the value is zero, else zero.</summary>
    public ulong ZeroMask()
    {
        var any = L0 | L1 | L2 | L3;
        return ((any | (0UL - any)) >> 63) - 1;
    }

    /// <summary>All ones when the value is below n, else zero.</summary>
    public ulong BelowNMask()
    {
        ulong borrow = 0;
        _ = Sm2Field.SubBorrow(L0, N0, ref borrow);
        _ = Sm2Field.SubBorrow(L1, N1, ref borrow);
        _ = Sm2Field.SubBorrow(L2, N2, ref borrow);
        _ = Sm2Field.SubBorrow(L3, N3, ref borrow);
        return 0UL - borrow;
    }

    /// <summary>Bits [start, start + count) as an integer, count ≤ 57; positions past bit 255 read as zero.</summary>
    public uint Window(int start, int count)
    {
        // The position is public (it is the loop counter of a fixed-base multiplication); only the value is secret.
        var limb = start >> 6;
        var shift = start & 63;
        var value = Limb(limb) >> shift;
        if (shift + count > 64)
        {
            value |= Limb(limb + 1) << (64 - shift);
        }
        return (uint)(value & ((1UL << count) - 1));
    }

    private ulong Limb(int index) => index switch { 0 => L0, 1 => L1, 2 => L2, 3 => L3, _ => 0 };

    /// <summary>x mod n for any x &lt; 2^256 (2n exceeds 2^256, so one subtraction at most, chosen by a mask).</summary>
    public static Sm2Scalar Reduce(in Sm2Scalar x) => SubtractNUnlessBelow(x.L0, x.L1, x.L2, x.L3, 0);

    /// <summary>(a + b) mod n for a, b &lt; n.</summary>
    public static Sm2Scalar Add(in Sm2Scalar a, in Sm2Scalar b)
    {
        ulong carry = 0;
        var s0 = Sm2Field.AddCarry(a.L0, b.L0, ref carry);
        var s1 = Sm2Field.AddCarry(a.L1, b.L1, ref carry);
        var s2 = Sm2Field.AddCarry(a.L2, b.L2, ref carry);
        var s3 = Sm2Field.AddCarry(a.L3, b.L3, ref carry);
        return SubtractNUnlessBelow(s0, s1, s2, s3, carry);
    }

    /// <summary>(a − b) mod n for a, b &lt; n.</summary>
    public static Sm2Scalar Sub(in Sm2Scalar a, in Sm2Scalar b)
    {
        ulong borrow = 0;
        var d0 = Sm2Field.SubBorrow(a.L0, b.L0, ref borrow);
        var d1 = Sm2Field.SubBorrow(a.L1, b.L1, ref borrow);
        var d2 = Sm2Field.SubBorrow(a.L2, b.L2, ref borrow);
        var d3 = Sm2Field.SubBorrow(a.L3, b.L3, ref borrow);
        var mask = 0UL - borrow;
        ulong carry = 0;
        return new Sm2Scalar(
            Sm2Field.AddCarry(d0, N0 & mask, ref carry), Sm2Field.AddCarry(d1, N1 & mask, ref carry),
            Sm2Field.AddCarry(d2, N2 & mask, ref carry), Sm2Field.AddCarry(d3, N3 & mask, ref carry));
    }

    /// <summary>x·R mod n.</summary>
    public static Sm2Scalar ToMontgomery(in Sm2Scalar x) => MontgomeryMul(x, R2);

    /// <summary>a·b·R⁻¹ mod n for a, b &lt; n (coarsely integrated operand scanning).</summary>
    public static Sm2Scalar MontgomeryMul(in Sm2Scalar a, in Sm2Scalar b)
    {
        Span<ulong> t = stackalloc ulong[6];
        t.Clear();
        ReadOnlySpan<ulong> n = [N0, N1, N2, N3];
        ReadOnlySpan<ulong> x = [a.L0, a.L1, a.L2, a.L3];
        ReadOnlySpan<ulong> y = [b.L0, b.L1, b.L2, b.L3];
        for (var i = 0; i < 4; i++)
        {
            ulong carry = 0;
            for (var j = 0; j < 4; j++)
            {
                t[j] = MultiplyAdd(x[j], y[i], t[j], ref carry);
            }
            var top = t[4] + carry;
            t[5] = top < carry ? 1UL : 0UL;
            t[4] = top;
            var m = t[0] * NPrime;
            carry = 0;
            _ = MultiplyAdd(m, n[0], t[0], ref carry);
            for (var j = 1; j < 4; j++)
            {
                t[j - 1] = MultiplyAdd(m, n[j], t[j], ref carry);
            }
            top = t[4] + carry;
            t[3] = top;
            t[4] = t[5] + (top < carry ? 1UL : 0UL);
        }
        return SubtractNUnlessBelow(t[0], t[1], t[2], t[3], t[4]);
    }

    /// <summary>x⁻¹ mod n for 0 &lt; x &lt; n (Fermat: x^(n−2)), plain in and out; the exponent is public, so the
    /// sequence of squarings and multiplications does not depend on x.</summary>
    public static Sm2Scalar Invert(in Sm2Scalar x)
    {
        var xMontgomery = ToMontgomery(x);
        var result = MontgomeryOne;
        ReadOnlySpan<ulong> exponent = [N3, N2, N1, N0 - 2];
        foreach (var limb in exponent)
        {
            for (var bit = 63; bit >= 0; bit--)
            {
                result = MontgomeryMul(result, result);
                if (((limb >> bit) & 1) != 0)
                {
                    result = MontgomeryMul(result, xMontgomery);
                }
            }
        }
        return MontgomeryMul(result, One);
    }

    /// <summary>a·b + addend + carry as a low limb, the high limb left in <paramref name="carry"/>.</summary>
    private static ulong MultiplyAdd(ulong a, ulong b, ulong addend, ref ulong carry)
    {
        var high = Sm2Field.MulHigh(a, b, out var low);
        low += addend;
        high += low < addend ? 1UL : 0UL;
        low += carry;
        high += low < carry ? 1UL : 0UL;
        carry = high;
        return low;
    }

    /// <summary>(t4:t3:t2:t1:t0) − n when that is not negative, else the value itself (for values below 2n).</summary>
    private static Sm2Scalar SubtractNUnlessBelow(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4)
    {
        ulong borrow = 0;
        var s0 = Sm2Field.SubBorrow(t0, N0, ref borrow);
        var s1 = Sm2Field.SubBorrow(t1, N1, ref borrow);
        var s2 = Sm2Field.SubBorrow(t2, N2, ref borrow);
        var s3 = Sm2Field.SubBorrow(t3, N3, ref borrow);
        var keep = 0UL - (borrow & (t4 ^ 1));
        return new Sm2Scalar((t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep), (t2 & keep) | (s2 & ~keep), (t3 & keep) | (s3 & ~keep));
    }
}
