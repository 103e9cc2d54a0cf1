using System.Numerics;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>
/// The BN254 (alt_bn128) curve of EIP-196/197 in plain BigInteger arithmetic: G1 over Fp, G2 on the sextic twist
/// over Fp2 = Fp[i]/(i²+1), and the optimal ate pairing computed in Fp12 = Fp[w]/(w¹² − 18w⁶ + 82), where
/// w⁶ = 9 + i. Correctness first: precompile pricing, not speed, bounds what contracts can ask of it.
/// </summary>
internal static class Bn254
{
    public static readonly BigInteger P = BigInteger.Parse("21888242871839275222246405745257275088696311157297823662689037894645226208583");
    public static readonly BigInteger R = BigInteger.Parse("21888242871839275222246405745257275088548364400416034343698204186575808495617");
    private static readonly BigInteger AteLoopCount = BigInteger.Parse("29793968203157093288");
    private const int AteLoopBits = 63;

    /// <summary>The twist's b = 3 / (9 + i).</summary>
    private static readonly Fp2 TwistB = Fp2.Inverse(new Fp2(9, 1)) * new Fp2(3, 0);
    private static readonly Fp2 FrobeniusX = Fp2.Pow(new Fp2(9, 1), (P - 1) / 3);
    private static readonly Fp2 FrobeniusY = Fp2.Pow(new Fp2(9, 1), (P - 1) / 2);
    private static readonly BigInteger FinalExponent = (BigInteger.Pow(P, 12) - 1) / R;

    public static BigInteger Mod(BigInteger a)
    {
        var r = a % P;
        return r.Sign < 0 ? r + P : r;
    }

    public static BigInteger Inverse(BigInteger a) => BigInteger.ModPow(a, P - 2, P);

    // ---------------------------------------------------------------- G1 (affine; null is the point at infinity)

    public readonly record struct G1(BigInteger X, BigInteger Y);

    public static bool IsOnCurve(G1 p) => Mod(p.Y * p.Y - p.X * p.X * p.X - 3) == 0;

    public static G1? Add(G1? a, G1? b)
    {
        if (a is not { } p1)
        {
            return b;
        }
        if (b is not { } p2)
        {
            return a;
        }
        BigInteger m;
        if (p1.X == p2.X)
        {
            if (Mod(p1.Y + p2.Y) == 0)
            {
                return null;
            }
            m = Mod(3 * p1.X * p1.X * Inverse(Mod(2 * p1.Y)));
        }
        else
        {
            m = Mod((p2.Y - p1.Y) * Inverse(Mod(p2.X - p1.X)));
        }
        var x = Mod(m * m - p1.X - p2.X);
        var y = Mod(m * (p1.X - x) - p1.Y);
        return new G1(x, y);
    }

    public static G1? Multiply(G1? point, BigInteger scalar)
    {
        G1? result = null;
        var addend = point;
        while (scalar > 0 && addend is not null)
        {
            if (!scalar.IsEven)
            {
                result = Add(result, addend);
            }
            addend = Add(addend, addend);
            scalar >>= 1;
        }
        return result;
    }

    // ---------------------------------------------------------------- G2 on the twist over Fp2

    public readonly record struct G2(Fp2 X, Fp2 Y);

    public static bool IsOnTwist(G2 q) => q.Y * q.Y - q.X * q.X * q.X - TwistB == Fp2.Zero;

    public static G2? Add(G2? a, G2? b)
    {
        if (a is not { } q1)
        {
            return b;
        }
        if (b is not { } q2)
        {
            return a;
        }
        Fp2 m;
        if (q1.X == q2.X)
        {
            if (q1.Y + q2.Y == Fp2.Zero)
            {
                return null;
            }
            m = q1.X * q1.X * new Fp2(3, 0) * Fp2.Inverse(q1.Y + q1.Y);
        }
        else
        {
            m = (q2.Y - q1.Y) * Fp2.Inverse(q2.X - q1.X);
        }
        var x = m * m - q1.X - q2.X;
        var y = m * (q1.X - x) - q1.Y;
        return new G2(x, y);
    }

    public static G2? Multiply(G2? point, BigInteger scalar)
    {
        G2? result = null;
        var addend = point;
        while (scalar > 0 && addend is not null)
        {
            if (!scalar.IsEven)
            {
                result = Add(result, addend);
            }
            addend = Add(addend, addend);
            scalar >>= 1;
        }
        return result;
    }

    /// <summary>True when r·Q is the point at infinity (Q is in the order-r subgroup).</summary>
    public static bool IsInSubgroup(G2 q) => Multiply(q, R) is null;

    /// <summary>The p-power Frobenius of E(Fp12) seen on the twist: (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2)).</summary>
    private static G2 Frobenius(G2 q) => new(q.X.Conjugate() * FrobeniusX, q.Y.Conjugate() * FrobeniusY);

    // ---------------------------------------------------------------- pairing

    /// <summary>True when the product of e(P_i, Q_i) is one.</summary>
    public static bool PairingProductIsOne(IReadOnlyList<(G1? P, G2? Q)> pairs)
    {
        var f = Fp12.One;
        foreach (var (p, q) in pairs)
        {
            if (p is { } g1 && q is { } g2)
            {
                f *= MillerLoop(g2, g1);
            }
        }
        return Fp12.Pow(f, FinalExponent) == Fp12.One;
    }

    private static Fp12 MillerLoop(G2 q, G1 p)
    {
        G2? r = q;
        var f = Fp12.One;
        for (var i = AteLoopBits; i >= 0; i--)
        {
            f = f * f * Line(r!.Value, r.Value, p);
            r = Add(r, r);
            if (!(AteLoopCount >> i).IsEven)
            {
                f *= Line(r!.Value, q, p);
                r = Add(r, q);
            }
        }
        var q1 = Frobenius(q);
        var q2 = Frobenius(q1);
        var negQ2 = new G2(q2.X, -q2.Y);
        f *= Line(r!.Value, q1, p);
        r = Add(r, q1);
        f *= Line(r!.Value, negQ2, p);
        return f;
    }

    /// <summary>
    /// The line through the untwisted points of a and b (the tangent when equal), evaluated at p. With the untwist
    /// (x, y) ↦ (x·w², y·w³) the slope in Fp12 is m·w for the slope m on the twist.
    /// </summary>
    private static Fp12 Line(G2 a, G2 b, G1 p)
    {
        var c = new BigInteger[12];
        Fp2 m;
        if (a.X == b.X)
        {
            if (a.Y + b.Y == Fp2.Zero)
            {
                // Vertical line: xP − x1·w².
                c[0] = p.X;
                Embed(-a.X, 2, c);
                return new Fp12(c);
            }
            m = a.X * a.X * new Fp2(3, 0) * Fp2.Inverse(a.Y + a.Y);
        }
        else
        {
            m = (b.Y - a.Y) * Fp2.Inverse(b.X - a.X);
        }
        // m·w·xP + (y1 − m·x1)·w³ − yP
        Embed(m * new Fp2(p.X, 0), 1, c);
        Embed(a.Y - m * a.X, 3, c);
        c[0] = Mod((c[0]) - p.Y);
        return new Fp12(c);
    }

    /// <summary>Adds the image of a + b·i (as (a − 9b) + b·w⁶) times w^shift into the coefficients.</summary>
    private static void Embed(Fp2 value, int shift, BigInteger[] c)
    {
        c[shift] = Mod(c[shift] + value.A - 9 * value.B);
        c[shift + 6] = Mod(c[shift + 6] + value.B);
    }

    // ---------------------------------------------------------------- fields

    /// <summary>a + b·i with i² = −1.</summary>
    public readonly record struct Fp2(BigInteger A, BigInteger B)
    {
        public static readonly Fp2 Zero = new(0, 0);

        public static Fp2 operator +(Fp2 x, Fp2 y) => new(Mod(x.A + y.A), Mod(x.B + y.B));

        public static Fp2 operator -(Fp2 x, Fp2 y) => new(Mod(x.A - y.A), Mod(x.B - y.B));

        public static Fp2 operator -(Fp2 x) => new(Mod(-x.A), Mod(-x.B));

        public static Fp2 operator *(Fp2 x, Fp2 y) => new(Mod(x.A * y.A - x.B * y.B), Mod(x.A * y.B + x.B * y.A));

        public Fp2 Conjugate() => new(A, Mod(-B));

        public static Fp2 Inverse(Fp2 x)
        {
            var norm = Bn254.Inverse(Mod(x.A * x.A + x.B * x.B));
            return new Fp2(Mod(x.A * norm), Mod(-x.B * norm));
        }

        public static Fp2 Pow(Fp2 x, BigInteger e)
        {
            var result = new Fp2(1, 0);
            while (e > 0)
            {
                if (!e.IsEven)
                {
                    result *= x;
                }
                x *= x;
                e >>= 1;
            }
            return result;
        }
    }

    /// <summary>A polynomial of degree below 12 in w, reduced by w¹² = 18w⁶ − 82.</summary>
    public sealed class Fp12
    {
        public static readonly Fp12 One = new([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        private readonly BigInteger[] _c;

        public Fp12(BigInteger[] coefficients) => _c = coefficients;

        public static Fp12 operator *(Fp12 x, Fp12 y)
        {
            var t = new BigInteger[23];
            for (var i = 0; i < 12; i++)
            {
                if (x._c[i].IsZero)
                {
                    continue;
                }
                for (var j = 0; j < 12; j++)
                {
                    t[i + j] += x._c[i] * y._c[j];
                }
            }
            for (var k = 22; k >= 12; k--)
            {
                var top = t[k] % P;
                t[k - 6] += 18 * top;
                t[k - 12] -= 82 * top;
            }
            var c = new BigInteger[12];
            for (var i = 0; i < 12; i++)
            {
                c[i] = Mod(t[i]);
            }
            return new Fp12(c);
        }

        public static Fp12 Pow(Fp12 x, BigInteger e)
        {
            var result = One;
            var bits = (int)e.GetBitLength();
            for (var i = bits - 1; i >= 0; i--)
            {
                result *= result;
                if (!(e >> i).IsEven)
                {
                    result *= x;
                }
            }
            return result;
        }

        public static bool operator ==(Fp12? x, Fp12? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x._c.AsSpan().SequenceEqual(y._c));

        public static bool operator !=(Fp12? x, Fp12? y) => !(x == y);

        public override bool Equals(object? obj) => obj is Fp12 other && this == other;

        public override int GetHashCode() => _c[0].GetHashCode();
    }
}
