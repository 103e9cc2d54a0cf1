using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>
/// A point of y² = x³ + b over the field F in Jacobian coordinates (x = X/Z², y = Y/Z³; Z = 0 is the point at
/// infinity), written once for G1 (F = Fp) and G2 on the twist (F = Fp2). No inversions until <see cref="ToAffine"/>.
/// </summary>
internal readonly struct Jacobian<F> where F : struct, IBnField<F>
{
    public readonly F X, Y, Z;

    public Jacobian(in F x, in F y, in F z)
    {
        X = x;
        Y = y;
        Z = z;
    }

    public static Jacobian<F> Infinity => new(F.One, F.One, F.Zero);

    public static Jacobian<F> FromAffine(in F x, in F y) => new(x, y, F.One);

    public bool IsInfinity => Z.IsZero;

    /// <summary>dbl-2009-l (a = 0): 2M + 5S.</summary>
    public static Jacobian<F> Double(in Jacobian<F> p)
    {
        if (p.IsInfinity)
        {
            return p;
        }
        var a = F.Square(p.X);
        var b = F.Square(p.Y);
        var c = F.Square(b);
        var xb = F.Add(p.X, b);
        var d = F.Sub(F.Sub(F.Square(xb), a), c);
        d = F.Add(d, d);
        var e = F.Add(F.Add(a, a), a);
        var f = F.Square(e);
        var x3 = F.Sub(f, F.Add(d, d));
        var c8 = F.Add(c, c);
        c8 = F.Add(c8, c8);
        c8 = F.Add(c8, c8);
        var y3 = F.Sub(F.Mul(e, F.Sub(d, x3)), c8);
        var yz = F.Mul(p.Y, p.Z);
        return new(x3, y3, F.Add(yz, yz));
    }

    /// <summary>add-2007-bl: 11M + 5S; falls back to doubling for equal points.</summary>
    public static Jacobian<F> Add(in Jacobian<F> p, in Jacobian<F> q)
    {
        if (p.IsInfinity)
        {
            return q;
        }
        if (q.IsInfinity)
        {
            return p;
        }
        var z1z1 = F.Square(p.Z);
        var z2z2 = F.Square(q.Z);
        var u1 = F.Mul(p.X, z2z2);
        var u2 = F.Mul(q.X, z1z1);
        var s1 = F.Mul(F.Mul(p.Y, q.Z), z2z2);
        var s2 = F.Mul(F.Mul(q.Y, p.Z), z1z1);
        var h = F.Sub(u2, u1);
        var r = F.Sub(s2, s1);
        if (h.IsZero)
        {
            return r.IsZero ? Double(p) : Infinity;
        }
        r = F.Add(r, r);
        var h2 = F.Add(h, h);
        var i = F.Square(h2);
        var j = F.Mul(h, i);
        var v = F.Mul(u1, i);
        var x3 = F.Sub(F.Sub(F.Square(r), j), F.Add(v, v));
        var s1j = F.Mul(s1, j);
        var y3 = F.Sub(F.Mul(r, F.Sub(v, x3)), F.Add(s1j, s1j));
        var z3 = F.Mul(F.Sub(F.Sub(F.Square(F.Add(p.Z, q.Z)), z1z1), z2z2), h);
        return new(x3, y3, z3);
    }

    /// <summary>k·P by double-and-add over the 256 bits of k (G1 and G2 share this one copy).</summary>
    public static Jacobian<F> Multiply(in Jacobian<F> p, in UInt256 k)
    {
        var result = Infinity;
        ReadOnlySpan<ulong> limbs = [k.U3, k.U2, k.U1, k.U0];
        var started = false;
        foreach (var limb in limbs)
        {
            for (var bit = 63; bit >= 0; bit--)
            {
                if (started)
                {
                    result = Double(result);
                }
                if (((limb >> bit) & 1) != 0)
                {
                    result = started ? Add(result, p) : p;
                    started = true;
                }
            }
        }
        return result;
    }

    /// <summary>(x, y) = (X/Z², Y/Z³); the caller checks <see cref="IsInfinity"/> first.</summary>
    public void ToAffine(out F x, out F y)
    {
        var zInverse = F.Inverse(Z);
        var z2 = F.Square(zInverse);
        x = F.Mul(X, z2);
        y = F.Mul(Y, F.Mul(z2, zInverse));
    }
}
