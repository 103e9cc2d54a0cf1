namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// The curve sm2p256v1 (y² = x³ − 3x + b over <see cref="Sm2Field"/>): its constants and the point formulas that
/// verification uses (Jacobian coordinates; they branch on the exceptional cases, so they are for public points only).
/// </summary>
internal static class Sm2Curve
{
    // The curve constants a, b and the base point G as GM/T 0003.5 gives them (32 bytes big-endian each).
    internal static readonly byte[] ABytes = Convert.FromHexString("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
    internal static readonly byte[] BBytes = Convert.FromHexString("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
    internal static readonly byte[] GxBytes = Convert.FromHexString("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
    internal static readonly byte[] GyBytes = Convert.FromHexString("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");
    internal static readonly Sm2Field B = FieldOf(BBytes);
    internal static readonly Sm2Field Three = Sm2Field.Add(Sm2Field.Add(Sm2Field.One, Sm2Field.One), Sm2Field.One);
    internal static readonly AffinePoint G = new(FieldOf(GxBytes), FieldOf(GyBytes));

    internal readonly record struct AffinePoint(Sm2Field X, Sm2Field Y);

    internal struct JacobianPoint
    {
        public Sm2Field X, Y, Z;

        public readonly bool IsInfinity => Z.IsZero;
    }

    internal static JacobianPoint ToJacobian(in AffinePoint p) => new() { X = p.X, Y = p.Y, Z = Sm2Field.One };

    /// <summary>2P for a = −3 (Bernstein–Lange dbl-2001-b).</summary>
    internal static void DoublePoint(ref JacobianPoint p)
    {
        if (p.Y.IsZero)
        {
            p = default;
            return;
        }
        var delta = Sm2Field.Square(p.Z);
        var gamma = Sm2Field.Square(p.Y);
        var beta = Sm2Field.Mul(p.X, gamma);
        // alpha = 3·(X − δ)(X + δ), the factor 3 by additions rather than a multiplication.
        var difference = Sm2Field.Mul(Sm2Field.Sub(p.X, delta), Sm2Field.Add(p.X, delta));
        var alpha = Sm2Field.Add(Sm2Field.Double(difference), difference);
        var beta4 = Sm2Field.Double(Sm2Field.Double(beta));
        var x3 = Sm2Field.Sub(Sm2Field.Square(alpha), Sm2Field.Double(beta4));
        var z3 = Sm2Field.Sub(Sm2Field.Sub(Sm2Field.Square(Sm2Field.Add(p.Y, p.Z)), gamma), delta);
        var gamma2 = Sm2Field.Square(gamma);
        var gamma8 = Sm2Field.Double(Sm2Field.Double(Sm2Field.Double(gamma2)));
        p.Y = Sm2Field.Sub(Sm2Field.Mul(alpha, Sm2Field.Sub(beta4, x3)), gamma8);
        p.X = x3;
        p.Z = z3;
    }

    /// <summary>P + Q with Q affine (madd-2007-bl), handling infinity, P = Q and P = −Q.</summary>
    internal static void AddAffine(ref JacobianPoint p, in AffinePoint q)
    {
        if (p.IsInfinity)
        {
            p = ToJacobian(q);
            return;
        }
        var z1z1 = Sm2Field.Square(p.Z);
        var u2 = Sm2Field.Mul(q.X, z1z1);
        var s2 = Sm2Field.Mul(q.Y, Sm2Field.Mul(p.Z, z1z1));
        var h = Sm2Field.Sub(u2, p.X);
        var r = Sm2Field.Double(Sm2Field.Sub(s2, p.Y));
        if (h.IsZero)
        {
            if (r.IsZero)
            {
                DoublePoint(ref p);
            }
            else
            {
                p = default;
            }
            return;
        }
        var hh = Sm2Field.Square(h);
        var i = Sm2Field.Double(Sm2Field.Double(hh));
        var j = Sm2Field.Mul(h, i);
        var v = Sm2Field.Mul(p.X, i);
        var x3 = Sm2Field.Sub(Sm2Field.Sub(Sm2Field.Square(r), j), Sm2Field.Double(v));
        var y3 = Sm2Field.Sub(Sm2Field.Mul(r, Sm2Field.Sub(v, x3)), Sm2Field.Double(Sm2Field.Mul(p.Y, j)));
        p.Z = Sm2Field.Sub(Sm2Field.Sub(Sm2Field.Square(Sm2Field.Add(p.Z, h)), z1z1), hh);
        p.X = x3;
        p.Y = y3;
    }

    /// <summary>P + Q, both Jacobian (add-2007-bl), handling infinity, P = Q and P = −Q.</summary>
    internal static void AddJacobian(ref JacobianPoint p, in JacobianPoint q)
    {
        if (q.IsInfinity)
        {
            return;
        }
        if (p.IsInfinity)
        {
            p = q;
            return;
        }
        var z1z1 = Sm2Field.Square(p.Z);
        var z2z2 = Sm2Field.Square(q.Z);
        var u1 = Sm2Field.Mul(p.X, z2z2);
        var u2 = Sm2Field.Mul(q.X, z1z1);
        var s1 = Sm2Field.Mul(p.Y, Sm2Field.Mul(q.Z, z2z2));
        var s2 = Sm2Field.Mul(q.Y, Sm2Field.Mul(p.Z, z1z1));
        var h = Sm2Field.Sub(u2, u1);
        var r = Sm2Field.Double(Sm2Field.Sub(s2, s1));
        if (h.IsZero)
        {
            if (r.IsZero)
            {
                DoublePoint(ref p);
            }
            else
            {
                p = default;
            }
            return;
        }
        var i = Sm2Field.Square(Sm2Field.Double(h));
        var j = Sm2Field.Mul(h, i);
        var v = Sm2Field.Mul(u1, i);
        var x3 = Sm2Field.Sub(Sm2Field.Sub(Sm2Field.Square(r), j), Sm2Field.Double(v));
        var y3 = Sm2Field.Sub(Sm2Field.Mul(r, Sm2Field.Sub(v, x3)), Sm2Field.Double(Sm2Field.Mul(s1, j)));
        p.Z = Sm2Field.Mul(Sm2Field.Sub(Sm2Field.Sub(Sm2Field.Square(Sm2Field.Add(p.Z, q.Z)), z1z1), z2z2), h);
        p.X = x3;
        p.Y = y3;
    }

    /// <summary>y² = x³ − 3x + b.</summary>
    internal static bool OnCurve(in Sm2Field x, in Sm2Field y)
    {
        var right = Sm2Field.Add(Sm2Field.Sub(Sm2Field.Mul(Sm2Field.Square(x), x), Sm2Field.Mul(Three, x)), B);
        return Sm2Field.Square(y) == right;
    }

    internal static Sm2Field FieldOf(ReadOnlySpan<byte> bigEndian) =>
        Sm2Field.TryFromBytes(bigEndian, out var value) ? value : throw new InvalidOperationException("curve constant out of range");
}
