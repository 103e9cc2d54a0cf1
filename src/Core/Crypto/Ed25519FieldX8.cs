using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Eight elements of GF(2^255 − 19) at once, one per 64-bit lane of AVX-512 vectors, in ten limbs of alternately 26
/// and 25 bits (limb i at bit 25i + ⌈i/2⌉): for the exponentiations of eight point decodings in one pass
/// (<see cref="Ed25519Point.TryDecodeEight"/>), where the scalar <see cref="Ed25519Field"/> spends most of its time.
/// </summary>
/// <remarks>
/// vpmuludq multiplies the low 32 bits of each lane into 64: with limbs below 2^27 a column of ten products (a factor
/// 19 for the part above 2^255, a factor 2 where two odd limbs meet) stays below 2^62, so no carry is tested until the
/// one carry pass at the end. Invariant between operations: limbs below 2^27 (after a multiplication: 2^26, 2^25 and
/// a little for limb 1). Only multiplication and squaring are needed; no lane ever depends on another.
/// </remarks>
[InlineArray(Limbs)]
internal struct Ed25519FieldX8
{
    public const int Limbs = 10;
    public const int Lanes = 8;

    private Vector512<ulong> _limb;

    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>Puts an element (any loosely reduced limbs) into one lane.</summary>
    public void SetLane(int lane, in Ed25519Field value)
    {
        var reduced = value.Reduced();
        Span<ulong> wide = [reduced.L0, reduced.L1, reduced.L2, reduced.L3, reduced.L4];
        for (var i = 0; i < 5; i++)
        {
            this[2 * i] = this[2 * i].WithElement(lane, wide[i] & ((1UL << 26) - 1));
            this[2 * i + 1] = this[2 * i + 1].WithElement(lane, wide[i] >> 26);
        }
    }

    /// <summary>One lane's element, with loosely reduced 51-bit limbs (an even limb plus the odd one above it).</summary>
    public readonly Ed25519Field GetLane(int lane) => new(
        this[0].GetElement(lane) + (this[1].GetElement(lane) << 26),
        this[2].GetElement(lane) + (this[3].GetElement(lane) << 26),
        this[4].GetElement(lane) + (this[5].GetElement(lane) << 26),
        this[6].GetElement(lane) + (this[7].GetElement(lane) << 26),
        this[8].GetElement(lane) + (this[9].GetElement(lane) << 26));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Product(Vector512<ulong> a, Vector512<ulong> b) => Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Times19(Vector512<ulong> c) => (c << 4) + (c << 1) + c;

    /// <summary>a·b mod p in every lane.</summary>
    public static Ed25519FieldX8 Mul(in Ed25519FieldX8 a, in Ed25519FieldX8 b)
    {
        var f0 = a[0];
        var f1 = a[1];
        var f2 = a[2];
        var f3 = a[3];
        var f4 = a[4];
        var f5 = a[5];
        var f6 = a[6];
        var f7 = a[7];
        var f8 = a[8];
        var f9 = a[9];
        var g0 = b[0];
        var g1 = b[1];
        var g2 = b[2];
        var g3 = b[3];
        var g4 = b[4];
        var g5 = b[5];
        var g6 = b[6];
        var g7 = b[7];
        var g8 = b[8];
        var g9 = b[9];
        var g1x = Times19(g1);
        var g2x = Times19(g2);
        var g3x = Times19(g3);
        var g4x = Times19(g4);
        var g5x = Times19(g5);
        var g6x = Times19(g6);
        var g7x = Times19(g7);
        var g8x = Times19(g8);
        var g9x = Times19(g9);
        var f1d = f1 + f1;
        var f3d = f3 + f3;
        var f5d = f5 + f5;
        var f7d = f7 + f7;
        var f9d = f9 + f9;
        var h0 = Product(f0, g0)
            + Product(f1d, g9x)
            + Product(f2, g8x)
            + Product(f3d, g7x)
            + Product(f4, g6x)
            + Product(f5d, g5x)
            + Product(f6, g4x)
            + Product(f7d, g3x)
            + Product(f8, g2x)
            + Product(f9d, g1x);
        var h1 = Product(f0, g1)
            + Product(f1, g0)
            + Product(f2, g9x)
            + Product(f3, g8x)
            + Product(f4, g7x)
            + Product(f5, g6x)
            + Product(f6, g5x)
            + Product(f7, g4x)
            + Product(f8, g3x)
            + Product(f9, g2x);
        var h2 = Product(f0, g2)
            + Product(f1d, g1)
            + Product(f2, g0)
            + Product(f3d, g9x)
            + Product(f4, g8x)
            + Product(f5d, g7x)
            + Product(f6, g6x)
            + Product(f7d, g5x)
            + Product(f8, g4x)
            + Product(f9d, g3x);
        var h3 = Product(f0, g3)
            + Product(f1, g2)
            + Product(f2, g1)
            + Product(f3, g0)
            + Product(f4, g9x)
            + Product(f5, g8x)
            + Product(f6, g7x)
            + Product(f7, g6x)
            + Product(f8, g5x)
            + Product(f9, g4x);
        var h4 = Product(f0, g4)
            + Product(f1d, g3)
            + Product(f2, g2)
            + Product(f3d, g1)
            + Product(f4, g0)
            + Product(f5d, g9x)
            + Product(f6, g8x)
            + Product(f7d, g7x)
            + Product(f8, g6x)
            + Product(f9d, g5x);
        var h5 = Product(f0, g5)
            + Product(f1, g4)
            + Product(f2, g3)
            + Product(f3, g2)
            + Product(f4, g1)
            + Product(f5, g0)
            + Product(f6, g9x)
            + Product(f7, g8x)
            + Product(f8, g7x)
            + Product(f9, g6x);
        var h6 = Product(f0, g6)
            + Product(f1d, g5)
            + Product(f2, g4)
            + Product(f3d, g3)
            + Product(f4, g2)
            + Product(f5d, g1)
            + Product(f6, g0)
            + Product(f7d, g9x)
            + Product(f8, g8x)
            + Product(f9d, g7x);
        var h7 = Product(f0, g7)
            + Product(f1, g6)
            + Product(f2, g5)
            + Product(f3, g4)
            + Product(f4, g3)
            + Product(f5, g2)
            + Product(f6, g1)
            + Product(f7, g0)
            + Product(f8, g9x)
            + Product(f9, g8x);
        var h8 = Product(f0, g8)
            + Product(f1d, g7)
            + Product(f2, g6)
            + Product(f3d, g5)
            + Product(f4, g4)
            + Product(f5d, g3)
            + Product(f6, g2)
            + Product(f7d, g1)
            + Product(f8, g0)
            + Product(f9d, g9x);
        var h9 = Product(f0, g9)
            + Product(f1, g8)
            + Product(f2, g7)
            + Product(f3, g6)
            + Product(f4, g5)
            + Product(f5, g4)
            + Product(f6, g3)
            + Product(f7, g2)
            + Product(f8, g1)
            + Product(f9, g0);
        return Carry(h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
    }

    /// <summary>a² mod p in every lane (55 products instead of 100).</summary>
    public static Ed25519FieldX8 Square(in Ed25519FieldX8 a)
    {
        var f0 = a[0];
        var f1 = a[1];
        var f2 = a[2];
        var f3 = a[3];
        var f4 = a[4];
        var f5 = a[5];
        var f6 = a[6];
        var f7 = a[7];
        var f8 = a[8];
        var f9 = a[9];
        var f02 = f0 + f0;
        var f12 = f1 + f1;
        var f22 = f2 + f2;
        var f32 = f3 + f3;
        var f42 = f4 + f4;
        var f52 = f5 + f5;
        var f62 = f6 + f6;
        var f72 = f7 + f7;
        var f82 = f8 + f8;
        var f92 = f9 + f9;
        var f1x = Times19(f1);
        var f2x = Times19(f2);
        var f3x = Times19(f3);
        var f4x = Times19(f4);
        var f5x = Times19(f5);
        var f6x = Times19(f6);
        var f7x = Times19(f7);
        var f8x = Times19(f8);
        var f9x = Times19(f9);
        var h0 = Product(f0, f0)
            + Product(f12 + f12, f9x)
            + Product(f22, f8x)
            + Product(f32 + f32, f7x)
            + Product(f42, f6x)
            + Product(f52, f5x);
        var h1 = Product(f02, f1)
            + Product(f22, f9x)
            + Product(f32, f8x)
            + Product(f42, f7x)
            + Product(f52, f6x);
        var h2 = Product(f02, f2)
            + Product(f12, f1)
            + Product(f32 + f32, f9x)
            + Product(f42, f8x)
            + Product(f52 + f52, f7x)
            + Product(f6, f6x);
        var h3 = Product(f02, f3)
            + Product(f12, f2)
            + Product(f42, f9x)
            + Product(f52, f8x)
            + Product(f62, f7x);
        var h4 = Product(f02, f4)
            + Product(f12 + f12, f3)
            + Product(f2, f2)
            + Product(f52 + f52, f9x)
            + Product(f62, f8x)
            + Product(f72, f7x);
        var h5 = Product(f02, f5)
            + Product(f12, f4)
            + Product(f22, f3)
            + Product(f62, f9x)
            + Product(f72, f8x);
        var h6 = Product(f02, f6)
            + Product(f12 + f12, f5)
            + Product(f22, f4)
            + Product(f32, f3)
            + Product(f72 + f72, f9x)
            + Product(f8, f8x);
        var h7 = Product(f02, f7)
            + Product(f12, f6)
            + Product(f22, f5)
            + Product(f32, f4)
            + Product(f82, f9x);
        var h8 = Product(f02, f8)
            + Product(f12 + f12, f7)
            + Product(f22, f6)
            + Product(f32 + f32, f5)
            + Product(f4, f4)
            + Product(f92, f9x);
        var h9 = Product(f02, f9)
            + Product(f12, f8)
            + Product(f22, f7)
            + Product(f32, f6)
            + Product(f42, f5);
        return Carry(h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
    }

    /// <summary>One carry pass over the column sums (each below 2^62): limbs back below 2^26 / 2^25 (limb 1 a little more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Ed25519FieldX8 Carry(Vector512<ulong> h0, Vector512<ulong> h1, Vector512<ulong> h2, Vector512<ulong> h3, Vector512<ulong> h4,
        Vector512<ulong> h5, Vector512<ulong> h6, Vector512<ulong> h7, Vector512<ulong> h8, Vector512<ulong> h9)
    {
        var m26 = Vector512.Create((1UL << 26) - 1);
        var m25 = Vector512.Create((1UL << 25) - 1);
        h1 += h0 >> 26;
        h0 &= m26;
        h2 += h1 >> 25;
        h1 &= m25;
        h3 += h2 >> 26;
        h2 &= m26;
        h4 += h3 >> 25;
        h3 &= m25;
        h5 += h4 >> 26;
        h4 &= m26;
        h6 += h5 >> 25;
        h5 &= m25;
        h7 += h6 >> 26;
        h6 &= m26;
        h8 += h7 >> 25;
        h7 &= m25;
        h9 += h8 >> 26;
        h8 &= m26;
        h0 += Times19(h9 >> 25);
        h9 &= m25;
        h1 += h0 >> 26;
        h0 &= m26;
        var result = default(Ed25519FieldX8);
        result[0] = h0;
        result[1] = h1;
        result[2] = h2;
        result[3] = h3;
        result[4] = h4;
        result[5] = h5;
        result[6] = h6;
        result[7] = h7;
        result[8] = h8;
        result[9] = h9;
        return result;
    }

    private static Ed25519FieldX8 SquareTimes(Ed25519FieldX8 a, int n)
    {
        for (var i = 0; i < n; i++)
        {
            a = Square(a);
        }
        return a;
    }

    /// <summary>a^((p − 5)/8) = a^(2^252 − 3) in every lane, by the same addition chain as <see cref="Ed25519Field.PowP58"/>.</summary>
    public static Ed25519FieldX8 PowP58(in Ed25519FieldX8 a)
    {
        var a2 = Square(a);
        var a9 = Mul(SquareTimes(a2, 2), a);
        var a11 = Mul(a9, a2);
        var e5 = Mul(Square(a11), a9);
        var e10 = Mul(SquareTimes(e5, 5), e5);
        var e20 = Mul(SquareTimes(e10, 10), e10);
        var e40 = Mul(SquareTimes(e20, 20), e20);
        var e50 = Mul(SquareTimes(e40, 10), e10);
        var e100 = Mul(SquareTimes(e50, 50), e50);
        var e200 = Mul(SquareTimes(e100, 100), e100);
        var e250 = Mul(SquareTimes(e200, 50), e50);
        return Mul(SquareTimes(e250, 2), a);
    }
}
