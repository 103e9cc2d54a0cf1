using System.Numerics;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>
/// The BN254 (alt_bn128) curve of EIP-196/197 on Montgomery limbs: G1 over Fp, G2 on the sextic twist over
/// Fp2 = Fp[u]/(u² + 1), and the optimal ate pairing in the tower Fp12 = Fp6[w]/(w² − v), Fp6 = Fp2[v]/(v³ − ξ),
/// ξ = 9 + u. Group arithmetic is Jacobian (<see cref="Jacobian{F}"/>, one generic copy for G1 and G2); the Miller
/// loop walks the twist in affine coordinates (one Fp2 inversion per step) and the final exponentiation uses the
/// Frobenius and three exponentiations by the 63-bit BN parameter u.
/// </summary>
internal static class Bn254
{
    /// <summary>The group order r.</summary>
    public static readonly UInt256 Order = UInt256.ReadBigEndian(Convert.FromHexString("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"));

    public static readonly BigInteger R = BigInteger.Parse("21888242871839275222246405745257275088548364400416034343698204186575808495617");
    public static readonly BigInteger P = Fp.Modulus;

    /// <summary>6x + 2 for the BN parameter x: 65 bits, the top one implicit in starting from Q.</summary>
    private static readonly UInt128 AteLoopCount = UInt128.Parse("29793968203157093288", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly Fp CurveB = Fp.FromBigInteger(3);

    /// <summary>The twist's b = 3 / ξ.</summary>
    private static readonly Fp2 TwistB = Fp2.Mul(Fp2.Inverse(Xi), new Fp2(CurveB, Fp.Zero));

    private static Fp2 Xi => new(Fp.FromBigInteger(9), Fp.One);

    private static readonly Fp2 FrobeniusX = Fp2.Pow(Xi, (P - 1) / 3);
    private static readonly Fp2 FrobeniusY = Fp2.Pow(Xi, (P - 1) / 2);

    /// <summary>The BN parameter u (p and r are polynomials in it).</summary>
    private const ulong U = 4965661367192848881;

    /// <summary>γ_k = ξ^(k(p−1)/6), k = 1..5: the p-power Frobenius multiplies the coefficient of w^k by it.</summary>
    private static readonly Fp2[] FrobeniusGamma = [.. Enumerable.Range(1, 5).Select(k => Fp2.Pow(Xi, k * (P - 1) / 6))];

    // ---------------------------------------------------------------- G1 and G2 points

    /// <summary>An affine G1 point (the point at infinity is represented by null at the call sites).</summary>
    public readonly record struct G1(Fp X, Fp Y)
    {
        public Jacobian<Fp> ToJacobian() => Jacobian<Fp>.FromAffine(X, Y);
    }

    /// <summary>An affine point of the twist over Fp2.</summary>
    public readonly record struct G2(Fp2 X, Fp2 Y);

    public static bool IsOnCurve(in G1 p) => Fp.Equal(Fp.Square(p.Y), Fp.Add(Fp.Mul(Fp.Square(p.X), p.X), CurveB));

    public static bool IsOnTwist(in G2 q) => Fp2.Equal(Fp2.Square(q.Y), Fp2.Add(Fp2.Mul(Fp2.Square(q.X), q.X), TwistB));

    /// <summary>True when r·Q is the point at infinity (Q is in the order-r subgroup).</summary>
    public static bool IsInSubgroup(in G2 q) => Jacobian<Fp2>.Multiply(Jacobian<Fp2>.FromAffine(q.X, q.Y), Order).IsInfinity;

    public static G1? ToAffine(in Jacobian<Fp> p)
    {
        if (p.IsInfinity)
        {
            return null;
        }
        p.ToAffine(out var x, out var y);
        return new G1(x, y);
    }

    public static G1? Add(G1? a, G1? b) => ToAffine(Jacobian<Fp>.Add(a?.ToJacobian() ?? Jacobian<Fp>.Infinity, b?.ToJacobian() ?? Jacobian<Fp>.Infinity));

    public static G1? Multiply(G1? a, in UInt256 scalar) => a is { } p ? ToAffine(Jacobian<Fp>.Multiply(p.ToJacobian(), scalar)) : null;

    /// <summary>The p-power Frobenius of E(Fp12) seen on the twist: (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2)).</summary>
    private static G2 Frobenius(in G2 q) => new(Fp2.Mul(Fp2.Conjugate(q.X), FrobeniusX), Fp2.Mul(Fp2.Conjugate(q.Y), FrobeniusY));

    // ---------------------------------------------------------------- pairing

    /// <summary>True when the product of e(P_i, Q_i) is one; pairs with a point at infinity contribute one.</summary>
    public static bool PairingProductIsOne(IReadOnlyList<(G1? P, G2? Q)> pairs)
    {
        var f = Fp12.One;
        foreach (var (p, q) in pairs)
        {
            if (p is { } g1 && q is { } g2)
            {
                f = Fp12.Mul(f, MillerLoop(g2, g1));
            }
        }
        return Fp12.Equal(FinalExponentiation(f), Fp12.One);
    }

    /// <summary>
    /// f^((p¹²−1)/r) up to a fixed power coprime to r (so "is one" is decided exactly): the easy part
    /// f^((p⁶−1)(p²+1)) = (conj(f)/f)^(p²+1), then the hard part (p⁴−p²+1)/r written in u and Frobenius powers
    /// (Scott et al., "On the final exponentiation for calculating pairings on ordinary elliptic curves", BN case):
    /// three exponentiations by u instead of a 1,270-bit exponent. In the cyclotomic subgroup an inverse is a conjugate.
    /// </summary>
    private static Fp12 FinalExponentiation(in Fp12 f)
    {
        var t = Fp12.Mul(Fp12.Conjugate(f), Fp12.Inverse(f));
        t = Fp12.Mul(Frobenius(Frobenius(t)), t);

        var fp = Frobenius(t);
        var fp2 = Frobenius(fp);
        var fp3 = Frobenius(fp2);
        var fu = PowU(t);
        var fu2 = PowU(fu);
        var fu3 = PowU(fu2);

        var y0 = Fp12.Mul(Fp12.Mul(fp, fp2), fp3);
        var y1 = Fp12.Conjugate(t);
        var y2 = Frobenius(Frobenius(fu2));
        var y3 = Fp12.Conjugate(Frobenius(fu));
        var y4 = Fp12.Conjugate(Fp12.Mul(fu, Frobenius(fu2)));
        var y5 = Fp12.Conjugate(fu2);
        var y6 = Fp12.Conjugate(Fp12.Mul(fu3, Frobenius(fu3)));

        var t0 = Fp12.Mul(Fp12.Mul(Fp12.Square(y6), y4), y5);
        var t1 = Fp12.Mul(Fp12.Mul(y3, y5), t0);
        t0 = Fp12.Mul(t0, y2);
        t1 = Fp12.Square(Fp12.Mul(Fp12.Square(t1), t0));
        t0 = Fp12.Mul(t1, y1);
        t1 = Fp12.Mul(t1, y0);
        return Fp12.Mul(Fp12.Square(t0), t1);
    }

    private static Fp12 PowU(in Fp12 a)
    {
        var result = a;
        for (var bit = 62 - System.Numerics.BitOperations.LeadingZeroCount(U); bit >= 0; bit--)
        {
            result = Fp12.Square(result);
            if (((U >> bit) & 1) != 0)
            {
                result = Fp12.Mul(result, a);
            }
        }
        return result;
    }

    /// <summary>a^p: each Fp2 coefficient a_k of w^k is conjugated and multiplied by γ_k.</summary>
    private static Fp12 Frobenius(in Fp12 a) => new(
        new Fp6(Fp2.Conjugate(a.C0.C0), Fp2.Mul(Fp2.Conjugate(a.C0.C1), FrobeniusGamma[1]), Fp2.Mul(Fp2.Conjugate(a.C0.C2), FrobeniusGamma[3])),
        new Fp6(Fp2.Mul(Fp2.Conjugate(a.C1.C0), FrobeniusGamma[0]), Fp2.Mul(Fp2.Conjugate(a.C1.C1), FrobeniusGamma[2]),
            Fp2.Mul(Fp2.Conjugate(a.C1.C2), FrobeniusGamma[4])));

    private static Fp12 MillerLoop(in G2 q, in G1 p)
    {
        var r = q;
        var f = Fp12.One;
        for (var i = 63; i >= 0; i--)
        {
            f = Fp12.Square(f);
            Step(ref r, r, p, ref f);
            if (((AteLoopCount >> i) & 1) != 0)
            {
                Step(ref r, q, p, ref f);
            }
        }
        var q1 = Frobenius(q);
        var q2 = Frobenius(q1);
        Step(ref r, q1, p, ref f);
        Step(ref r, new G2(q2.X, Fp2.Negate(q2.Y)), p, ref f);
        return f;
    }

    /// <summary>
    /// Multiplies f by the line through the untwisted r and b (the tangent when equal) evaluated at p, and sets
    /// r ← r + b. With the untwist (x, y) ↦ (x·w², y·w³) the line is m·xP·w + (y1 − m·x1)·w³ − yP for the slope m on
    /// the twist; a vertical line is xP − x1·w² (r would become infinity, which only the loop's last step can produce
    /// for valid inputs, and r is not used after it).
    /// </summary>
    private static void Step(ref G2 r, in G2 b, in G1 p, ref Fp12 f)
    {
        var a = r;
        Fp2 m;
        if (Fp2.Equal(a.X, b.X))
        {
            if (Fp2.Add(a.Y, b.Y).IsZero)
            {
                f = Fp12.Mul(f, new Fp12(new Fp6(new Fp2(p.X, Fp.Zero), Fp2.Negate(a.X), Fp2.Zero), Fp6.Zero));
                return;
            }
            var x2 = Fp2.Square(a.X);
            m = Fp2.Mul(Fp2.Add(Fp2.Add(x2, x2), x2), Fp2.Inverse(Fp2.Add(a.Y, a.Y)));
        }
        else
        {
            m = Fp2.Mul(Fp2.Sub(b.Y, a.Y), Fp2.Inverse(Fp2.Sub(b.X, a.X)));
        }
        var x3 = Fp2.Sub(Fp2.Sub(Fp2.Square(m), a.X), b.X);
        var y3 = Fp2.Sub(Fp2.Mul(m, Fp2.Sub(a.X, x3)), a.Y);
        r = new G2(x3, y3);
        // −yP + (m·xP)·w + (y1 − m·x1)·w³: c0 = (−yP, 0, 0), c1 = (m·xP, y1 − m·x1, 0).
        f = Fp12.MulByLine(f, new Fp2(Fp.Negate(p.Y), Fp.Zero), Fp2.MulByFp(m, p.X), Fp2.Sub(a.Y, Fp2.Mul(m, a.X)));
    }
}
