using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// An experiment, not node code: eight SM2 field multiplications at once with AVX-512, to measure what a batch verifier
/// (eight signatures, one per 64-bit lane) could gain over the scalar <see cref="Sm2Field.Mul"/>.
/// </summary>
/// <remarks>
/// An element is nine 29-bit limbs (261 bits), limb i of all eight lanes in one Vector512. vpmuludq gives 32×32→64-bit
/// products, so a column of nine products stays below 2^62 and no carry is ever detected. Montgomery reduction with
/// R = 2^261: −p⁻¹ ≡ 1 (mod 2^29), and m·p = m·(2^256 − 2^224 − 2^96 + 2^64 − 1) lands as m shifted into four columns
/// (the columns are 64 bits wide, so nothing is split). Results are below 2p, in 29-bit limbs.
/// </remarks>
internal static class Sm2FieldLanes
{
    private const int Limbs = 9;
    private const int Radix = 29;
    private const long Mask = (1L << Radix) - 1;

    [InlineArray(Limbs)]
    public struct Element
    {
        private Vector512<long> _limb;
    }

    /// <summary>a·b·2^-261 mod p lane by lane (below 2p), written out so that the 19 column sums stay in registers.</summary>
    public static void Mul(in Element a, in Element b, out Element result)
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
        Unsafe.SkipInit(out result);
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
    }

    /// <summary>Checks the lanes against the scalar field, then prints the cost per multiplication.</summary>
    public static void Report()
    {
        if (!Avx512F.IsSupported)
        {
            Console.WriteLine("eight-lane field multiplication (AVX-512): not supported on this machine");
            return;
        }
        var random = new Random(17);
        var scalarA = new Sm2Field[8];
        var scalarB = new Sm2Field[8];
        Element a = default, b = default;
        for (var lane = 0; lane < 8; lane++)
        {
            scalarA[lane] = RandomElement(random);
            scalarB[lane] = RandomElement(random);
            SetLane(ref a, lane, scalarA[lane]);
            SetLane(ref b, lane, scalarB[lane]);
        }
        Mul(a, b, out var product);
        var prime = System.Numerics.BigInteger.Parse("0FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", System.Globalization.NumberStyles.HexNumber);
        var rInverse = System.Numerics.BigInteger.ModPow(System.Numerics.BigInteger.One << 261, prime - 2, prime);
        for (var lane = 0; lane < 8; lane++)
        {
            var expected = Raw(scalarA[lane]) * Raw(scalarB[lane]) * rInverse % prime;
            var actual = LaneValue(product, lane);
            if (actual >= 2 * prime || actual % prime != expected)
            {
                Console.WriteLine($"eight-lane field multiplication: lane {lane} disagrees with BigInteger");
                return;
            }
        }
        const int count = 2_000_000;
        using var process = Process.GetCurrentProcess();
        var cpuStart = TimeSpan.Zero;
        var x = a;
        for (var round = 0; round < 2; round++)
        {
            process.Refresh();
            cpuStart = process.TotalProcessorTime;
            for (var i = 0; i < count; i++)
            {
                Mul(x, b, out x);
            }
        }
        process.Refresh();
        var nanoseconds = (process.TotalProcessorTime - cpuStart).TotalMilliseconds * 1e6 / count;
        GC.KeepAlive(x[0]);
        Console.WriteLine($"experiment, eight-lane field multiplication (AVX-512, nine 29-bit limbs, lanes checked against Mul): " +
            $"{nanoseconds:F1} ns per eight, {nanoseconds / 8:F1} ns per multiplication");
    }

    private static Sm2Field RandomElement(Random random)
    {
        Span<byte> bytes = stackalloc byte[32];
        while (true)
        {
            random.NextBytes(bytes);
            if (Sm2Field.TryFromBytes(bytes, out var element))
            {
                return element;
            }
        }
    }

    /// <summary>The element's raw limbs (whatever form they are in) as nine 29-bit limbs in a lane.</summary>
    private static void SetLane(ref Element element, int lane, in Sm2Field value)
    {
        Span<ulong> limbs = [value.L0, value.L1, value.L2, value.L3, 0];
        for (var i = 0; i < Limbs; i++)
        {
            var bit = i * Radix;
            var word = limbs[bit >> 6] >> (bit & 63);
            if ((bit & 63) + Radix > 64)
            {
                word |= limbs[(bit >> 6) + 1] << (64 - (bit & 63));
            }
            element[i] = element[i].WithElement(lane, (long)(word & Mask));
        }
    }

    private static System.Numerics.BigInteger Raw(in Sm2Field x) =>
        x.L0 + ((System.Numerics.BigInteger)x.L1 << 64) + ((System.Numerics.BigInteger)x.L2 << 128) + ((System.Numerics.BigInteger)x.L3 << 192);

    private static System.Numerics.BigInteger LaneValue(in Element element, int lane)
    {
        var value = System.Numerics.BigInteger.Zero;
        for (var i = Limbs - 1; i >= 0; i--)
        {
            value = (value << Radix) + element[i].GetElement(lane);
        }
        return value;
    }
}
