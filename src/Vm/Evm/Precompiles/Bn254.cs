using System.Numerics;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>
/// The BN254 (alt_bn128) curve of EIP-196/197 on Montgomery limbs: G1 over Fp, G2 on the sextic twist over
/// Fp2 = Fp[u]/(u² + 1), and the optimal ate pairing in the tower Fp12 = Fp6[w]/(w² − v), Fp6 = Fp2[v]/(v³ − ξ),
/// ξ = 9 + u. Group arithmetic is Jacobian (<see cref="Jacobian{F}"/>, one generic copy for G1 and G2); the Miller
/// loop walks the twist in affine coordinates (one Fp2 inversion per step) and the final exponentiation is
/// f^(p⁶−1) = conj(f)/f followed by a square-and-multiply by (p⁶+1)/r.
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

    /// <summary>(p⁶ + 1) / r, the part of the final exponent left after the p⁶ − 1 step, most significant bit first.</summary>
    private static readonly bool[] HardExponentBits = Bits((BigInteger.Pow(P, 6) + 1) / R);

    private static bool[] Bits(BigInteger value)
    {
        var bits = new bool[(int)value.GetBitLength()];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[bits.Length - 1 - i] = !((value >> i) & 1).IsZero;
        }
        return bits;
    }

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

    private static Fp12 FinalExponentiation(in Fp12 f)
    {
        var easy = Fp12.Mul(Fp12.Conjugate(f), Fp12.Inverse(f));
        var result = Fp12.One;
        foreach (var bit in HardExponentBits)
        {
            result = Fp12.Square(result);
            if (bit)
            {
                result = Fp12.Mul(result, easy);
            }
        }
        return result;
    }

    private static Fp12 MillerLoop(in G2 q, in G1 p)
    {
        var r = q;
        var f = Fp12.One;
        for (var i = 63; i >= 0; i--)
        {
            f = Fp12.Mul(Fp12.Square(f), Step(ref r, r, p));
            if (((AteLoopCount >> i) & 1) != 0)
            {
                f = Fp12.Mul(f, Step(ref r, q, p));
            }
        }
        var q1 = Frobenius(q);
        var q2 = Frobenius(q1);
        f = Fp12.Mul(f, Step(ref r, q1, p));
        var negQ2 = new G2(q2.X, Fp2.Negate(q2.Y));
        return Fp12.Mul(f, Step(ref r, negQ2, p));
    }

    /// <summary>
    /// The line through the untwisted r and b (the tangent when equal) evaluated at p, and r ← r + b. With the untwist
    /// (x, y) ↦ (x·w², y·w³) the line is m·xP·w + (y1 − m·x1)·w³ − yP for the slope m on the twist; a vertical line
    /// is xP − x1·w² (and r becomes infinity, which only the loop's last step can produce for valid inputs).
    /// </summary>
    private static Fp12 Step(ref G2 r, in G2 b, in G1 p)
    {
        var a = r;
        Fp2 m;
        if (Fp2.Equal(a.X, b.X))
        {
            if (Fp2.Add(a.Y, b.Y).IsZero)
            {
                return new Fp12(new Fp6(new Fp2(p.X, Fp.Zero), Fp2.Negate(a.X), Fp2.Zero), Fp6.Zero);
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
        return new Fp12(
            new Fp6(new Fp2(Fp.Negate(p.Y), Fp.Zero), Fp2.Zero, Fp2.Zero),
            new Fp6(Fp2.MulByFp(m, p.X), Fp2.Sub(a.Y, Fp2.Mul(m, a.X)), Fp2.Zero));
    }
}
