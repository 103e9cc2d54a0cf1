using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Integers modulo ℓ = 2^252 + 27742317777372353535851937790883648493 (the order of edwards25519's prime subgroup) in
/// four 64-bit limbs, least significant first: the signature scalar s, the challenge k and a batch's coefficients.
/// </summary>
/// <remarks>
/// Reduction is Barrett's (Handbook of Applied Cryptography, algorithm 14.42, base 2^64, k = 4) with μ = ⌊2^512/ℓ⌋
/// computed once at start-up; the hot path uses only 64-bit limbs and <see cref="UInt128"/> products.
/// </remarks>
internal readonly struct Ed25519Scalar
{
    public readonly ulong L0, L1, L2, L3;

    public Ed25519Scalar(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        L0 = l0;
        L1 = l1;
        L2 = l2;
        L3 = l3;
    }

    /// <summary>ℓ itself.</summary>
    public static readonly Ed25519Scalar Order = new(0x5812631A5CF5D3ED, 0x14DEF9DEA2F79CD6, 0, 0x1000000000000000);

    // μ = ⌊2^512 / ℓ⌋ (260 bits, five limbs).
    private static readonly ulong[] s_mu = ComputeMu();

    private static ulong[] ComputeMu()
    {
        var order = (BigInteger.One << 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
        var mu = (BigInteger.One << 512) / order;
        var limbs = new ulong[5];
        for (var i = 0; i < 5; i++)
        {
            limbs[i] = (ulong)(mu & ulong.MaxValue);
            mu >>= 64;
        }
        return limbs;
    }

    public bool IsZero => (L0 | L1 | L2 | L3) == 0;

    /// <summary>Reads 32 little-endian bytes; true only when the value is below ℓ (a canonical s, as ZIP-215 and RFC 8032 require).</summary>
    public static bool TryFromCanonicalBytes(ReadOnlySpan<byte> bytes, out Ed25519Scalar scalar)
    {
        scalar = new Ed25519Scalar(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));
        return LessThanOrder(scalar.L0, scalar.L1, scalar.L2, scalar.L3);
    }

    private static bool LessThanOrder(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        if (l3 != Order.L3) return l3 < Order.L3;
        if (l2 != Order.L2) return l2 < Order.L2;
        if (l1 != Order.L1) return l1 < Order.L1;
        return l0 < Order.L0;
    }

    /// <summary>A 64-byte little-endian integer (a SHA-512 digest) modulo ℓ.</summary>
    public static Ed25519Scalar FromWideBytes(ReadOnlySpan<byte> bytes)
    {
        Span<ulong> x = stackalloc ulong[8];
        for (var i = 0; i < 8; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * i)..]);
        }
        return Reduce(x);
    }

    /// <summary>a·b mod ℓ.</summary>
    public static Ed25519Scalar Mul(in Ed25519Scalar a, in Ed25519Scalar b)
    {
        Span<ulong> product = stackalloc ulong[8];
        MulLimbs([a.L0, a.L1, a.L2, a.L3], [b.L0, b.L1, b.L2, b.L3], product);
        return Reduce(product);
    }

    /// <summary>a + b mod ℓ for a, b below ℓ.</summary>
    public static Ed25519Scalar Add(in Ed25519Scalar a, in Ed25519Scalar b)
    {
        ulong carry = 0;
        var l0 = AddCarry(a.L0, b.L0, ref carry);
        var l1 = AddCarry(a.L1, b.L1, ref carry);
        var l2 = AddCarry(a.L2, b.L2, ref carry);
        var l3 = AddCarry(a.L3, b.L3, ref carry); // below 2^254: no carry out
        return SubtractOrderIfAbove(l0, l1, l2, l3);
    }

    /// <summary>−a mod ℓ for a below ℓ.</summary>
    public static Ed25519Scalar Negate(in Ed25519Scalar a)
    {
        if (a.IsZero)
        {
            return a;
        }
        ulong borrow = 0;
        return new Ed25519Scalar(
            SubBorrow(Order.L0, a.L0, ref borrow),
            SubBorrow(Order.L1, a.L1, ref borrow),
            SubBorrow(Order.L2, a.L2, ref borrow),
            SubBorrow(Order.L3, a.L3, ref borrow));
    }

    private static Ed25519Scalar SubtractOrderIfAbove(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        if (LessThanOrder(l0, l1, l2, l3))
        {
            return new Ed25519Scalar(l0, l1, l2, l3);
        }
        ulong borrow = 0;
        return new Ed25519Scalar(
            SubBorrow(l0, Order.L0, ref borrow),
            SubBorrow(l1, Order.L1, ref borrow),
            SubBorrow(l2, Order.L2, ref borrow),
            SubBorrow(l3, Order.L3, ref borrow));
    }

    /// <summary>Barrett reduction of an integer below 2^512 (eight limbs).</summary>
    private static Ed25519Scalar Reduce(ReadOnlySpan<ulong> x)
    {
        // q1 = ⌊x / 2^192⌋ (five limbs), q2 = q1·μ, q3 = ⌊q2 / 2^320⌋ (five limbs); then r = x − q3·ℓ mod 2^320, which is
        // below 3ℓ, so at most two subtractions of ℓ remain.
        Span<ulong> q2 = stackalloc ulong[10];
        MulLimbs(x[3..8], s_mu, q2);
        Span<ulong> q3l = stackalloc ulong[10];
        MulLimbs(q2[5..10], [Order.L0, Order.L1, Order.L2, Order.L3], q3l);
        Span<ulong> r = stackalloc ulong[5];
        ulong borrow = 0;
        for (var i = 0; i < 5; i++)
        {
            r[i] = SubBorrow(x[i], q3l[i], ref borrow);
        }
        // The difference is below 3ℓ < 2^320 in true value, so the borrow out of limb 4 only undoes the wrap modulo 2^320.
        while (r[4] != 0 || !LessThanOrder(r[0], r[1], r[2], r[3]))
        {
            borrow = 0;
            r[0] = SubBorrow(r[0], Order.L0, ref borrow);
            r[1] = SubBorrow(r[1], Order.L1, ref borrow);
            r[2] = SubBorrow(r[2], Order.L2, ref borrow);
            r[3] = SubBorrow(r[3], Order.L3, ref borrow);
            r[4] -= borrow;
        }
        return new Ed25519Scalar(r[0], r[1], r[2], r[3]);
    }

    /// <summary>Schoolbook product of two limb strings into <paramref name="result"/>, truncated to its length.</summary>
    private static void MulLimbs(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        result.Clear();
        for (var i = 0; i < a.Length; i++)
        {
            ulong carry = 0;
            for (var j = 0; j < b.Length && i + j < result.Length; j++)
            {
                var t = (UInt128)a[i] * b[j] + result[i + j] + carry;
                result[i + j] = (ulong)t;
                carry = (ulong)(t >> 64);
            }
            if (i + b.Length < result.Length)
            {
                result[i + b.Length] = carry;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddCarry(ulong a, ulong b, ref ulong carry)
    {
        var sum = a + b;
        var c1 = sum < a ? 1UL : 0UL;
        var result = sum + carry;
        carry = c1 | (result < sum ? 1UL : 0UL);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubBorrow(ulong a, ulong b, ref ulong borrow)
    {
        var difference = a - b;
        var b1 = a < b ? 1UL : 0UL;
        var result = difference - borrow;
        borrow = b1 | (difference < borrow ? 1UL : 0UL);
        return result;
    }

    /// <summary>
    /// The width-w non-adjacent form: digits odd and below 2^(w−1) in absolute value, at least w − 1 zeros between two
    /// non-zero digits, Σ digit_i·2^i equal to the scalar. Writes 256 digits (the scalar must be below 2^255); returns one
    /// past the highest non-zero digit (0 for zero).
    /// </summary>
    public int ToNaf(Span<sbyte> digits, int width)
    {
        digits[..256].Clear();
        Span<ulong> limbs = [L0, L1, L2, L3, 0];
        var windowMask = (1UL << width) - 1;
        var half = 1UL << (width - 1);
        ulong carry = 0;
        var top = 0;
        var position = 0;
        while (position < 256)
        {
            var index = position >> 6;
            var shift = position & 63;
            var bits = shift < 64 - width ? limbs[index] >> shift : (limbs[index] >> shift) | (limbs[index + 1] << (64 - shift));
            var window = carry + (bits & windowMask);
            if ((window & 1) == 0)
            {
                position++;
                continue;
            }
            if (window < half)
            {
                carry = 0;
                digits[position] = (sbyte)window;
            }
            else
            {
                carry = 1;
                digits[position] = (sbyte)((long)window - (1L << width));
            }
            top = position + 1;
            position += width;
        }
        return top;
    }

    /// <summary>The 128-bit random coefficient of a batch entry as a scalar (below ℓ since ℓ &gt; 2^252).</summary>
    public static Ed25519Scalar FromUInt128(ulong low, ulong high) => new(low, high, 0, 0);
}
