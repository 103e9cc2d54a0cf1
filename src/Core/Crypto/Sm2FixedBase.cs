using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static ShanghaiChain.Core.Crypto.Sm2Curve;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// k·G for a secret k (the signing nonce, the private key when deriving its public key), in constant time: a fixed
/// table of multiples of G, one mixed addition per window of k, no doubling, and every table row read whole.
/// </summary>
/// <remarks>
/// k is recoded into 37 signed digits of 7 bits, d_i ∈ [−63, 64], with k = Σ d_i·2^(7i). Row i of the table holds
/// j·2^(7i)·G for j = 1..64 in affine form (37 × 64 points, 148 KiB, built once). For each digit the whole row is read
/// and the wanted entry kept by masks; its y is negated under a mask; a zero digit and the accumulator's starting point
/// at infinity are handled by selecting results, never by branching. So no branch and no memory address depends on k.
/// <para>
/// The addition formula (madd-2007-bl) fails when the accumulator equals ± the entry, so it must be shown never to.
/// After i windows the accumulator is A·G with A = Σ_{j&lt;i} d_j·2^(7j), |A| &lt; 2^(7i) ≤ |D| for the entry's D = d_i·2^(7i).
/// For i ≤ 35, |A| + |D| &lt; 2^252 &lt; n, so A ≡ ±D (mod n) is impossible. In the last window (d_36 ≥ 0), A ≡ −D means
/// k = A + D ≡ 0, excluded; A ≡ D needs A − D = −n, that is k = 2D − n = m·2^253 − n with m = d_36; such a k lies below
/// n only for m ≥ 8, and then its own top digit is 2(m − 8) (its window 35 is zero, so nothing carries), not m.
/// </para>
/// </remarks>
internal static class Sm2FixedBase
{
    private const int Window = 7;
    private const int Windows = 37; // ⌈257 / 7⌉: the recoding can carry into bit 256
    private const int RowLength = 1 << (Window - 1); // multiples 1..64
    private const int EntryLimbs = 8; // x then y, four limbs each

    private static readonly ulong[] s_table = BuildTable();

    /// <summary>k·G in affine coordinates for 1 ≤ k &lt; n (the caller checks the range).</summary>
    public static AffinePoint Multiply(in Sm2Scalar k)
    {
        var accumulator = default(JacobianPoint);
        var accumulatorAtInfinity = ulong.MaxValue;
        uint carry = 0;
        for (var window = 0; window < Windows; window++)
        {
            // Signed digit in [−63, 64]: a window value above 64 becomes value − 128 and carries one into the next window.
            var value = k.Window(window * Window, Window) + carry;
            carry = (RowLength - value) >> 31;
            var digit = (int)value - (int)(carry << Window);
            var negative = (ulong)(long)(digit >> 31);
            var magnitude = (uint)((digit ^ (int)negative) - (int)negative);
            var entry = Lookup(window, magnitude);
            entry = entry with { Y = Sm2Field.Select(negative, Sm2Field.Negate(entry.Y), entry.Y) };

            var sum = MixedAdd(accumulator, entry);
            var started = new JacobianPoint { X = entry.X, Y = entry.Y, Z = Sm2Field.One };
            var next = Select(accumulatorAtInfinity, started, sum);
            var digitIsZero = EqualMask(magnitude, 0);
            accumulator = Select(digitIsZero, accumulator, next);
            accumulatorAtInfinity &= digitIsZero;
        }
        var zInverse = Sm2Field.Invert(accumulator.Z);
        var zInverse2 = Sm2Field.Square(zInverse);
        return new AffinePoint(Sm2Field.Mul(accumulator.X, zInverse2), Sm2Field.Mul(accumulator.Y, Sm2Field.Mul(zInverse2, zInverse)));
    }

    /// <summary>Entry <paramref name="magnitude"/> (1..64) of a row, or (0, 0) for 0, reading every entry of the row.</summary>
    private static AffinePoint Lookup(int window, uint magnitude)
    {
        ref var row = ref s_table[window * RowLength * EntryLimbs];
        var x = Vector256<ulong>.Zero;
        var y = Vector256<ulong>.Zero;
        for (var j = 0; j < RowLength; j++)
        {
            var mask = Vector256.Create(EqualMask((uint)j + 1, magnitude));
            x |= Vector256.LoadUnsafe(ref row, (nuint)(j * EntryLimbs)) & mask;
            y |= Vector256.LoadUnsafe(ref row, (nuint)((j * EntryLimbs) + 4)) & mask;
        }
        return new AffinePoint(new Sm2Field(x[0], x[1], x[2], x[3]), new Sm2Field(y[0], y[1], y[2], y[3]));
    }

    /// <summary>All ones when a = b, else zero (for values below 2^31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong EqualMask(uint a, uint b) => 0UL - (((ulong)(a ^ b) - 1) >> 63);

    private static JacobianPoint Select(ulong mask, in JacobianPoint whenSet, in JacobianPoint whenClear) => new()
    {
        X = Sm2Field.Select(mask, whenSet.X, whenClear.X),
        Y = Sm2Field.Select(mask, whenSet.Y, whenClear.Y),
        Z = Sm2Field.Select(mask, whenSet.Z, whenClear.Z),
    };

    /// <summary>P + Q with Q affine (madd-2007-bl), no branch; meaningless when P is at infinity or P = ±Q, which never happens here (see the remarks).</summary>
    private static JacobianPoint MixedAdd(in JacobianPoint p, in AffinePoint q)
    {
        var z1z1 = Sm2Field.Square(p.Z);
        var u2 = Sm2Field.Mul(q.X, z1z1);
        var s2 = Sm2Field.Mul(q.Y, Sm2Field.Mul(p.Z, z1z1));
        var h = Sm2Field.Sub(u2, p.X);
        var r = Sm2Field.Double(Sm2Field.Sub(s2, p.Y));
        var hh = Sm2Field.Square(h);
        var i = Sm2Field.Double(Sm2Field.Double(hh));
        var j = Sm2Field.Mul(h, i);
        var v = Sm2Field.Mul(p.X, i);
        var x3 = Sm2Field.Sub(Sm2Field.Sub(Sm2Field.Square(r), j), Sm2Field.Double(v));
        return new JacobianPoint
        {
            X = x3,
            Y = Sm2Field.Sub(Sm2Field.Mul(r, Sm2Field.Sub(v, x3)), Sm2Field.Double(Sm2Field.Mul(p.Y, j))),
            Z = Sm2Field.Sub(Sm2Field.Sub(Sm2Field.Square(Sm2Field.Add(p.Z, h)), z1z1), hh),
        };
    }

    /// <summary>Row i: j·2^(7i)·G for j = 1..64, affine, from public data only (so the variable-time formulas serve).</summary>
    private static ulong[] BuildTable()
    {
        const int count = Windows * RowLength;
        var points = new JacobianPoint[count];
        var rowBase = ToJacobian(G);
        for (var window = 0; window < Windows; window++)
        {
            var current = rowBase;
            for (var j = 0; j < RowLength; j++)
            {
                points[(window * RowLength) + j] = current;
                AddJacobian(ref current, rowBase);
            }
            // 2^7 times the row's base is twice its last entry (64 times the base).
            rowBase = points[(window * RowLength) + RowLength - 1];
            DoublePoint(ref rowBase);
        }
        // One inversion for all the Z coordinates (Montgomery's trick): prefix products, then back to front.
        var prefix = new Sm2Field[count];
        var product = Sm2Field.One;
        for (var i = 0; i < count; i++)
        {
            prefix[i] = product;
            product = Sm2Field.Mul(product, points[i].Z);
        }
        var inverse = Sm2Field.Invert(product);
        var table = new ulong[count * EntryLimbs];
        for (var i = count - 1; i >= 0; i--)
        {
            var zInverse = Sm2Field.Mul(inverse, prefix[i]);
            inverse = Sm2Field.Mul(inverse, points[i].Z);
            var zInverse2 = Sm2Field.Square(zInverse);
            var x = Sm2Field.Mul(points[i].X, zInverse2);
            var y = Sm2Field.Mul(points[i].Y, Sm2Field.Mul(zInverse2, zInverse));
            var at = i * EntryLimbs;
            (table[at], table[at + 1], table[at + 2], table[at + 3]) = (x.L0, x.L1, x.L2, x.L3);
            (table[at + 4], table[at + 5], table[at + 6], table[at + 7]) = (y.L0, y.L1, y.L2, y.L3);
        }
        return table;
    }
}
