using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// An element of GF(2^255 − 19) in five 51-bit limbs, least significant first: the field of edwards25519, for this
/// node's own Ed25519 verification. Nothing allocates and no <c>BigInteger</c> is used; products go through
/// <see cref="Math.BigMul(ulong, ulong, out ulong)"/> (one 64×64→128 multiplication each).
/// </summary>
/// <remarks>
/// Limbs are kept loosely reduced: <see cref="Mul"/>, <see cref="Square"/> and <see cref="Sub"/> return limbs below
/// 2^52; <see cref="Add"/> does not carry, so its limbs may reach 2^53 (or a little more for sums of sums). Multiplication
/// accepts limbs below 2^54, which every caller in the point formulas respects (at most one addition deep).
/// <see cref="Mul"/> and <see cref="Square"/> are kept out of line, with their 25 (15) limb products inlined into them:
/// inlined into a point formula they would exhaust the JIT's inlining budget, leaving the limb products as calls.
/// Verification handles only public data, so nothing here needs to be constant-time.
/// </remarks>
[SkipLocalsInit]
internal readonly struct Ed25519Field
{
    private const ulong Mask = (1UL << 51) - 1;

    // 8p, limb by limb, added before a subtraction so that no limb goes negative for subtrahends below 2^54.
    private const ulong EightP0 = (Mask - 18) * 8, EightPn = Mask * 8;

    public readonly ulong L0, L1, L2, L3, L4;

    public Ed25519Field(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4)
    {
        L0 = l0;
        L1 = l1;
        L2 = l2;
        L3 = l3;
        L4 = l4;
    }

    public static readonly Ed25519Field Zero;

    public static readonly Ed25519Field One = new(1, 0, 0, 0, 0);

    /// <summary>
    /// Reads 32 little-endian bytes as an element, ignoring bit 255 (the sign bit of a point encoding). A value from p to
    /// 2^255 − 1 (a non-canonical encoding) is accepted and stands for itself minus p, as ZIP-215 requires.
    /// </summary>
    public static Ed25519Field FromBytes(ReadOnlySpan<byte> bytes)
    {
        var w0 = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var w1 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        var w2 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        var w3 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
        return new Ed25519Field(
            w0 & Mask,
            ((w0 >> 51) | (w1 << 13)) & Mask,
            ((w1 >> 38) | (w2 << 26)) & Mask,
            ((w2 >> 25) | (w3 << 39)) & Mask,
            (w3 >> 12) & Mask);
    }

    /// <summary>Writes the canonical encoding (the unique representative below p), 32 bytes little-endian, bit 255 clear.</summary>
    public void ToBytes(Span<byte> destination)
    {
        var t = Canonical();
        BinaryPrimitives.WriteUInt64LittleEndian(destination, t.L0 | (t.L1 << 51));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], (t.L1 >> 13) | (t.L2 << 38));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], (t.L2 >> 26) | (t.L3 << 25));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], (t.L3 >> 39) | (t.L4 << 12));
    }

    /// <summary>The same element with limbs below 2^51 and value below p.</summary>
    internal Ed25519Field Reduced() => Canonical();

    private Ed25519Field Canonical()
    {
        var t = Carry(L0, L1, L2, L3, L4);
        t = Carry(t.L0, t.L1, t.L2, t.L3, t.L4);
        // Now t < 2^255 + a little; the value is ≥ p exactly when t + 19 overflows 2^255.
        var q = (t.L0 + 19) >> 51;
        q = (t.L1 + q) >> 51;
        q = (t.L2 + q) >> 51;
        q = (t.L3 + q) >> 51;
        q = (t.L4 + q) >> 51;
        var l0 = t.L0 + 19 * q;
        var l1 = t.L1 + (l0 >> 51);
        l0 &= Mask;
        var l2 = t.L2 + (l1 >> 51);
        l1 &= Mask;
        var l3 = t.L3 + (l2 >> 51);
        l2 &= Mask;
        var l4 = t.L4 + (l3 >> 51);
        l3 &= Mask;
        l4 &= Mask; // drops 2^255, which together with the added 19q subtracts qp
        return new Ed25519Field(l0, l1, l2, l3, l4);
    }

    /// <summary>One carry pass: limbs below 2^51 except the first, which gets 19 times the top carry (below 2^51 + 2^18 for inputs below 2^64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Ed25519Field Carry(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4)
    {
        l1 += l0 >> 51;
        l0 &= Mask;
        l2 += l1 >> 51;
        l1 &= Mask;
        l3 += l2 >> 51;
        l2 &= Mask;
        l4 += l3 >> 51;
        l3 &= Mask;
        l0 += 19 * (l4 >> 51);
        l4 &= Mask;
        return new Ed25519Field(l0, l1, l2, l3, l4);
    }

    public bool IsZero
    {
        get
        {
            var t = Canonical();
            return (t.L0 | t.L1 | t.L2 | t.L3 | t.L4) == 0;
        }
    }

    /// <summary>The "sign" of RFC 8032: the least significant bit of the canonical value.</summary>
    public bool IsNegative => (Canonical().L0 & 1) == 1;

    public static bool Equal(in Ed25519Field a, in Ed25519Field b) => Sub(a, b).IsZero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Ed25519Field Add(in Ed25519Field a, in Ed25519Field b) =>
        new(a.L0 + b.L0, a.L1 + b.L1, a.L2 + b.L2, a.L3 + b.L3, a.L4 + b.L4);

    /// <summary>a − b for limbs of b below 2^54, carried so that the result's limbs are below 2^52.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Ed25519Field Sub(in Ed25519Field a, in Ed25519Field b) =>
        Carry(a.L0 + EightP0 - b.L0, a.L1 + EightPn - b.L1, a.L2 + EightPn - b.L2, a.L3 + EightPn - b.L3, a.L4 + EightPn - b.L4);

    public static Ed25519Field Negate(in Ed25519Field a) => Sub(Zero, a);

    /// <summary>a·b mod p. Limbs of both below 2^54; the result's below 2^52.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Ed25519Field Mul(in Ed25519Field a, in Ed25519Field b)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4;
        ulong b0 = b.L0, b1 = b.L1, b2 = b.L2, b3 = b.L3, b4 = b.L4;
        // 2^255 ≡ 19, so a limb product that lands at 2^(51·k) with k ≥ 5 comes back at k − 5 times 19.
        ulong b1x = b1 * 19, b2x = b2 * 19, b3x = b3 * 19, b4x = b4 * 19;
        ulong l0 = 0, h0 = 0, p;
        p = a0 * b0; l0 += p & Mask; h0 += (MulHigh(a0, b0) << 13) | (p >> 51);
        p = a1 * b4x; l0 += p & Mask; h0 += (MulHigh(a1, b4x) << 13) | (p >> 51);
        p = a2 * b3x; l0 += p & Mask; h0 += (MulHigh(a2, b3x) << 13) | (p >> 51);
        p = a3 * b2x; l0 += p & Mask; h0 += (MulHigh(a3, b2x) << 13) | (p >> 51);
        p = a4 * b1x; l0 += p & Mask; h0 += (MulHigh(a4, b1x) << 13) | (p >> 51);
        ulong l1 = 0, h1 = 0;
        p = a0 * b1; l1 += p & Mask; h1 += (MulHigh(a0, b1) << 13) | (p >> 51);
        p = a1 * b0; l1 += p & Mask; h1 += (MulHigh(a1, b0) << 13) | (p >> 51);
        p = a2 * b4x; l1 += p & Mask; h1 += (MulHigh(a2, b4x) << 13) | (p >> 51);
        p = a3 * b3x; l1 += p & Mask; h1 += (MulHigh(a3, b3x) << 13) | (p >> 51);
        p = a4 * b2x; l1 += p & Mask; h1 += (MulHigh(a4, b2x) << 13) | (p >> 51);
        ulong l2 = 0, h2 = 0;
        p = a0 * b2; l2 += p & Mask; h2 += (MulHigh(a0, b2) << 13) | (p >> 51);
        p = a1 * b1; l2 += p & Mask; h2 += (MulHigh(a1, b1) << 13) | (p >> 51);
        p = a2 * b0; l2 += p & Mask; h2 += (MulHigh(a2, b0) << 13) | (p >> 51);
        p = a3 * b4x; l2 += p & Mask; h2 += (MulHigh(a3, b4x) << 13) | (p >> 51);
        p = a4 * b3x; l2 += p & Mask; h2 += (MulHigh(a4, b3x) << 13) | (p >> 51);
        ulong l3 = 0, h3 = 0;
        p = a0 * b3; l3 += p & Mask; h3 += (MulHigh(a0, b3) << 13) | (p >> 51);
        p = a1 * b2; l3 += p & Mask; h3 += (MulHigh(a1, b2) << 13) | (p >> 51);
        p = a2 * b1; l3 += p & Mask; h3 += (MulHigh(a2, b1) << 13) | (p >> 51);
        p = a3 * b0; l3 += p & Mask; h3 += (MulHigh(a3, b0) << 13) | (p >> 51);
        p = a4 * b4x; l3 += p & Mask; h3 += (MulHigh(a4, b4x) << 13) | (p >> 51);
        ulong l4 = 0, h4 = 0;
        p = a0 * b4; l4 += p & Mask; h4 += (MulHigh(a0, b4) << 13) | (p >> 51);
        p = a1 * b3; l4 += p & Mask; h4 += (MulHigh(a1, b3) << 13) | (p >> 51);
        p = a2 * b2; l4 += p & Mask; h4 += (MulHigh(a2, b2) << 13) | (p >> 51);
        p = a3 * b1; l4 += p & Mask; h4 += (MulHigh(a3, b1) << 13) | (p >> 51);
        p = a4 * b0; l4 += p & Mask; h4 += (MulHigh(a4, b0) << 13) | (p >> 51);
        return Reduce(l0, h0, l1, h1, l2, h2, l3, h3, l4, h4);
    }

    /// <summary>a² mod p, with 15 limb products instead of 25.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Ed25519Field Square(in Ed25519Field a) => SquareInline(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Ed25519Field SquareInline(in Ed25519Field a)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4;
        ulong d0 = a0 * 2, d1 = a1 * 2, d2 = a2 * 2, d3 = a3 * 2, a3x = a3 * 19, a4x = a4 * 19;
        ulong l0 = 0, h0 = 0, p;
        p = a0 * a0; l0 += p & Mask; h0 += (MulHigh(a0, a0) << 13) | (p >> 51);
        p = d1 * a4x; l0 += p & Mask; h0 += (MulHigh(d1, a4x) << 13) | (p >> 51);
        p = d2 * a3x; l0 += p & Mask; h0 += (MulHigh(d2, a3x) << 13) | (p >> 51);
        ulong l1 = 0, h1 = 0;
        p = d0 * a1; l1 += p & Mask; h1 += (MulHigh(d0, a1) << 13) | (p >> 51);
        p = d2 * a4x; l1 += p & Mask; h1 += (MulHigh(d2, a4x) << 13) | (p >> 51);
        p = a3 * a3x; l1 += p & Mask; h1 += (MulHigh(a3, a3x) << 13) | (p >> 51);
        ulong l2 = 0, h2 = 0;
        p = d0 * a2; l2 += p & Mask; h2 += (MulHigh(d0, a2) << 13) | (p >> 51);
        p = a1 * a1; l2 += p & Mask; h2 += (MulHigh(a1, a1) << 13) | (p >> 51);
        p = d3 * a4x; l2 += p & Mask; h2 += (MulHigh(d3, a4x) << 13) | (p >> 51);
        ulong l3 = 0, h3 = 0;
        p = d0 * a3; l3 += p & Mask; h3 += (MulHigh(d0, a3) << 13) | (p >> 51);
        p = d1 * a2; l3 += p & Mask; h3 += (MulHigh(d1, a2) << 13) | (p >> 51);
        p = a4 * a4x; l3 += p & Mask; h3 += (MulHigh(a4, a4x) << 13) | (p >> 51);
        ulong l4 = 0, h4 = 0;
        p = d0 * a4; l4 += p & Mask; h4 += (MulHigh(d0, a4) << 13) | (p >> 51);
        p = d1 * a3; l4 += p & Mask; h4 += (MulHigh(d1, a3) << 13) | (p >> 51);
        p = a2 * a2; l4 += p & Mask; h4 += (MulHigh(a2, a2) << 13) | (p >> 51);
        return Reduce(l0, h0, l1, h1, l2, h2, l3, h3, l4, h4);
    }

    /// <summary>a^(2^n) by n squarings.</summary>
    public static Ed25519Field SquareTimes(Ed25519Field a, int n)
    {
        // The squaring inlined into the loop: the long chains of an inversion or square root run without calls.
        for (var i = 0; i < n; i++)
        {
            a = SquareInline(a);
        }
        return a;
    }

    /// <summary>The high 64 bits of a·b: one mulx with BMI2 (the low half is an ordinary imul), so that nothing goes through memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulHigh(ulong a, ulong b) =>
        System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported ? System.Runtime.Intrinsics.X86.Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);

    // Each column is kept as two sums, written out product by product (locals, no ref helpers, which would keep the
    // sums in memory): l of the products' bits below 2^51 and h of their parts from 2^51 up, so that no addition can
    // carry out of 64 bits and none needs a carry flag (for products below 2^112, at most five per column: h < 2^63).

    /// <summary>Turns the split column sums into limbs below 2^52: column i's high part belongs to column i + 1, the top one (times 19) to column 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Ed25519Field Reduce(ulong l0, ulong h0, ulong l1, ulong h1, ulong l2, ulong h2, ulong l3, ulong h3, ulong l4, ulong h4)
    {
        // h4·2^255 ≡ 19·h4, split in 51-bit halves so that the product cannot overflow.
        var t0 = l0 + (h4 & Mask) * 19;
        var t1 = l1 + h0 + (h4 >> 51) * 19;
        var t2 = l2 + h1;
        var t3 = l3 + h2;
        var t4 = l4 + h3;
        t1 += t0 >> 51;
        t0 &= Mask;
        t2 += t1 >> 51;
        t1 &= Mask;
        t3 += t2 >> 51;
        t2 &= Mask;
        t4 += t3 >> 51;
        t3 &= Mask;
        t0 += (t4 >> 51) * 19;
        t4 &= Mask;
        t1 += t0 >> 51;
        t0 &= Mask;
        return new Ed25519Field(t0, t1, t2, t3, t4);
    }

    /// <summary>a^(2^250 − 1) and a^11, the common prefix of inversion and of the square-root exponent.</summary>
    private static Ed25519Field Pow2_250_1(in Ed25519Field a, out Ed25519Field a11)
    {
        var a2 = Square(a);
        var a9 = Mul(SquareTimes(a2, 2), a);
        a11 = Mul(a9, a2);
        var e5 = Mul(Square(a11), a9); // 2^5 − 1
        var e10 = Mul(SquareTimes(e5, 5), e5);
        var e20 = Mul(SquareTimes(e10, 10), e10);
        var e40 = Mul(SquareTimes(e20, 20), e20);
        var e50 = Mul(SquareTimes(e40, 10), e10);
        var e100 = Mul(SquareTimes(e50, 50), e50);
        var e200 = Mul(SquareTimes(e100, 100), e100);
        return Mul(SquareTimes(e200, 50), e50);
    }

    /// <summary>a^(p − 2) = a⁻¹ (0 for 0).</summary>
    public static Ed25519Field Invert(in Ed25519Field a)
    {
        var e250 = Pow2_250_1(a, out var a11);
        return Mul(SquareTimes(e250, 5), a11); // 2^255 − 32 + 11 = p − 2
    }

    /// <summary>a^((p − 5)/8) = a^(2^252 − 3), the exponent of the combined inverse square root.</summary>
    public static Ed25519Field PowP58(in Ed25519Field a)
    {
        var e250 = Pow2_250_1(a, out _);
        return Mul(SquareTimes(e250, 2), a);
    }

    /// <summary>Integers below 2^51 as elements (constants such as 121665).</summary>
    public static Ed25519Field FromSmall(ulong value) => new(value, 0, 0, 0, 0);
}
