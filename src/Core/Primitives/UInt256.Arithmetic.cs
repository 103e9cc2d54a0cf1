using System.Numerics;
using System.Runtime.CompilerServices;

namespace ShanghaiChain.Core.Primitives;

/// <summary>
/// Wrapping (modulo 2^256) word arithmetic with EVM semantics: division by zero yields zero, signed
/// operations read the word as two's complement. No allocation and no BigInteger on these paths.
/// </summary>
public readonly partial struct UInt256
{
    /// <summary>True when bit 255 is set, i.e. the word is negative read as two's complement.</summary>
    public bool IsNegative => (long)U3 < 0;

    /// <summary>The value as an int when it is below <paramref name="limit"/>, otherwise <paramref name="limit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ClampToInt(int limit) => IsUInt64 && U0 < (ulong)limit ? (int)U0 : limit;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt256 AddWrapping(in UInt256 a, in UInt256 b)
    {
        TryAdd(a, b, out var r);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt256 SubtractWrapping(in UInt256 a, in UInt256 b)
    {
        TrySubtract(a, b, out var r);
        return r;
    }

    /// <summary>Two's complement negation.</summary>
    public static UInt256 Negate(in UInt256 a) => SubtractWrapping(Zero, a);

    /// <summary>The low 256 bits of the product.</summary>
    public static UInt256 MultiplyWrapping(in UInt256 a, in UInt256 b)
    {
        // Schoolbook over 64-bit limbs, dropping every partial product at or above limb 4.
        ulong r0, r1, r2, r3, hi, lo, carry;

        hi = Math.BigMul(a.U0, b.U0, out r0);
        carry = hi;
        hi = Math.BigMul(a.U1, b.U0, out lo);
        r1 = lo + carry;
        carry = hi + (r1 < lo ? 1UL : 0UL);
        hi = Math.BigMul(a.U2, b.U0, out lo);
        r2 = lo + carry;
        carry = hi + (r2 < lo ? 1UL : 0UL);
        r3 = a.U3 * b.U0 + carry;

        hi = Math.BigMul(a.U0, b.U1, out lo);
        r1 = AddTo(r1, lo, ref hi);
        carry = hi;
        hi = Math.BigMul(a.U1, b.U1, out lo);
        lo += carry;
        hi += lo < carry ? 1UL : 0UL;
        r2 = AddTo(r2, lo, ref hi);
        r3 += a.U2 * b.U1 + hi;

        hi = Math.BigMul(a.U0, b.U2, out lo);
        r2 = AddTo(r2, lo, ref hi);
        r3 += a.U1 * b.U2 + hi;

        r3 += a.U0 * b.U3;
        return new UInt256(r0, r1, r2, r3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddTo(ulong x, ulong y, ref ulong high)
    {
        var s = x + y;
        if (s < x)
        {
            high++;
        }
        return s;
    }

    /// <summary>The full 512-bit product as eight little-endian limbs.</summary>
    private static void MultiplyFull(in UInt256 a, in UInt256 b, Span<ulong> product)
    {
        product[..8].Clear();
        for (var i = 0; i < 4; i++)
        {
            var ai = a.Limb(i);
            if (ai == 0)
            {
                continue;
            }
            ulong carry = 0;
            for (var j = 0; j < 4; j++)
            {
                var hi = Math.BigMul(ai, b.Limb(j), out var lo);
                lo += carry;
                hi += lo < carry ? 1UL : 0UL;
                var sum = product[i + j] + lo;
                hi += sum < lo ? 1UL : 0UL;
                product[i + j] = sum;
                carry = hi;
            }
            product[i + 4] = carry;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Limb(int i) => i switch { 0 => U0, 1 => U1, 2 => U2, _ => U3 };

    /// <summary>Unsigned division; zero when the divisor is zero.</summary>
    public static UInt256 Divide(in UInt256 a, in UInt256 b)
    {
        DivideRemainder(a, b, out var q, out _);
        return q;
    }

    /// <summary>Unsigned remainder; zero when the divisor is zero.</summary>
    public static UInt256 Modulo(in UInt256 a, in UInt256 b)
    {
        DivideRemainder(a, b, out _, out var r);
        return r;
    }

    /// <summary>Signed division truncating toward zero; zero when the divisor is zero; -2^255 / -1 wraps to -2^255.</summary>
    public static UInt256 SignedDivide(in UInt256 a, in UInt256 b)
    {
        if (b.IsZero)
        {
            return Zero;
        }
        var negA = a.IsNegative;
        var negB = b.IsNegative;
        var q = Divide(negA ? Negate(a) : a, negB ? Negate(b) : b);
        return negA != negB ? Negate(q) : q;
    }

    /// <summary>Signed remainder whose sign follows the dividend; zero when the divisor is zero.</summary>
    public static UInt256 SignedModulo(in UInt256 a, in UInt256 b)
    {
        if (b.IsZero)
        {
            return Zero;
        }
        var negA = a.IsNegative;
        var r = Modulo(negA ? Negate(a) : a, b.IsNegative ? Negate(b) : b);
        return negA ? Negate(r) : r;
    }

    /// <summary>(a + b) mod m without intermediate overflow; zero when m is zero.</summary>
    public static UInt256 AddModulo(in UInt256 a, in UInt256 b, in UInt256 m)
    {
        if (m.IsZero)
        {
            return Zero;
        }
        var carry = !TryAdd(a, b, out var sum);
        if (!carry)
        {
            return Modulo(sum, m);
        }
        Span<ulong> num = stackalloc ulong[5];
        num[0] = sum.U0;
        num[1] = sum.U1;
        num[2] = sum.U2;
        num[3] = sum.U3;
        num[4] = 1;
        return RemainderOf(num, m);
    }

    /// <summary>(a * b) mod m over the full 512-bit product; zero when m is zero.</summary>
    public static UInt256 MultiplyModulo(in UInt256 a, in UInt256 b, in UInt256 m)
    {
        if (m.IsZero)
        {
            return Zero;
        }
        Span<ulong> product = stackalloc ulong[8];
        MultiplyFull(a, b, product);
        return RemainderOf(product, m);
    }

    /// <summary>a^e modulo 2^256 by square-and-multiply.</summary>
    public static UInt256 Power(in UInt256 a, in UInt256 e)
    {
        var result = One;
        var b = a;
        var bits = e.BitLength;
        for (var i = 0; i < bits; i++)
        {
            if (((e.Limb(i >> 6) >> (i & 63)) & 1) != 0)
            {
                result = MultiplyWrapping(result, b);
            }
            if (i + 1 < bits)
            {
                b = MultiplyWrapping(b, b);
            }
        }
        return result;
    }

    /// <summary>The number of significant bytes (0 for zero); the EXP gas cost is priced on it.</summary>
    public int ByteLength => (BitLength + 7) / 8;

    public int BitLength =>
        U3 != 0 ? 256 - BitOperations.LeadingZeroCount(U3)
        : U2 != 0 ? 192 - BitOperations.LeadingZeroCount(U2)
        : U1 != 0 ? 128 - BitOperations.LeadingZeroCount(U1)
        : 64 - BitOperations.LeadingZeroCount(U0);

    /// <summary>Quotient and remainder; both zero when the divisor is zero.</summary>
    public static void DivideRemainder(in UInt256 a, in UInt256 b, out UInt256 quotient, out UInt256 remainder)
    {
        if (b.IsZero)
        {
            quotient = Zero;
            remainder = Zero;
            return;
        }
        if (a.IsUInt64 && b.IsUInt64)
        {
            var (q64, r64) = Math.DivRem(a.U0, b.U0);
            quotient = new UInt256(q64);
            remainder = new UInt256(r64);
            return;
        }
        if (a < b)
        {
            quotient = Zero;
            remainder = a;
            return;
        }
        Span<ulong> num = stackalloc ulong[4];
        num[0] = a.U0;
        num[1] = a.U1;
        num[2] = a.U2;
        num[3] = a.U3;
        Span<ulong> q = stackalloc ulong[4];
        Span<ulong> r = stackalloc ulong[4];
        DivideLimbs(num, b, q, r);
        quotient = new UInt256(q[0], q[1], q[2], q[3]);
        remainder = new UInt256(r[0], r[1], r[2], r[3]);
    }

    /// <summary>The remainder of a multi-limb numerator (up to 8 limbs) by a 256-bit divisor.</summary>
    private static UInt256 RemainderOf(ReadOnlySpan<ulong> numerator, in UInt256 m)
    {
        Span<ulong> q = stackalloc ulong[8];
        Span<ulong> r = stackalloc ulong[4];
        DivideLimbs(numerator, m, q, r);
        return new UInt256(r[0], r[1], r[2], r[3]);
    }

    /// <summary>
    /// Long division of little-endian limbs by a non-zero 256-bit divisor (Knuth, TAOCP vol. 2, 4.3.1, algorithm D),
    /// with 64-bit digits and 128-bit intermediates. <paramref name="quotient"/> must hold numerator.Length limbs.
    /// </summary>
    [SkipLocalsInit]
    private static void DivideLimbs(ReadOnlySpan<ulong> numerator, in UInt256 divisor, Span<ulong> quotient, Span<ulong> remainder)
    {
        quotient.Clear();
        remainder[..4].Clear();

        var m = numerator.Length;
        while (m > 0 && numerator[m - 1] == 0)
        {
            m--;
        }
        Span<ulong> v = stackalloc ulong[4];
        v[0] = divisor.U0;
        v[1] = divisor.U1;
        v[2] = divisor.U2;
        v[3] = divisor.U3;
        var n = 4;
        while (v[n - 1] == 0)
        {
            n--;
        }
        if (m < n)
        {
            numerator[..m].CopyTo(remainder);
            return;
        }

        if (n == 1)
        {
            // Short division by one limb.
            var d = v[0];
            ulong rem = 0;
            for (var i = m - 1; i >= 0; i--)
            {
                quotient[i] = DivideTwoByOne(rem, numerator[i], d, out rem);
            }
            remainder[0] = rem;
            return;
        }

        // Normalise so the divisor's top limb has its high bit set.
        var s = BitOperations.LeadingZeroCount(v[n - 1]);
        Span<ulong> vn = stackalloc ulong[4];
        for (var i = n - 1; i > 0; i--)
        {
            vn[i] = s == 0 ? v[i] : (v[i] << s) | (v[i - 1] >> (64 - s));
        }
        vn[0] = v[0] << s;

        Span<ulong> un = stackalloc ulong[9];
        un[m] = s == 0 ? 0 : numerator[m - 1] >> (64 - s);
        for (var i = m - 1; i > 0; i--)
        {
            un[i] = s == 0 ? numerator[i] : (numerator[i] << s) | (numerator[i - 1] >> (64 - s));
        }
        un[0] = numerator[0] << s;

        var vTop = vn[n - 1];
        var vNext = vn[n - 2];
        for (var j = m - n; j >= 0; j--)
        {
            // Estimate the quotient digit from the top two limbs; the remainder invariant keeps un[j+n] <= vTop.
            ulong qd, rhat;
            var rhatOverflowed = false;
            if (un[j + n] >= vTop)
            {
                qd = ulong.MaxValue;
                rhat = un[j + n - 1] + vTop;
                rhatOverflowed = rhat < vTop;
            }
            else
            {
                qd = DivideTwoByOne(un[j + n], un[j + n - 1], vTop, out rhat);
            }
            while (!rhatOverflowed)
            {
                var productHigh = Math.BigMul(qd, vNext, out var productLow);
                if (productHigh < rhat || (productHigh == rhat && productLow <= un[j + n - 2]))
                {
                    break;
                }
                qd--;
                var next = rhat + vTop;
                rhatOverflowed = next < rhat;
                rhat = next;
            }

            // Multiply and subtract qd * vn from un[j .. j+n].
            ulong borrow = 0;
            ulong carry = 0;
            for (var i = 0; i < n; i++)
            {
                var hi = Math.BigMul(qd, vn[i], out var lo);
                lo += carry;
                hi += lo < carry ? 1UL : 0UL;
                carry = hi;
                var t = un[i + j] - lo;
                var b1 = un[i + j] < lo ? 1UL : 0UL;
                var t2 = t - borrow;
                var b2 = t < borrow ? 1UL : 0UL;
                un[i + j] = t2;
                borrow = b1 + b2;
            }
            var top = un[j + n] - carry;
            var tb1 = un[j + n] < carry ? 1UL : 0UL;
            var top2 = top - borrow;
            var tb2 = top < borrow ? 1UL : 0UL;
            un[j + n] = top2;

            if ((tb1 | tb2) != 0)
            {
                // The estimate was one too large: add the divisor back.
                qd--;
                ulong c = 0;
                for (var i = 0; i < n; i++)
                {
                    var sum = un[i + j] + vn[i];
                    var c1 = sum < vn[i] ? 1UL : 0UL;
                    var sum2 = sum + c;
                    var c2 = sum2 < c ? 1UL : 0UL;
                    un[i + j] = sum2;
                    c = c1 | c2;
                }
                un[j + n] += c;
            }
            quotient[j] = qd;
        }

        // Un-normalise the remainder.
        for (var i = 0; i < n; i++)
        {
            remainder[i] = s == 0 ? un[i] : (un[i] >> s) | (un[i + 1] << (64 - s));
        }
    }

    /// <summary>
    /// (high·2^64 + low) / divisor for high &lt; divisor, with the remainder. UInt128 division by a 64-bit divisor
    /// compiles to the hardware 128/64 divide on x64; measured faster than the two-step software division (divlu).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong DivideTwoByOne(ulong high, ulong low, ulong divisor, out ulong remainder)
    {
        var quotient = (ulong)((((UInt128)high << 64) | low) / divisor);
        // The true remainder is below 2^64, so wrapping 64-bit arithmetic computes it exactly.
        remainder = low - quotient * divisor;
        return quotient;
    }
}
