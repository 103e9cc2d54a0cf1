namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>Fp6 = Fp2[v]/(v³ − ξ), ξ = 9 + u: c0 + c1·v + c2·v².</summary>
internal readonly struct Fp6
{
    public readonly Fp2 C0, C1, C2;

    public Fp6(in Fp2 c0, in Fp2 c1, in Fp2 c2)
    {
        C0 = c0;
        C1 = c1;
        C2 = c2;
    }

    public static Fp6 Zero => default;

    public static Fp6 One => new(Fp2.One, Fp2.Zero, Fp2.Zero);

    public static Fp6 Add(in Fp6 a, in Fp6 b) => new(Fp2.Add(a.C0, b.C0), Fp2.Add(a.C1, b.C1), Fp2.Add(a.C2, b.C2));

    public static Fp6 Sub(in Fp6 a, in Fp6 b) => new(Fp2.Sub(a.C0, b.C0), Fp2.Sub(a.C1, b.C1), Fp2.Sub(a.C2, b.C2));

    public static Fp6 Negate(in Fp6 a) => new(Fp2.Negate(a.C0), Fp2.Negate(a.C1), Fp2.Negate(a.C2));

    public static Fp6 Mul(in Fp6 a, in Fp6 b)
    {
        var t0 = Fp2.Mul(a.C0, b.C0);
        var t1 = Fp2.Mul(a.C1, b.C1);
        var t2 = Fp2.Mul(a.C2, b.C2);
        var c0 = Fp2.Add(Fp2.MulByXi(Fp2.Sub(Fp2.Sub(Fp2.Mul(Fp2.Add(a.C1, a.C2), Fp2.Add(b.C1, b.C2)), t1), t2)), t0);
        var c1 = Fp2.Add(Fp2.Sub(Fp2.Sub(Fp2.Mul(Fp2.Add(a.C0, a.C1), Fp2.Add(b.C0, b.C1)), t0), t1), Fp2.MulByXi(t2));
        var c2 = Fp2.Add(Fp2.Sub(Fp2.Sub(Fp2.Mul(Fp2.Add(a.C0, a.C2), Fp2.Add(b.C0, b.C2)), t0), t2), t1);
        return new(c0, c1, c2);
    }

    /// <summary>a · (y + z·v): the product with an element whose v² coefficient is zero (5 instead of 6 Fp2 products).</summary>
    public static Fp6 MulBy01(in Fp6 a, in Fp2 y, in Fp2 z)
    {
        var t0 = Fp2.Mul(a.C0, y);
        var t1 = Fp2.Mul(a.C1, z);
        var c0 = Fp2.Add(t0, Fp2.MulByXi(Fp2.Mul(a.C2, z)));
        var c1 = Fp2.Sub(Fp2.Sub(Fp2.Mul(Fp2.Add(a.C0, a.C1), Fp2.Add(y, z)), t0), t1);
        var c2 = Fp2.Add(t1, Fp2.Mul(a.C2, y));
        return new(c0, c1, c2);
    }

    /// <summary>a · y for y in Fp2.</summary>
    public static Fp6 MulByFp2(in Fp6 a, in Fp2 y) => new(Fp2.Mul(a.C0, y), Fp2.Mul(a.C1, y), Fp2.Mul(a.C2, y));

    /// <summary>Multiplication by v: (ξ·c2, c0, c1).</summary>
    public static Fp6 MulByV(in Fp6 a) => new(Fp2.MulByXi(a.C2), a.C0, a.C1);

    public static Fp6 Inverse(in Fp6 a)
    {
        var a0 = Fp2.Sub(Fp2.Square(a.C0), Fp2.MulByXi(Fp2.Mul(a.C1, a.C2)));
        var b0 = Fp2.Sub(Fp2.MulByXi(Fp2.Square(a.C2)), Fp2.Mul(a.C0, a.C1));
        var c0 = Fp2.Sub(Fp2.Square(a.C1), Fp2.Mul(a.C0, a.C2));
        var f = Fp2.Add(Fp2.Mul(a.C0, a0), Fp2.MulByXi(Fp2.Add(Fp2.Mul(a.C2, b0), Fp2.Mul(a.C1, c0))));
        var inverse = Fp2.Inverse(f);
        return new(Fp2.Mul(a0, inverse), Fp2.Mul(b0, inverse), Fp2.Mul(c0, inverse));
    }

    public static bool Equal(in Fp6 a, in Fp6 b) => Fp2.Equal(a.C0, b.C0) && Fp2.Equal(a.C1, b.C1) && Fp2.Equal(a.C2, b.C2);
}

/// <summary>
/// Fp12 = Fp6[w]/(w² − v): c0 + c1·w. So w⁶ = ξ, and Σ a_k·w^k (a_k in Fp2) is c0 = (a0, a2, a4), c1 = (a1, a3, a5).
/// </summary>
internal readonly struct Fp12
{
    public readonly Fp6 C0, C1;

    public Fp12(in Fp6 c0, in Fp6 c1)
    {
        C0 = c0;
        C1 = c1;
    }

    public static Fp12 One => new(Fp6.One, Fp6.Zero);

    public static Fp12 Mul(in Fp12 a, in Fp12 b)
    {
        var t0 = Fp6.Mul(a.C0, b.C0);
        var t1 = Fp6.Mul(a.C1, b.C1);
        var c1 = Fp6.Sub(Fp6.Sub(Fp6.Mul(Fp6.Add(a.C0, a.C1), Fp6.Add(b.C0, b.C1)), t0), t1);
        return new(Fp6.Add(t0, Fp6.MulByV(t1)), c1);
    }

    /// <summary>
    /// a · (l0 + (l1 + l2·v)·w), the shape of a Miller-loop line value: 13 Fp2 products instead of the 18 of a full
    /// product (Karatsuba over w with the sparse factors).
    /// </summary>
    public static Fp12 MulByLine(in Fp12 a, in Fp2 l0, in Fp2 l1, in Fp2 l2)
    {
        var t0 = Fp6.MulByFp2(a.C0, l0);
        var t1 = Fp6.MulBy01(a.C1, l1, l2);
        var c1 = Fp6.Sub(Fp6.Sub(Fp6.MulBy01(Fp6.Add(a.C0, a.C1), Fp2.Add(l0, l1), l2), t0), t1);
        return new(Fp6.Add(t0, Fp6.MulByV(t1)), c1);
    }

    public static Fp12 Square(in Fp12 a)
    {
        // Complex squaring: (c0 + c1 w)² = (c0 + c1)(c0 + v c1) − t − v t + 2t w, with t = c0 c1.
        var t = Fp6.Mul(a.C0, a.C1);
        var c0 = Fp6.Sub(Fp6.Sub(Fp6.Mul(Fp6.Add(a.C0, a.C1), Fp6.Add(a.C0, Fp6.MulByV(a.C1))), t), Fp6.MulByV(t));
        return new(c0, Fp6.Add(t, t));
    }

    public static Fp12 Conjugate(in Fp12 a) => new(a.C0, Fp6.Negate(a.C1));

    public static Fp12 Inverse(in Fp12 a)
    {
        var t = Fp6.Inverse(Fp6.Sub(Fp6.Mul(a.C0, a.C0), Fp6.MulByV(Fp6.Mul(a.C1, a.C1))));
        return new(Fp6.Mul(a.C0, t), Fp6.Negate(Fp6.Mul(a.C1, t)));
    }

    public static bool Equal(in Fp12 a, in Fp12 b) => Fp6.Equal(a.C0, b.C0) && Fp6.Equal(a.C1, b.C1);
}
