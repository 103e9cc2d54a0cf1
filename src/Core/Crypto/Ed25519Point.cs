using System.Runtime.CompilerServices;
using Fe = ShanghaiChain.Core.Crypto.Ed25519Field;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// A point of edwards25519 (−x² + y² = 1 + d·x²·y²) in extended coordinates (X:Y:Z:T) with x = X/Z, y = Y/Z,
/// x·y = T/Z (Hisil, Wong, Carter and Dawson, "Twisted Edwards curves revisited", 2008). The formulas are complete on
/// this curve, so no addition has an exceptional case: the identity and the torsion points need no special handling.
/// </summary>
[SkipLocalsInit]
internal readonly struct Ed25519Point
{
    public readonly Fe X, Y, Z, T;

    public Ed25519Point(in Fe x, in Fe y, in Fe z, in Fe t)
    {
        X = x;
        Y = y;
        Z = z;
        T = t;
    }

    public static readonly Ed25519Point Identity = new(Fe.Zero, Fe.One, Fe.One, Fe.Zero);

    /// <summary>d = −121665/121666.</summary>
    public static readonly Fe D = Fe.Negate(Fe.Mul(Fe.FromSmall(121665), Fe.Invert(Fe.FromSmall(121666))));

    public static readonly Fe D2 = Fe.Add(D, D);

    /// <summary>√−1 = 2^((p−1)/4); (p − 1)/4 = 2·(2^252 − 3) + 1.</summary>
    public static readonly Fe SqrtMinusOne = Fe.Mul(Fe.Square(Fe.PowP58(Fe.FromSmall(2))), Fe.FromSmall(2));

    /// <summary>The base point B of RFC 8032 (y = 4/5, x even), from its standard encoding.</summary>
    public static readonly Ed25519Point Base = TryDecode(Convert.FromHexString("5866666666666666666666666666666666666666666666666666666666666666"), out var b)
        ? b : throw new InvalidOperationException("the Ed25519 base point does not decode");

    /// <summary>
    /// Decodes a 32-byte point encoding by the rule of ZIP-215: y is the low 255 bits taken modulo p (so y ≥ p, a
    /// non-canonical encoding, is accepted), x is recovered from the curve equation and fails only when no square root
    /// exists, and the sign bit picks −x; for x = 0 a set sign bit is accepted (−0 = 0). Small-order points are accepted.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoding, out Ed25519Point point)
    {
        DecodeStart(encoding, out var y, out var u, out var v, out var v3, out var uv7);
        return DecodeFinish(encoding, y, u, v, v3, Fe.PowP58(uv7), out point);
    }

    /// <summary>
    /// <see cref="TryDecode"/> of up to eight 32-byte encodings (concatenated) at once: the exponentiation, nearly all of
    /// a decoding's cost, runs in AVX-512 lanes (<see cref="Ed25519FieldX8"/>); the rest is <see cref="TryDecode"/>'s own
    /// code, so points and verdicts are the same. Without AVX-512, one by one.
    /// </summary>
    public static void TryDecodeEight(ReadOnlySpan<byte> encodings, Span<Ed25519Point> points, Span<bool> decoded)
    {
        var count = encodings.Length / 32;
        if (!Ed25519FieldX8.IsSupported)
        {
            for (var i = 0; i < count; i++)
            {
                decoded[i] = TryDecode(encodings.Slice(32 * i, 32), out points[i]);
            }
            return;
        }
        Span<Fe> y = stackalloc Fe[Ed25519FieldX8.Lanes];
        Span<Fe> u = stackalloc Fe[Ed25519FieldX8.Lanes];
        Span<Fe> v = stackalloc Fe[Ed25519FieldX8.Lanes];
        Span<Fe> v3 = stackalloc Fe[Ed25519FieldX8.Lanes];
        var lanes = default(Ed25519FieldX8);
        for (var lane = 0; lane < Ed25519FieldX8.Lanes; lane++)
        {
            var uv7 = Fe.One;
            if (lane < count)
            {
                DecodeStart(encodings.Slice(32 * lane, 32), out y[lane], out u[lane], out v[lane], out v3[lane], out uv7);
            }
            lanes.SetLane(lane, uv7);
        }
        var powers = Ed25519FieldX8.PowP58(lanes);
        for (var lane = 0; lane < count; lane++)
        {
            decoded[lane] = DecodeFinish(encodings.Slice(32 * lane, 32), y[lane], u[lane], v[lane], v3[lane], powers.GetLane(lane), out points[lane]);
        }
    }

    /// <summary>Decoding up to the exponentiation: y, u = y² − 1, v = d·y² + 1, v³ and u·v⁷.</summary>
    private static void DecodeStart(ReadOnlySpan<byte> encoding, out Fe y, out Fe u, out Fe v, out Fe v3, out Fe uv7)
    {
        y = Fe.FromBytes(encoding);
        var yy = Fe.Square(y);
        u = Fe.Sub(yy, Fe.One);
        v = Fe.Add(Fe.Mul(yy, D), Fe.One);
        v3 = Fe.Mul(Fe.Square(v), v);
        uv7 = Fe.Mul(Fe.Mul(Fe.Square(v3), v), u);
    }

    /// <summary>Decoding after the exponentiation <paramref name="power"/> = (u·v⁷)^((p−5)/8).</summary>
    private static bool DecodeFinish(ReadOnlySpan<byte> encoding, in Fe y, in Fe u, in Fe v, in Fe v3, in Fe power, out Ed25519Point point)
    {
        // x = u·v³·(u·v⁷)^((p−5)/8) is a square root of u/v when one exists (RFC 8032 §5.1.3).
        var x = Fe.Mul(Fe.Mul(u, v3), power);
        var vxx = Fe.Mul(v, Fe.Square(x));
        if (!Fe.Equal(vxx, u))
        {
            if (!Fe.Equal(vxx, Fe.Negate(u)))
            {
                point = Identity;
                return false;
            }
            x = Fe.Mul(x, SqrtMinusOne);
        }
        if (x.IsNegative != ((encoding[31] & 0x80) != 0))
        {
            x = Fe.Negate(x);
        }
        point = new Ed25519Point(x, y, Fe.One, Fe.Mul(x, y));
        return true;
    }

    public Ed25519Point Negate() => new(Fe.Negate(X), Y, Z, Fe.Negate(T));

    /// <summary>True when the point is the identity (X = 0 and Y = Z projectively).</summary>
    public bool IsIdentity => X.IsZero && Fe.Equal(Y, Z);

    /// <summary>The canonical 32-byte encoding (for tests and diagnostics; verification never encodes).</summary>
    public void Encode(Span<byte> destination)
    {
        var inverse = Fe.Invert(Z);
        var x = Fe.Mul(X, inverse);
        Fe.Mul(Y, inverse).ToBytes(destination);
        if (x.IsNegative)
        {
            destination[31] |= 0x80;
        }
    }

    /// <summary>2P (4M + 4S, the "dbl-2008-hwcd" formulas for a = −1, signs folded so that no negation is needed).</summary>
    public Ed25519Point Double()
    {
        var a = Fe.Square(X);
        var b = Fe.Square(Y);
        var zz = Fe.Square(Z);
        var c = Fe.Add(zz, zz);
        var h = Fe.Add(a, b);
        var e = Fe.Sub(h, Fe.Square(Fe.Add(X, Y)));
        var g = Fe.Sub(a, b);
        var f = Fe.Add(c, g);
        return new Ed25519Point(Fe.Mul(e, f), Fe.Mul(g, h), Fe.Mul(f, g), Fe.Mul(e, h));
    }

    /// <summary>2P without T, for a doubling that another doubling follows (T is not read by <see cref="Double"/>).</summary>
    public Ed25519Point DoubleWithoutT()
    {
        var a = Fe.Square(X);
        var b = Fe.Square(Y);
        var zz = Fe.Square(Z);
        var c = Fe.Add(zz, zz);
        var h = Fe.Add(a, b);
        var e = Fe.Sub(h, Fe.Square(Fe.Add(X, Y)));
        var g = Fe.Sub(a, b);
        var f = Fe.Add(c, g);
        return new Ed25519Point(Fe.Mul(e, f), Fe.Mul(g, h), Fe.Mul(f, g), default);
    }

    /// <summary>P + Q for Q in cached form (8M, "add-2008-hwcd-3").</summary>
    public Ed25519Point Add(in Ed25519Cached q)
    {
        var a = Fe.Mul(Fe.Sub(Y, X), q.YMinusX);
        var b = Fe.Mul(Fe.Add(Y, X), q.YPlusX);
        var c = Fe.Mul(T, q.T2D);
        var d = Fe.Mul(Z, q.Z2);
        return Finish(a, b, c, d, subtract: false);
    }

    /// <summary>P − Q for Q in cached form.</summary>
    public Ed25519Point Subtract(in Ed25519Cached q)
    {
        var a = Fe.Mul(Fe.Sub(Y, X), q.YPlusX);
        var b = Fe.Mul(Fe.Add(Y, X), q.YMinusX);
        var c = Fe.Mul(T, q.T2D);
        var d = Fe.Mul(Z, q.Z2);
        return Finish(a, b, c, d, subtract: true);
    }

    /// <summary>P + Q for Q affine in Niels form (7M).</summary>
    public Ed25519Point Add(in Ed25519Niels q)
    {
        var a = Fe.Mul(Fe.Sub(Y, X), q.YMinusX);
        var b = Fe.Mul(Fe.Add(Y, X), q.YPlusX);
        var c = Fe.Mul(T, q.XY2D);
        var d = Fe.Add(Z, Z);
        return Finish(a, b, c, d, subtract: false);
    }

    /// <summary>P − Q for Q affine in Niels form.</summary>
    public Ed25519Point Subtract(in Ed25519Niels q)
    {
        var a = Fe.Mul(Fe.Sub(Y, X), q.YPlusX);
        var b = Fe.Mul(Fe.Add(Y, X), q.YMinusX);
        var c = Fe.Mul(T, q.XY2D);
        var d = Fe.Add(Z, Z);
        return Finish(a, b, c, d, subtract: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Ed25519Point Finish(in Fe a, in Fe b, in Fe c, in Fe d, bool subtract)
    {
        // Subtracting Q is adding −Q = (−x, y): Y+X and Y−X swap (done by the caller) and the T term changes sign.
        var e = Fe.Sub(b, a);
        var h = Fe.Add(b, a);
        var f = subtract ? Fe.Add(d, c) : Fe.Sub(d, c);
        var g = subtract ? Fe.Sub(d, c) : Fe.Add(d, c);
        return new Ed25519Point(Fe.Mul(e, f), Fe.Mul(g, h), Fe.Mul(f, g), Fe.Mul(e, h));
    }

    /// <summary>[8]P, which removes any torsion component (the cofactor of the cofactored equation).</summary>
    public Ed25519Point MulByCofactor() => DoubleWithoutT().DoubleWithoutT().Double();

    public Ed25519Cached ToCached() => new(Fe.Add(Y, X), Fe.Sub(Y, X), Fe.Add(Z, Z), Fe.Mul(T, D2));

    /// <summary>The affine Niels form (for precomputed tables); one inversion.</summary>
    public Ed25519Niels ToNiels()
    {
        var inverse = Fe.Invert(Z);
        var x = Fe.Mul(X, inverse);
        var y = Fe.Mul(Y, inverse);
        return new Ed25519Niels(Fe.Add(y, x), Fe.Sub(y, x), Fe.Mul(Fe.Mul(x, y), D2));
    }

    /// <summary>The odd multiples P, 3P, …, (2·count − 1)P in cached form: the table of a width-w NAF (count = 2^(w−2)).</summary>
    public void OddMultiples(Span<Ed25519Cached> table)
    {
        var twice = Double().ToCached();
        var current = this;
        table[0] = current.ToCached();
        for (var i = 1; i < table.Length; i++)
        {
            current = current.Add(twice);
            table[i] = current.ToCached();
        }
    }
}

/// <summary>A point prepared for addition: (Y + X, Y − X, 2Z, 2d·T).</summary>
internal readonly struct Ed25519Cached(Fe yPlusX, Fe yMinusX, Fe z2, Fe t2d)
{
    public readonly Fe YPlusX = yPlusX, YMinusX = yMinusX, Z2 = z2, T2D = t2d;
}

/// <summary>An affine point prepared for addition: (y + x, y − x, 2d·x·y), for the base point's precomputed table.</summary>
internal readonly struct Ed25519Niels(Fe yPlusX, Fe yMinusX, Fe xy2d)
{
    public readonly Fe YPlusX = yPlusX, YMinusX = yMinusX, XY2D = xy2d;
}
