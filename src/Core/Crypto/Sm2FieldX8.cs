using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Eight elements of the SM2 prime field at once, one per 64-bit lane of AVX-512 vectors: nine 29-bit limbs (261 bits),
/// limb i of all eight lanes in one <see cref="Vector512{T}"/>. For verifying eight signatures in one pass.
/// </summary>
/// <remarks>
/// vpmuludq multiplies 32-bit halves into 64-bit products, so a column of nine products of 29-bit limbs stays below 2^62
/// and no carry is ever tested, which is what makes the scalar <see cref="Sm2Field"/> slow. Multiplication is Montgomery
/// with R = 2^261 (−p⁻¹ ≡ 1 mod 2^29) and adds m·p = m·(2^256 − 2^224 − 2^96 + 2^64 − 1) as m shifted into four 64-bit
/// columns. A lane holds x·2^261 mod p (not <see cref="Sm2Field"/>'s x·2^256): see <see cref="SetLane"/>.
/// Invariant between operations: limbs in [0, 2^29), value below 2p (any value; zero is 0 or p).
/// Variable-time is fine: verification's inputs are public.
/// </remarks>
[InlineArray(Limbs)]
internal struct Sm2FieldX8
{
    public const int Limbs = 9;
    private const int Radix = 29;
    private const long Mask = (1L << Radix) - 1;

    private Vector512<long> _limb;

    /// <summary>p in 29-bit limbs.</summary>
    private static ReadOnlySpan<long> PrimeLimbs => [536870911, 536870911, 63, 536870400, 536870911, 536870911, 536870911, 534773759, 16777215];

    /// <summary>Montgomery form of 32 and of 32⁻¹ in the scalar field: they move values between 2^256 and 2^261 forms.</summary>
    private static readonly Sm2Field ThirtyTwo = Sm2Field.TryFromLimbs(32, 0, 0, 0, out var value) ? value : default;
    private static readonly Sm2Field ThirtyTwoInverse = Sm2Field.Invert(ThirtyTwo);

    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>a·b·2^-261 mod p, lane by lane, written out so that the 19 column sums stay in registers.</summary>
    public static Sm2FieldX8 Mul(in Sm2FieldX8 a, in Sm2FieldX8 b)
    {
        var mask = Vector512.Create(Mask);
        var a0 = a[0].AsUInt32();
        var a1 = a[1].AsUInt32();
        var a2 = a[2].AsUInt32();
        var a3 = a[3].AsUInt32();
        var a4 = a[4].AsUInt32();
        var a5 = a[5].AsUInt32();
        var a6 = a[6].AsUInt32();
        var a7 = a[7].AsUInt32();
        var a8 = a[8].AsUInt32();
        var b0 = b[0].AsUInt32();
        var b1 = b[1].AsUInt32();
        var b2 = b[2].AsUInt32();
        var b3 = b[3].AsUInt32();
        var b4 = b[4].AsUInt32();
        var b5 = b[5].AsUInt32();
        var b6 = b[6].AsUInt32();
        var b7 = b[7].AsUInt32();
        var b8 = b[8].AsUInt32();
        var c0 = Avx512F.Multiply(a0, b0).AsInt64();
        var c1 = Avx512F.Multiply(a0, b1).AsInt64()
            + Avx512F.Multiply(a1, b0).AsInt64();
        var c2 = Avx512F.Multiply(a0, b2).AsInt64()
            + Avx512F.Multiply(a1, b1).AsInt64()
            + Avx512F.Multiply(a2, b0).AsInt64();
        var c3 = Avx512F.Multiply(a0, b3).AsInt64()
            + Avx512F.Multiply(a1, b2).AsInt64()
            + Avx512F.Multiply(a2, b1).AsInt64()
            + Avx512F.Multiply(a3, b0).AsInt64();
        var c4 = Avx512F.Multiply(a0, b4).AsInt64()
            + Avx512F.Multiply(a1, b3).AsInt64()
            + Avx512F.Multiply(a2, b2).AsInt64()
            + Avx512F.Multiply(a3, b1).AsInt64()
            + Avx512F.Multiply(a4, b0).AsInt64();
        var c5 = Avx512F.Multiply(a0, b5).AsInt64()
            + Avx512F.Multiply(a1, b4).AsInt64()
            + Avx512F.Multiply(a2, b3).AsInt64()
            + Avx512F.Multiply(a3, b2).AsInt64()
            + Avx512F.Multiply(a4, b1).AsInt64()
            + Avx512F.Multiply(a5, b0).AsInt64();
        var c6 = Avx512F.Multiply(a0, b6).AsInt64()
            + Avx512F.Multiply(a1, b5).AsInt64()
            + Avx512F.Multiply(a2, b4).AsInt64()
            + Avx512F.Multiply(a3, b3).AsInt64()
            + Avx512F.Multiply(a4, b2).AsInt64()
            + Avx512F.Multiply(a5, b1).AsInt64()
            + Avx512F.Multiply(a6, b0).AsInt64();
        var c7 = Avx512F.Multiply(a0, b7).AsInt64()
            + Avx512F.Multiply(a1, b6).AsInt64()
            + Avx512F.Multiply(a2, b5).AsInt64()
            + Avx512F.Multiply(a3, b4).AsInt64()
            + Avx512F.Multiply(a4, b3).AsInt64()
            + Avx512F.Multiply(a5, b2).AsInt64()
            + Avx512F.Multiply(a6, b1).AsInt64()
            + Avx512F.Multiply(a7, b0).AsInt64();
        var c8 = Avx512F.Multiply(a0, b8).AsInt64()
            + Avx512F.Multiply(a1, b7).AsInt64()
            + Avx512F.Multiply(a2, b6).AsInt64()
            + Avx512F.Multiply(a3, b5).AsInt64()
            + Avx512F.Multiply(a4, b4).AsInt64()
            + Avx512F.Multiply(a5, b3).AsInt64()
            + Avx512F.Multiply(a6, b2).AsInt64()
            + Avx512F.Multiply(a7, b1).AsInt64()
            + Avx512F.Multiply(a8, b0).AsInt64();
        var c9 = Avx512F.Multiply(a1, b8).AsInt64()
            + Avx512F.Multiply(a2, b7).AsInt64()
            + Avx512F.Multiply(a3, b6).AsInt64()
            + Avx512F.Multiply(a4, b5).AsInt64()
            + Avx512F.Multiply(a5, b4).AsInt64()
            + Avx512F.Multiply(a6, b3).AsInt64()
            + Avx512F.Multiply(a7, b2).AsInt64()
            + Avx512F.Multiply(a8, b1).AsInt64();
        var c10 = Avx512F.Multiply(a2, b8).AsInt64()
            + Avx512F.Multiply(a3, b7).AsInt64()
            + Avx512F.Multiply(a4, b6).AsInt64()
            + Avx512F.Multiply(a5, b5).AsInt64()
            + Avx512F.Multiply(a6, b4).AsInt64()
            + Avx512F.Multiply(a7, b3).AsInt64()
            + Avx512F.Multiply(a8, b2).AsInt64();
        var c11 = Avx512F.Multiply(a3, b8).AsInt64()
            + Avx512F.Multiply(a4, b7).AsInt64()
            + Avx512F.Multiply(a5, b6).AsInt64()
            + Avx512F.Multiply(a6, b5).AsInt64()
            + Avx512F.Multiply(a7, b4).AsInt64()
            + Avx512F.Multiply(a8, b3).AsInt64();
        var c12 = Avx512F.Multiply(a4, b8).AsInt64()
            + Avx512F.Multiply(a5, b7).AsInt64()
            + Avx512F.Multiply(a6, b6).AsInt64()
            + Avx512F.Multiply(a7, b5).AsInt64()
            + Avx512F.Multiply(a8, b4).AsInt64();
        var c13 = Avx512F.Multiply(a5, b8).AsInt64()
            + Avx512F.Multiply(a6, b7).AsInt64()
            + Avx512F.Multiply(a7, b6).AsInt64()
            + Avx512F.Multiply(a8, b5).AsInt64();
        var c14 = Avx512F.Multiply(a6, b8).AsInt64()
            + Avx512F.Multiply(a7, b7).AsInt64()
            + Avx512F.Multiply(a8, b6).AsInt64();
        var c15 = Avx512F.Multiply(a7, b8).AsInt64()
            + Avx512F.Multiply(a8, b7).AsInt64();
        var c16 = Avx512F.Multiply(a8, b8).AsInt64();
        var c17 = Vector512<long>.Zero;
        var c18 = Vector512<long>.Zero;
        Vector512<long> m;
        m = c0 & mask;
        c1 += Avx512F.ShiftRightArithmetic(c0 - m, Radix);
        c2 += Avx512F.ShiftLeftLogical(m, 6);
        c3 -= Avx512F.ShiftLeftLogical(m, 9);
        c7 -= Avx512F.ShiftLeftLogical(m, 21);
        c8 += Avx512F.ShiftLeftLogical(m, 24);
        m = c1 & mask;
        c2 += Avx512F.ShiftRightArithmetic(c1 - m, Radix);
        c3 += Avx512F.ShiftLeftLogical(m, 6);
        c4 -= Avx512F.ShiftLeftLogical(m, 9);
        c8 -= Avx512F.ShiftLeftLogical(m, 21);
        c9 += Avx512F.ShiftLeftLogical(m, 24);
        m = c2 & mask;
        c3 += Avx512F.ShiftRightArithmetic(c2 - m, Radix);
        c4 += Avx512F.ShiftLeftLogical(m, 6);
        c5 -= Avx512F.ShiftLeftLogical(m, 9);
        c9 -= Avx512F.ShiftLeftLogical(m, 21);
        c10 += Avx512F.ShiftLeftLogical(m, 24);
        m = c3 & mask;
        c4 += Avx512F.ShiftRightArithmetic(c3 - m, Radix);
        c5 += Avx512F.ShiftLeftLogical(m, 6);
        c6 -= Avx512F.ShiftLeftLogical(m, 9);
        c10 -= Avx512F.ShiftLeftLogical(m, 21);
        c11 += Avx512F.ShiftLeftLogical(m, 24);
        m = c4 & mask;
        c5 += Avx512F.ShiftRightArithmetic(c4 - m, Radix);
        c6 += Avx512F.ShiftLeftLogical(m, 6);
        c7 -= Avx512F.ShiftLeftLogical(m, 9);
        c11 -= Avx512F.ShiftLeftLogical(m, 21);
        c12 += Avx512F.ShiftLeftLogical(m, 24);
        m = c5 & mask;
        c6 += Avx512F.ShiftRightArithmetic(c5 - m, Radix);
        c7 += Avx512F.ShiftLeftLogical(m, 6);
        c8 -= Avx512F.ShiftLeftLogical(m, 9);
        c12 -= Avx512F.ShiftLeftLogical(m, 21);
        c13 += Avx512F.ShiftLeftLogical(m, 24);
        m = c6 & mask;
        c7 += Avx512F.ShiftRightArithmetic(c6 - m, Radix);
        c8 += Avx512F.ShiftLeftLogical(m, 6);
        c9 -= Avx512F.ShiftLeftLogical(m, 9);
        c13 -= Avx512F.ShiftLeftLogical(m, 21);
        c14 += Avx512F.ShiftLeftLogical(m, 24);
        m = c7 & mask;
        c8 += Avx512F.ShiftRightArithmetic(c7 - m, Radix);
        c9 += Avx512F.ShiftLeftLogical(m, 6);
        c10 -= Avx512F.ShiftLeftLogical(m, 9);
        c14 -= Avx512F.ShiftLeftLogical(m, 21);
        c15 += Avx512F.ShiftLeftLogical(m, 24);
        m = c8 & mask;
        c9 += Avx512F.ShiftRightArithmetic(c8 - m, Radix);
        c10 += Avx512F.ShiftLeftLogical(m, 6);
        c11 -= Avx512F.ShiftLeftLogical(m, 9);
        c15 -= Avx512F.ShiftLeftLogical(m, 21);
        c16 += Avx512F.ShiftLeftLogical(m, 24);
        Unsafe.SkipInit(out Sm2FieldX8 result);
        result[0] = c9 & mask;
        c10 += Avx512F.ShiftRightArithmetic(c9, Radix);
        result[1] = c10 & mask;
        c11 += Avx512F.ShiftRightArithmetic(c10, Radix);
        result[2] = c11 & mask;
        c12 += Avx512F.ShiftRightArithmetic(c11, Radix);
        result[3] = c12 & mask;
        c13 += Avx512F.ShiftRightArithmetic(c12, Radix);
        result[4] = c13 & mask;
        c14 += Avx512F.ShiftRightArithmetic(c13, Radix);
        result[5] = c14 & mask;
        c15 += Avx512F.ShiftRightArithmetic(c14, Radix);
        result[6] = c15 & mask;
        c16 += Avx512F.ShiftRightArithmetic(c15, Radix);
        result[7] = c16 & mask;
        c17 += Avx512F.ShiftRightArithmetic(c16, Radix);
        result[8] = c17;
        return result;
    }

    /// <summary>a²·2^-261 mod p: 45 products instead of 81 (cross products against doubled limbs).</summary>
    public static Sm2FieldX8 Square(in Sm2FieldX8 a)
    {
        var mask = Vector512.Create(Mask);
        var a0 = a[0].AsUInt32();
        var a1 = a[1].AsUInt32();
        var a2 = a[2].AsUInt32();
        var a3 = a[3].AsUInt32();
        var a4 = a[4].AsUInt32();
        var a5 = a[5].AsUInt32();
        var a6 = a[6].AsUInt32();
        var a7 = a[7].AsUInt32();
        var a8 = a[8].AsUInt32();
        var d0 = (a[0] + a[0]).AsUInt32();
        var d1 = (a[1] + a[1]).AsUInt32();
        var d2 = (a[2] + a[2]).AsUInt32();
        var d3 = (a[3] + a[3]).AsUInt32();
        var d4 = (a[4] + a[4]).AsUInt32();
        var d5 = (a[5] + a[5]).AsUInt32();
        var d6 = (a[6] + a[6]).AsUInt32();
        var d7 = (a[7] + a[7]).AsUInt32();
        var d8 = (a[8] + a[8]).AsUInt32();
        var c0 = Avx512F.Multiply(a0, a0).AsInt64();
        var c1 = Avx512F.Multiply(a0, d1).AsInt64();
        var c2 = Avx512F.Multiply(a0, d2).AsInt64()
            + Avx512F.Multiply(a1, a1).AsInt64();
        var c3 = Avx512F.Multiply(a0, d3).AsInt64()
            + Avx512F.Multiply(a1, d2).AsInt64();
        var c4 = Avx512F.Multiply(a0, d4).AsInt64()
            + Avx512F.Multiply(a1, d3).AsInt64()
            + Avx512F.Multiply(a2, a2).AsInt64();
        var c5 = Avx512F.Multiply(a0, d5).AsInt64()
            + Avx512F.Multiply(a1, d4).AsInt64()
            + Avx512F.Multiply(a2, d3).AsInt64();
        var c6 = Avx512F.Multiply(a0, d6).AsInt64()
            + Avx512F.Multiply(a1, d5).AsInt64()
            + Avx512F.Multiply(a2, d4).AsInt64()
            + Avx512F.Multiply(a3, a3).AsInt64();
        var c7 = Avx512F.Multiply(a0, d7).AsInt64()
            + Avx512F.Multiply(a1, d6).AsInt64()
            + Avx512F.Multiply(a2, d5).AsInt64()
            + Avx512F.Multiply(a3, d4).AsInt64();
        var c8 = Avx512F.Multiply(a0, d8).AsInt64()
            + Avx512F.Multiply(a1, d7).AsInt64()
            + Avx512F.Multiply(a2, d6).AsInt64()
            + Avx512F.Multiply(a3, d5).AsInt64()
            + Avx512F.Multiply(a4, a4).AsInt64();
        var c9 = Avx512F.Multiply(a1, d8).AsInt64()
            + Avx512F.Multiply(a2, d7).AsInt64()
            + Avx512F.Multiply(a3, d6).AsInt64()
            + Avx512F.Multiply(a4, d5).AsInt64();
        var c10 = Avx512F.Multiply(a2, d8).AsInt64()
            + Avx512F.Multiply(a3, d7).AsInt64()
            + Avx512F.Multiply(a4, d6).AsInt64()
            + Avx512F.Multiply(a5, a5).AsInt64();
        var c11 = Avx512F.Multiply(a3, d8).AsInt64()
            + Avx512F.Multiply(a4, d7).AsInt64()
            + Avx512F.Multiply(a5, d6).AsInt64();
        var c12 = Avx512F.Multiply(a4, d8).AsInt64()
            + Avx512F.Multiply(a5, d7).AsInt64()
            + Avx512F.Multiply(a6, a6).AsInt64();
        var c13 = Avx512F.Multiply(a5, d8).AsInt64()
            + Avx512F.Multiply(a6, d7).AsInt64();
        var c14 = Avx512F.Multiply(a6, d8).AsInt64()
            + Avx512F.Multiply(a7, a7).AsInt64();
        var c15 = Avx512F.Multiply(a7, d8).AsInt64();
        var c16 = Avx512F.Multiply(a8, a8).AsInt64();
        var c17 = Vector512<long>.Zero;
        var c18 = Vector512<long>.Zero;
        Vector512<long> m;
        m = c0 & mask;
        c1 += Avx512F.ShiftRightArithmetic(c0 - m, Radix);
        c2 += Avx512F.ShiftLeftLogical(m, 6);
        c3 -= Avx512F.ShiftLeftLogical(m, 9);
        c7 -= Avx512F.ShiftLeftLogical(m, 21);
        c8 += Avx512F.ShiftLeftLogical(m, 24);
        m = c1 & mask;
        c2 += Avx512F.ShiftRightArithmetic(c1 - m, Radix);
        c3 += Avx512F.ShiftLeftLogical(m, 6);
        c4 -= Avx512F.ShiftLeftLogical(m, 9);
        c8 -= Avx512F.ShiftLeftLogical(m, 21);
        c9 += Avx512F.ShiftLeftLogical(m, 24);
        m = c2 & mask;
        c3 += Avx512F.ShiftRightArithmetic(c2 - m, Radix);
        c4 += Avx512F.ShiftLeftLogical(m, 6);
        c5 -= Avx512F.ShiftLeftLogical(m, 9);
        c9 -= Avx512F.ShiftLeftLogical(m, 21);
        c10 += Avx512F.ShiftLeftLogical(m, 24);
        m = c3 & mask;
        c4 += Avx512F.ShiftRightArithmetic(c3 - m, Radix);
        c5 += Avx512F.ShiftLeftLogical(m, 6);
        c6 -= Avx512F.ShiftLeftLogical(m, 9);
        c10 -= Avx512F.ShiftLeftLogical(m, 21);
        c11 += Avx512F.ShiftLeftLogical(m, 24);
        m = c4 & mask;
        c5 += Avx512F.ShiftRightArithmetic(c4 - m, Radix);
        c6 += Avx512F.ShiftLeftLogical(m, 6);
        c7 -= Avx512F.ShiftLeftLogical(m, 9);
        c11 -= Avx512F.ShiftLeftLogical(m, 21);
        c12 += Avx512F.ShiftLeftLogical(m, 24);
        m = c5 & mask;
        c6 += Avx512F.ShiftRightArithmetic(c5 - m, Radix);
        c7 += Avx512F.ShiftLeftLogical(m, 6);
        c8 -= Avx512F.ShiftLeftLogical(m, 9);
        c12 -= Avx512F.ShiftLeftLogical(m, 21);
        c13 += Avx512F.ShiftLeftLogical(m, 24);
        m = c6 & mask;
        c7 += Avx512F.ShiftRightArithmetic(c6 - m, Radix);
        c8 += Avx512F.ShiftLeftLogical(m, 6);
        c9 -= Avx512F.ShiftLeftLogical(m, 9);
        c13 -= Avx512F.ShiftLeftLogical(m, 21);
        c14 += Avx512F.ShiftLeftLogical(m, 24);
        m = c7 & mask;
        c8 += Avx512F.ShiftRightArithmetic(c7 - m, Radix);
        c9 += Avx512F.ShiftLeftLogical(m, 6);
        c10 -= Avx512F.ShiftLeftLogical(m, 9);
        c14 -= Avx512F.ShiftLeftLogical(m, 21);
        c15 += Avx512F.ShiftLeftLogical(m, 24);
        m = c8 & mask;
        c9 += Avx512F.ShiftRightArithmetic(c8 - m, Radix);
        c10 += Avx512F.ShiftLeftLogical(m, 6);
        c11 -= Avx512F.ShiftLeftLogical(m, 9);
        c15 -= Avx512F.ShiftLeftLogical(m, 21);
        c16 += Avx512F.ShiftLeftLogical(m, 24);
        Unsafe.SkipInit(out Sm2FieldX8 result);
        result[0] = c9 & mask;
        c10 += Avx512F.ShiftRightArithmetic(c9, Radix);
        result[1] = c10 & mask;
        c11 += Avx512F.ShiftRightArithmetic(c10, Radix);
        result[2] = c11 & mask;
        c12 += Avx512F.ShiftRightArithmetic(c11, Radix);
        result[3] = c12 & mask;
        c13 += Avx512F.ShiftRightArithmetic(c12, Radix);
        result[4] = c13 & mask;
        c14 += Avx512F.ShiftRightArithmetic(c13, Radix);
        result[5] = c14 & mask;
        c15 += Avx512F.ShiftRightArithmetic(c14, Radix);
        result[6] = c15 & mask;
        c16 += Avx512F.ShiftRightArithmetic(c15, Radix);
        result[7] = c16 & mask;
        c17 += Avx512F.ShiftRightArithmetic(c16, Radix);
        result[8] = c17;
        return result;
    }

    /// <summary>(a + b), weakly reduced (see <see cref="Sub"/>).</summary>
    public static Sm2FieldX8 Add(in Sm2FieldX8 a, in Sm2FieldX8 b)
    {
        var mask = Vector512.Create(Mask);
        var x0 = a[0] + b[0];
        var x1 = a[1] + b[1];
        var x2 = a[2] + b[2];
        var x3 = a[3] + b[3];
        var x4 = a[4] + b[4];
        var x5 = a[5] + b[5];
        var x6 = a[6] + b[6];
        var x7 = a[7] + b[7];
        var x8 = a[8] + b[8];
        x1 += Avx512F.ShiftRightArithmetic(x0, Radix);
        x0 &= mask;
        x2 += Avx512F.ShiftRightArithmetic(x1, Radix);
        x1 &= mask;
        x3 += Avx512F.ShiftRightArithmetic(x2, Radix);
        x2 &= mask;
        x4 += Avx512F.ShiftRightArithmetic(x3, Radix);
        x3 &= mask;
        x5 += Avx512F.ShiftRightArithmetic(x4, Radix);
        x4 &= mask;
        x6 += Avx512F.ShiftRightArithmetic(x5, Radix);
        x5 &= mask;
        x7 += Avx512F.ShiftRightArithmetic(x6, Radix);
        x6 &= mask;
        x8 += Avx512F.ShiftRightArithmetic(x7, Radix);
        x7 &= mask;
        var q = Avx512F.ShiftRightArithmetic(x8, 24);
        x8 &= Vector512.Create((1L << 24) - 1);
        x0 += q;
        x2 -= Avx512F.ShiftLeftLogical(q, 6);
        x3 += Avx512F.ShiftLeftLogical(q, 9);
        x7 += Avx512F.ShiftLeftLogical(q, 21);
        x1 += Avx512F.ShiftRightArithmetic(x0, Radix);
        x0 &= mask;
        x2 += Avx512F.ShiftRightArithmetic(x1, Radix);
        x1 &= mask;
        x3 += Avx512F.ShiftRightArithmetic(x2, Radix);
        x2 &= mask;
        x4 += Avx512F.ShiftRightArithmetic(x3, Radix);
        x3 &= mask;
        x5 += Avx512F.ShiftRightArithmetic(x4, Radix);
        x4 &= mask;
        x6 += Avx512F.ShiftRightArithmetic(x5, Radix);
        x5 &= mask;
        x7 += Avx512F.ShiftRightArithmetic(x6, Radix);
        x6 &= mask;
        x8 += Avx512F.ShiftRightArithmetic(x7, Radix);
        x7 &= mask;
        Unsafe.SkipInit(out Sm2FieldX8 result);
        result[0] = x0;
        result[1] = x1;
        result[2] = x2;
        result[3] = x3;
        result[4] = x4;
        result[5] = x5;
        result[6] = x6;
        result[7] = x7;
        result[8] = x8;
        return result;
    }

    /// <summary>
    /// a − b + 4p (4p with its limbs spread so that no limb goes negative), then weakly reduced: limbs normalized by
    /// arithmetic shifts, and the bits from 2^256 up folded back with 2^256 ≡ 2^224 + 2^96 − 2^64 + 1. For inputs below
    /// 2p the result is below 2^256 + 2^228 &lt; 2p. Written out so that the limbs stay in registers.
    /// </summary>
    public static Sm2FieldX8 Sub(in Sm2FieldX8 a, in Sm2FieldX8 b)
    {
        var mask = Vector512.Create(Mask);
        // 4p with its limbs spread downwards, so that each covers any normalized limb of a value below 2p.
        var x0 = a[0] + Vector512.Create(1073741820L) - b[0];
        var x1 = a[1] + Vector512.Create(1073741822L) - b[1];
        var x2 = a[2] + Vector512.Create(536871166L) - b[2];
        var x3 = a[3] + Vector512.Create(1073739775L) - b[3];
        var x4 = a[4] + Vector512.Create(1073741822L) - b[4];
        var x5 = a[5] + Vector512.Create(1073741822L) - b[5];
        var x6 = a[6] + Vector512.Create(1073741822L) - b[6];
        var x7 = a[7] + Vector512.Create(1065353214L) - b[7];
        var x8 = a[8] + Vector512.Create(67108862L) - b[8];
        x1 += Avx512F.ShiftRightArithmetic(x0, Radix);
        x0 &= mask;
        x2 += Avx512F.ShiftRightArithmetic(x1, Radix);
        x1 &= mask;
        x3 += Avx512F.ShiftRightArithmetic(x2, Radix);
        x2 &= mask;
        x4 += Avx512F.ShiftRightArithmetic(x3, Radix);
        x3 &= mask;
        x5 += Avx512F.ShiftRightArithmetic(x4, Radix);
        x4 &= mask;
        x6 += Avx512F.ShiftRightArithmetic(x5, Radix);
        x5 &= mask;
        x7 += Avx512F.ShiftRightArithmetic(x6, Radix);
        x6 &= mask;
        x8 += Avx512F.ShiftRightArithmetic(x7, Radix);
        x7 &= mask;
        var q = Avx512F.ShiftRightArithmetic(x8, 24);
        x8 &= Vector512.Create((1L << 24) - 1);
        x0 += q;
        x2 -= Avx512F.ShiftLeftLogical(q, 6);
        x3 += Avx512F.ShiftLeftLogical(q, 9);
        x7 += Avx512F.ShiftLeftLogical(q, 21);
        x1 += Avx512F.ShiftRightArithmetic(x0, Radix);
        x0 &= mask;
        x2 += Avx512F.ShiftRightArithmetic(x1, Radix);
        x1 &= mask;
        x3 += Avx512F.ShiftRightArithmetic(x2, Radix);
        x2 &= mask;
        x4 += Avx512F.ShiftRightArithmetic(x3, Radix);
        x3 &= mask;
        x5 += Avx512F.ShiftRightArithmetic(x4, Radix);
        x4 &= mask;
        x6 += Avx512F.ShiftRightArithmetic(x5, Radix);
        x5 &= mask;
        x7 += Avx512F.ShiftRightArithmetic(x6, Radix);
        x6 &= mask;
        x8 += Avx512F.ShiftRightArithmetic(x7, Radix);
        x7 &= mask;
        Unsafe.SkipInit(out Sm2FieldX8 result);
        result[0] = x0;
        result[1] = x1;
        result[2] = x2;
        result[3] = x3;
        result[4] = x4;
        result[5] = x5;
        result[6] = x6;
        result[7] = x7;
        result[8] = x8;
        return result;
    }

    public static Sm2FieldX8 Double(in Sm2FieldX8 a) => Add(a, a);

    /// <summary>Per lane: <paramref name="whenSet"/> where the mask is all ones, else <paramref name="whenClear"/>.</summary>
    public static Sm2FieldX8 Select(Vector512<long> mask, in Sm2FieldX8 whenSet, in Sm2FieldX8 whenClear)
    {
        Unsafe.SkipInit(out Sm2FieldX8 result);
        for (var i = 0; i < Limbs; i++)
        {
            result[i] = Vector512.ConditionalSelect(mask, whenSet[i], whenClear[i]);
        }
        return result;
    }

    /// <summary>All ones in the lanes whose value is ≡ 0 (mod p): with normalized limbs below 2p, 0 or p exactly.</summary>
    public readonly Vector512<long> ZeroMask()
    {
        var prime = PrimeLimbs;
        var zero = Vector512<long>.AllBitsSet;
        var isPrime = Vector512<long>.AllBitsSet;
        for (var i = 0; i < Limbs; i++)
        {
            zero &= Vector512.Equals(this[i], Vector512<long>.Zero);
            isPrime &= Vector512.Equals(this[i], Vector512.Create(prime[i]));
        }
        return zero | isPrime;
    }

    /// <summary>Puts a scalar-field element (Montgomery form x·2^256) into a lane as x·2^261.</summary>
    public void SetLane(int lane, in Sm2Field value)
    {
        var raw = Sm2Field.Mul(value, ThirtyTwo);
        Span<ulong> limbs = [raw.L0, raw.L1, raw.L2, raw.L3, 0];
        for (var i = 0; i < Limbs; i++)
        {
            var bit = i * Radix;
            var word = limbs[bit >> 6] >> (bit & 63);
            if ((bit & 63) + Radix > 64)
            {
                word |= limbs[(bit >> 6) + 1] << (64 - (bit & 63));
            }
            this[i] = this[i].WithElement(lane, (long)(word & Mask));
        }
    }

    /// <summary>A lane's value back as a scalar-field element (Montgomery form x·2^256, reduced below p).</summary>
    public readonly Sm2Field GetLane(int lane)
    {
        Span<ulong> limbs = [0, 0, 0, 0, 0];
        for (var i = 0; i < Limbs; i++)
        {
            var value = (ulong)this[i].GetElement(lane);
            var bit = i * Radix;
            limbs[bit >> 6] |= value << (bit & 63);
            if ((bit & 63) + Radix > 64)
            {
                limbs[(bit >> 6) + 1] |= value >> (64 - (bit & 63));
            }
        }
        // Below 2p: subtract p once when it is p or more (the fifth limb holds bit 256).
        ulong borrow = 0;
        var s0 = Sm2Field.SubBorrow(limbs[0], Sm2Field.P0, ref borrow);
        var s1 = Sm2Field.SubBorrow(limbs[1], Sm2Field.P1, ref borrow);
        var s2 = Sm2Field.SubBorrow(limbs[2], Sm2Field.P2, ref borrow);
        var s3 = Sm2Field.SubBorrow(limbs[3], Sm2Field.P3, ref borrow);
        var raw = borrow > limbs[4] ? new Sm2Field(limbs[0], limbs[1], limbs[2], limbs[3]) : new Sm2Field(s0, s1, s2, s3);
        return Sm2Field.Mul(raw, ThirtyTwoInverse);
    }

    /// <summary>The same scalar-field element in every lane.</summary>
    public static Sm2FieldX8 Broadcast(in Sm2Field value)
    {
        var result = default(Sm2FieldX8);
        result.SetLane(0, value);
        for (var i = 0; i < Limbs; i++)
        {
            result[i] = Vector512.Create(result[i].GetElement(0));
        }
        return result;
    }
}
