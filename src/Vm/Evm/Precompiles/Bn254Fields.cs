using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>Field operations the generic curve code (<see cref="Jacobian{F}"/>) needs; implemented by Fp and Fp2.</summary>
internal interface IBnField<T> where T : struct, IBnField<T>
{
    static abstract T Zero { get; }

    static abstract T One { get; }

    static abstract T Add(in T a, in T b);

    static abstract T Sub(in T a, in T b);

    static abstract T Mul(in T a, in T b);

    static abstract T Square(in T a);

    static abstract T Inverse(in T a);

    static abstract bool Equal(in T a, in T b);

    bool IsZero { get; }
}

/// <summary>
/// An element of the BN254 base field in Montgomery form (x·2^256 mod p) on four 64-bit limbs, little-endian.
/// Multiplication is CIOS Montgomery with the "no carry" shortcut, valid because p's top limb is below 2^63 − 1.
/// Every value is fully reduced (below p), so equality is limb equality.
/// </summary>
internal readonly struct Fp : IBnField<Fp>
{
    public readonly ulong L0, L1, L2, L3;

    private const ulong P0 = 0x3c208c16d87cfd47, P1 = 0x97816a916871ca8d, P2 = 0xb85045b68181585d, P3 = 0x30644e72e131a029;

    public static readonly BigInteger Modulus = BigInteger.Parse("21888242871839275222246405745257275088696311157297823662689037894645226208583");

    /// <summary>−p⁻¹ mod 2^64.</summary>
    private static readonly ulong NPrime = ComputeNPrime();

    private static readonly Fp R2 = FromBigIntegerRaw(BigInteger.ModPow(2, 512, Modulus));

    public static Fp Zero => default;

    public static Fp One { get; } = FromBigIntegerRaw(BigInteger.ModPow(2, 256, Modulus));

    public Fp(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        L0 = l0;
        L1 = l1;
        L2 = l2;
        L3 = l3;
    }

    public bool IsZero => (L0 | L1 | L2 | L3) == 0;

    private static ulong ComputeNPrime()
    {
        // Newton iteration for p0⁻¹ mod 2^64: each step doubles the correct low bits.
        ulong inverse = 1;
        for (var i = 0; i < 7; i++)
        {
            inverse *= 2 - P0 * inverse;
        }
        return 0 - inverse;
    }

    /// <summary>Limbs of a value already in the wanted form (no conversion).</summary>
    private static Fp FromBigIntegerRaw(BigInteger value)
    {
        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return new Fp(BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]), BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));
    }

    public static Fp FromBigInteger(BigInteger value)
    {
        var reduced = BigInteger.Remainder(value, Modulus);
        if (reduced.Sign < 0)
        {
            reduced += Modulus;
        }
        return Mul(FromBigIntegerRaw(reduced), R2);
    }

    /// <summary>Reads a 32-byte big-endian integer; false when it is not below p (EIP-196 rejects such inputs).</summary>
    public static bool TryRead(ReadOnlySpan<byte> word, out Fp value)
    {
        var l3 = BinaryPrimitives.ReadUInt64BigEndian(word);
        var l2 = BinaryPrimitives.ReadUInt64BigEndian(word[8..]);
        var l1 = BinaryPrimitives.ReadUInt64BigEndian(word[16..]);
        var l0 = BinaryPrimitives.ReadUInt64BigEndian(word[24..]);
        var raw = new Fp(l0, l1, l2, l3);
        if (!LessThanModulus(raw))
        {
            value = default;
            return false;
        }
        value = Mul(raw, R2);
        return true;
    }

    /// <summary>Writes the canonical (non-Montgomery) value as 32 bytes big-endian.</summary>
    public void Write(Span<byte> destination)
    {
        var plain = Mul(this, new Fp(1, 0, 0, 0));
        BinaryPrimitives.WriteUInt64BigEndian(destination, plain.L3);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], plain.L2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], plain.L1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], plain.L0);
    }

    private static bool LessThanModulus(in Fp a)
    {
        if (a.L3 != P3)
        {
            return a.L3 < P3;
        }
        if (a.L2 != P2)
        {
            return a.L2 < P2;
        }
        if (a.L1 != P1)
        {
            return a.L1 < P1;
        }
        return a.L0 < P0;
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
        var diff = a - b;
        var b1 = a < b ? 1UL : 0UL;
        var result = diff - borrow;
        borrow = b1 | (diff < borrow ? 1UL : 0UL);
        return result;
    }

    /// <summary>Subtracts p when the value is at least p (inputs below 2p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp Reduce(ulong t0, ulong t1, ulong t2, ulong t3)
    {
        ulong borrow = 0;
        var r0 = SubBorrow(t0, P0, ref borrow);
        var r1 = SubBorrow(t1, P1, ref borrow);
        var r2 = SubBorrow(t2, P2, ref borrow);
        var r3 = SubBorrow(t3, P3, ref borrow);
        return borrow != 0 ? new Fp(t0, t1, t2, t3) : new Fp(r0, r1, r2, r3);
    }

    public static Fp Add(in Fp a, in Fp b)
    {
        // a + b < 2p < 2^255: no carry out of the top limb.
        ulong carry = 0;
        var t0 = AddCarry(a.L0, b.L0, ref carry);
        var t1 = AddCarry(a.L1, b.L1, ref carry);
        var t2 = AddCarry(a.L2, b.L2, ref carry);
        var t3 = AddCarry(a.L3, b.L3, ref carry);
        return Reduce(t0, t1, t2, t3);
    }

    public static Fp Sub(in Fp a, in Fp b)
    {
        ulong borrow = 0;
        var t0 = SubBorrow(a.L0, b.L0, ref borrow);
        var t1 = SubBorrow(a.L1, b.L1, ref borrow);
        var t2 = SubBorrow(a.L2, b.L2, ref borrow);
        var t3 = SubBorrow(a.L3, b.L3, ref borrow);
        if (borrow == 0)
        {
            return new Fp(t0, t1, t2, t3);
        }
        ulong carry = 0;
        t0 = AddCarry(t0, P0, ref carry);
        t1 = AddCarry(t1, P1, ref carry);
        t2 = AddCarry(t2, P2, ref carry);
        t3 = AddCarry(t3, P3, ref carry);
        return new Fp(t0, t1, t2, t3);
    }

    public static Fp Negate(in Fp a) => a.IsZero ? a : Sub(Zero, a);

    public static Fp Double(in Fp a) => Add(a, a);

    /// <summary>
    /// Montgomery product a·b·2^-256 mod p: four CIOS rounds, each t = (t + a·b_i + m·p) / 2^64 with m chosen so the low
    /// limb vanishes, written out in full (the JIT did not inline a per-round helper with by-ref accumulators).
    /// </summary>
    public static Fp Mul(in Fp a, in Fp b)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3;
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, hi, lo, c, c2, m, u;
        var b0 = b.L0;
        hi = Math.BigMul(a0, b0, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; u = lo; c = hi;
        m = u * NPrime;
        hi = Math.BigMul(m, P0, out lo); lo += u; c2 = hi + (lo < u ? 1UL : 0UL);
        hi = Math.BigMul(a1, b0, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P1, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t0 = lo; c2 = hi;
        hi = Math.BigMul(a2, b0, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P2, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t1 = lo; c2 = hi;
        hi = Math.BigMul(a3, b0, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P3, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t2 = lo; c2 = hi;
        t3 = c + c2;
        var b1 = b.L1;
        hi = Math.BigMul(a0, b1, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; u = lo; c = hi;
        m = u * NPrime;
        hi = Math.BigMul(m, P0, out lo); lo += u; c2 = hi + (lo < u ? 1UL : 0UL);
        hi = Math.BigMul(a1, b1, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P1, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t0 = lo; c2 = hi;
        hi = Math.BigMul(a2, b1, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P2, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t1 = lo; c2 = hi;
        hi = Math.BigMul(a3, b1, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P3, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t2 = lo; c2 = hi;
        t3 = c + c2;
        var b2 = b.L2;
        hi = Math.BigMul(a0, b2, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; u = lo; c = hi;
        m = u * NPrime;
        hi = Math.BigMul(m, P0, out lo); lo += u; c2 = hi + (lo < u ? 1UL : 0UL);
        hi = Math.BigMul(a1, b2, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P1, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t0 = lo; c2 = hi;
        hi = Math.BigMul(a2, b2, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P2, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t1 = lo; c2 = hi;
        hi = Math.BigMul(a3, b2, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P3, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t2 = lo; c2 = hi;
        t3 = c + c2;
        var b3 = b.L3;
        hi = Math.BigMul(a0, b3, out lo); lo += t0; hi += lo < t0 ? 1UL : 0UL; u = lo; c = hi;
        m = u * NPrime;
        hi = Math.BigMul(m, P0, out lo); lo += u; c2 = hi + (lo < u ? 1UL : 0UL);
        hi = Math.BigMul(a1, b3, out lo); lo += t1; hi += lo < t1 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P1, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t0 = lo; c2 = hi;
        hi = Math.BigMul(a2, b3, out lo); lo += t2; hi += lo < t2 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P2, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t1 = lo; c2 = hi;
        hi = Math.BigMul(a3, b3, out lo); lo += t3; hi += lo < t3 ? 1UL : 0UL; lo += c; hi += lo < c ? 1UL : 0UL; u = lo; c = hi;
        hi = Math.BigMul(m, P3, out lo); lo += u; hi += lo < u ? 1UL : 0UL; lo += c2; hi += lo < c2 ? 1UL : 0UL; t2 = lo; c2 = hi;
        t3 = c + c2;
        return Reduce(t0, t1, t2, t3);
    }

    public static Fp Square(in Fp a) => Mul(a, a);

    /// <summary>R³ mod p as raw limbs: turns the plain inverse of a Montgomery value aR into the Montgomery form of a⁻¹.</summary>
    private static readonly Fp R3 = FromBigIntegerRaw(BigInteger.ModPow(2, 768, Modulus));

    private static readonly Fp ModulusLimbs = new(P0, P1, P2, P3);

    /// <summary>
    /// a⁻¹ by the binary extended Euclidean algorithm on the limbs (several times cheaper than a^(p−2) with 380
    /// multiplications; inputs are public, so variable time is fine). Zero maps to zero.
    /// </summary>
    public static Fp Inverse(in Fp a)
    {
        if (a.IsZero)
        {
            return a;
        }
        // Invariants: x1·(aR) ≡ u and x2·(aR) ≡ v (mod p); u, v shrink until one of them is 1.
        var u = a;
        var v = ModulusLimbs;
        var x1 = new Fp(1, 0, 0, 0);
        var x2 = Zero;
        while (!IsRawOne(u) && !IsRawOne(v))
        {
            while ((u.L0 & 1) == 0)
            {
                u = Half(u);
                x1 = HalfModP(x1);
            }
            while ((v.L0 & 1) == 0)
            {
                v = Half(v);
                x2 = HalfModP(x2);
            }
            if (!LessThan(u, v))
            {
                u = SubRaw(u, v);
                x1 = Sub(x1, x2);
            }
            else
            {
                v = SubRaw(v, u);
                x2 = Sub(x2, x1);
            }
        }
        // (aR)⁻¹ · R³ · R⁻¹ = a⁻¹ · R.
        return Mul(IsRawOne(u) ? x1 : x2, R3);
    }

    private static bool IsRawOne(in Fp a) => a.L0 == 1 && (a.L1 | a.L2 | a.L3) == 0;

    private static Fp Half(in Fp a) => new((a.L0 >> 1) | (a.L1 << 63), (a.L1 >> 1) | (a.L2 << 63), (a.L2 >> 1) | (a.L3 << 63), a.L3 >> 1);

    /// <summary>x/2 mod p for x below p: (x + p)/2 when x is odd (x + p is below 2^255, so nothing overflows).</summary>
    private static Fp HalfModP(in Fp x)
    {
        if ((x.L0 & 1) == 0)
        {
            return Half(x);
        }
        ulong carry = 0;
        var t0 = AddCarry(x.L0, P0, ref carry);
        var t1 = AddCarry(x.L1, P1, ref carry);
        var t2 = AddCarry(x.L2, P2, ref carry);
        var t3 = AddCarry(x.L3, P3, ref carry);
        return Half(new Fp(t0, t1, t2, t3));
    }

    private static bool LessThan(in Fp a, in Fp b)
    {
        if (a.L3 != b.L3)
        {
            return a.L3 < b.L3;
        }
        if (a.L2 != b.L2)
        {
            return a.L2 < b.L2;
        }
        if (a.L1 != b.L1)
        {
            return a.L1 < b.L1;
        }
        return a.L0 < b.L0;
    }

    private static Fp SubRaw(in Fp a, in Fp b)
    {
        ulong borrow = 0;
        var t0 = SubBorrow(a.L0, b.L0, ref borrow);
        var t1 = SubBorrow(a.L1, b.L1, ref borrow);
        var t2 = SubBorrow(a.L2, b.L2, ref borrow);
        var t3 = SubBorrow(a.L3, b.L3, ref borrow);
        return new Fp(t0, t1, t2, t3);
    }

    public static bool Equal(in Fp a, in Fp b) => ((a.L0 ^ b.L0) | (a.L1 ^ b.L1) | (a.L2 ^ b.L2) | (a.L3 ^ b.L3)) == 0;
}

/// <summary>Fp2 = Fp[u]/(u² + 1): c0 + c1·u.</summary>
internal readonly struct Fp2 : IBnField<Fp2>
{
    public readonly Fp C0, C1;

    public Fp2(in Fp c0, in Fp c1)
    {
        C0 = c0;
        C1 = c1;
    }

    public static Fp2 Zero => default;

    public static Fp2 One => new(Fp.One, Fp.Zero);

    public bool IsZero => C0.IsZero && C1.IsZero;

    public static Fp2 Add(in Fp2 a, in Fp2 b) => new(Fp.Add(a.C0, b.C0), Fp.Add(a.C1, b.C1));

    public static Fp2 Sub(in Fp2 a, in Fp2 b) => new(Fp.Sub(a.C0, b.C0), Fp.Sub(a.C1, b.C1));

    public static Fp2 Negate(in Fp2 a) => new(Fp.Negate(a.C0), Fp.Negate(a.C1));

    public static Fp2 Conjugate(in Fp2 a) => new(a.C0, Fp.Negate(a.C1));

    public static Fp2 Mul(in Fp2 a, in Fp2 b)
    {
        // Karatsuba: three base-field multiplications.
        var v0 = Fp.Mul(a.C0, b.C0);
        var v1 = Fp.Mul(a.C1, b.C1);
        var cross = Fp.Mul(Fp.Add(a.C0, a.C1), Fp.Add(b.C0, b.C1));
        return new(Fp.Sub(v0, v1), Fp.Sub(Fp.Sub(cross, v0), v1));
    }

    public static Fp2 MulByFp(in Fp2 a, in Fp b) => new(Fp.Mul(a.C0, b), Fp.Mul(a.C1, b));

    public static Fp2 Square(in Fp2 a)
    {
        var product = Fp.Mul(a.C0, a.C1);
        return new(Fp.Mul(Fp.Add(a.C0, a.C1), Fp.Sub(a.C0, a.C1)), Fp.Add(product, product));
    }

    /// <summary>Multiplication by ξ = 9 + u, the non-residue that builds Fp6: (9a − b) + (a + 9b)·u.</summary>
    public static Fp2 MulByXi(in Fp2 a)
    {
        var nine0 = Fp.Add(Fp.Double(Fp.Double(Fp.Double(a.C0))), a.C0);
        var nine1 = Fp.Add(Fp.Double(Fp.Double(Fp.Double(a.C1))), a.C1);
        return new(Fp.Sub(nine0, a.C1), Fp.Add(a.C0, nine1));
    }

    public static Fp2 Inverse(in Fp2 a)
    {
        var norm = Fp.Inverse(Fp.Add(Fp.Square(a.C0), Fp.Square(a.C1)));
        return new(Fp.Mul(a.C0, norm), Fp.Negate(Fp.Mul(a.C1, norm)));
    }

    public static bool Equal(in Fp2 a, in Fp2 b) => Fp.Equal(a.C0, b.C0) && Fp.Equal(a.C1, b.C1);

    public static Fp2 Pow(Fp2 a, BigInteger exponent)
    {
        var result = One;
        for (var i = (int)exponent.GetBitLength() - 1; i >= 0; i--)
        {
            result = Square(result);
            if (!(exponent >> i).IsEven)
            {
                result = Mul(result, a);
            }
        }
        return result;
    }
}
