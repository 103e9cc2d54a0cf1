using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static ShanghaiChain.Core.Crypto.Sm2Curve;
using Scalar256 = ShanghaiChain.Core.Crypto.Sm2Verifier.Scalar256;

namespace ShanghaiChain.Core.Crypto;

/// <summary>One signature of a batch: the key, the message (after the domain tag) and the signature.</summary>
internal readonly record struct Sm2BatchItem(ReadOnlyMemory<byte> PublicKey, ReadOnlyMemory<byte> Message, ReadOnlyMemory<byte> Signature);

/// <summary>
/// SM2 verification of eight signatures at once (AVX-512, <see cref="Sm2FieldX8"/>), each with the verdict of
/// <see cref="Sm2Verifier.Verify"/>: the checks before and after s·G + t·P are the single verifier's own
/// (<see cref="Sm2Verifier.Prepare"/>, <see cref="Sm2Verifier.Matches"/>), and only the point arithmetic runs in lanes.
/// </summary>
/// <remarks>
/// The lanes move in lockstep, so the scalars are cut into fixed signed windows of 5 bits (52 windows, digits −15..16)
/// rather than wNAF: per window five doublings, one addition from the lane's own table of P..16P and one from the fixed
/// affine table of G..16G. A zero digit or an accumulator still at infinity is handled per lane by masks. A lane where an
/// addition meets its exceptional case (accumulator = ± the entry: rare, but an attacker can build it) is verified
/// again by the single verifier, so the verdict never differs.
/// </remarks>
internal static class Sm2BatchVerifier
{
    public const int Lanes = 8;
    private const int Window = 5;
    private const int Windows = 52; // ⌈257 / 5⌉
    private const int TableSize = 1 << (Window - 1); // multiples 1..16

    private static readonly AffinePoint[] s_baseTable = BuildBaseTable();
    private static readonly long[] s_baseLimbs = BuildBaseLimbs();

    public static bool IsSupported => Sm2FieldX8.IsSupported;

    private struct JacobianX8
    {
        public Sm2FieldX8 X, Y, Z;
    }

    /// <summary>The per-thread table of P's multiples (16 Jacobian points in lanes, 27 KiB), reused so that nothing is allocated per batch.</summary>
    private sealed class Scratch
    {
        public readonly JacobianX8[] KeyTable = new JacobianX8[TableSize];
    }

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>How many lanes this thread has handed to the single verifier after an exceptional addition (for the tests).</summary>
    [ThreadStatic]
    internal static int FallbacksOnThisThread;

    /// <summary>Verifies every item; <paramref name="results"/>[i] is the verdict on items[i].</summary>
    public static void Verify(ReadOnlySpan<Sm2BatchItem> items, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, Span<bool> results)
    {
        for (var start = 0; start < items.Length; start += Lanes)
        {
            var count = Math.Min(Lanes, items.Length - start);
            if (!IsSupported)
            {
                for (var i = start; i < start + count; i++)
                {
                    results[i] = Sm2Verifier.Verify(items[i].PublicKey.Span, userId, domainTag, items[i].Message.Span, items[i].Signature.Span);
                }
                continue;
            }
            VerifyGroup(items.Slice(start, count), userId, domainTag, results.Slice(start, count));
        }
    }

    [SkipLocalsInit]
    private static void VerifyGroup(ReadOnlySpan<Sm2BatchItem> items, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, Span<bool> results)
    {
        Span<sbyte> baseDigits = stackalloc sbyte[Lanes * Windows];
        Span<sbyte> keyDigits = stackalloc sbyte[Lanes * Windows];
        Span<Scalar256> candidates = stackalloc Scalar256[Lanes];
        Span<bool> active = stackalloc bool[Lanes];
        var keyX = default(Sm2FieldX8);
        var keyY = default(Sm2FieldX8);
        for (var lane = 0; lane < Lanes; lane++)
        {
            var item = lane < items.Length ? items[lane] : default;
            AffinePoint key = default;
            Scalar256 s = default, t = default;
            candidates[lane] = default;
            active[lane] = lane < items.Length &&
                Sm2Verifier.Prepare(item.PublicKey.Span, userId, domainTag, item.Message.Span, item.Signature.Span, out key, out s, out t, out candidates[lane]);
            if (!active[lane])
            {
                // An idle lane computes 1·G + 1·G, whose result is ignored.
                key = G;
                s = t = new Scalar256(1, 0, 0, 0);
                if (lane < items.Length)
                {
                    results[lane] = false;
                }
            }
            keyX.SetLane(lane, key.X);
            keyY.SetLane(lane, key.Y);
            Recode(s, baseDigits.Slice(lane * Windows, Windows));
            Recode(t, keyDigits.Slice(lane * Windows, Windows));
        }

        var scratch = t_scratch ??= new Scratch();
        var table = scratch.KeyTable;
        var one = Sm2FieldX8.Broadcast(Sm2Field.One);
        var exceptional = Vector512<long>.Zero;
        table[0] = new JacobianX8 { X = keyX, Y = keyY, Z = one };
        var twice = table[0];
        DoubleX8(ref twice);
        table[1] = twice;
        for (var j = 2; j < TableSize; j++)
        {
            table[j] = table[j - 1];
            exceptional |= MixedAddX8(ref table[j], keyX, keyY);
        }

        var accumulator = default(JacobianX8);
        var atInfinity = Vector512<long>.AllBitsSet;
        Span<long> magnitudes = stackalloc long[Lanes];
        Span<long> signs = stackalloc long[Lanes];
        for (var window = Windows - 1; window >= 0; window--)
        {
            if (window != Windows - 1)
            {
                for (var i = 0; i < Window; i++)
                {
                    DoubleX8(ref accumulator);
                }
            }

            // t·P: the entry |digit|·P of each lane's own table.
            var digitIsZero = Digits(keyDigits, window, magnitudes, signs);
            var entry = LookupKey(table, magnitudes);
            entry.Y = Sm2FieldX8.Select(Vector512.Create((ReadOnlySpan<long>)signs), Sm2FieldX8.Sub(default, entry.Y), entry.Y);
            var sum = accumulator;
            var meets = AddX8(ref sum, entry);
            Merge(ref accumulator, ref atInfinity, ref exceptional, sum, entry, digitIsZero, meets);

            // s·G: the entry |digit|·G of the fixed table, affine.
            digitIsZero = Digits(baseDigits, window, magnitudes, signs);
            var baseEntry = LookupBase(magnitudes, one);
            baseEntry.Y = Sm2FieldX8.Select(Vector512.Create((ReadOnlySpan<long>)signs), Sm2FieldX8.Sub(default, baseEntry.Y), baseEntry.Y);
            sum = accumulator;
            meets = MixedAddX8(ref sum, baseEntry.X, baseEntry.Y);
            Merge(ref accumulator, ref atInfinity, ref exceptional, sum, baseEntry, digitIsZero, meets);
        }

        for (var lane = 0; lane < items.Length; lane++)
        {
            if (!active[lane])
            {
                continue;
            }
            if (exceptional.GetElement(lane) != 0)
            {
                FallbacksOnThisThread++;
                var item = items[lane];
                results[lane] = Sm2Verifier.Verify(item.PublicKey.Span, userId, domainTag, item.Message.Span, item.Signature.Span);
                continue;
            }
            results[lane] = atInfinity.GetElement(lane) == 0 &&
                Sm2Verifier.Matches(candidates[lane], accumulator.X.GetLane(lane), accumulator.Z.GetLane(lane));
        }
    }

    /// <summary>
    /// Takes the sum where the digit is not zero, the entry itself where the accumulator was still at infinity, and
    /// marks lanes where the addition met its exceptional case (then the single verifier decides them).
    /// </summary>
    private static void Merge(ref JacobianX8 accumulator, ref Vector512<long> atInfinity, ref Vector512<long> exceptional, in JacobianX8 sum,
        in JacobianX8 entry, Vector512<long> digitIsZero, Vector512<long> meets)
    {
        exceptional |= meets & ~atInfinity & ~digitIsZero;
        var next = new JacobianX8
        {
            X = Sm2FieldX8.Select(atInfinity, entry.X, sum.X),
            Y = Sm2FieldX8.Select(atInfinity, entry.Y, sum.Y),
            Z = Sm2FieldX8.Select(atInfinity, entry.Z, sum.Z),
        };
        accumulator.X = Sm2FieldX8.Select(digitIsZero, accumulator.X, next.X);
        accumulator.Y = Sm2FieldX8.Select(digitIsZero, accumulator.Y, next.Y);
        accumulator.Z = Sm2FieldX8.Select(digitIsZero, accumulator.Z, next.Z);
        atInfinity &= digitIsZero;
    }

    /// <summary>Each lane's digit of one window: magnitudes, sign masks (all ones for negative), and the mask of zero digits.</summary>
    private static Vector512<long> Digits(ReadOnlySpan<sbyte> digits, int window, Span<long> magnitudes, Span<long> signs)
    {
        Span<long> zero = stackalloc long[Lanes];
        for (var lane = 0; lane < Lanes; lane++)
        {
            int digit = digits[(lane * Windows) + window];
            magnitudes[lane] = Math.Abs(digit);
            signs[lane] = digit < 0 ? -1L : 0L;
            zero[lane] = digit == 0 ? -1L : 0L;
        }
        return Vector512.Create((ReadOnlySpan<long>)zero);
    }

    /// <summary>k in signed windows of 5 bits, least significant first: digits in −15..16, k = Σ d_i·2^(5i).</summary>
    private static void Recode(in Scalar256 k, Span<sbyte> digits)
    {
        var scalar = new Sm2Scalar(k.L0, k.L1, k.L2, k.L3);
        var carry = 0U;
        for (var i = 0; i < Windows; i++)
        {
            var value = scalar.Window(i * Window, Window) + carry;
            carry = value > TableSize ? 1U : 0U;
            digits[i] = (sbyte)((int)value - (int)(carry << Window));
        }
    }

    /// <summary>Lane ℓ of the result is lane ℓ of table[magnitude ℓ − 1] (table[0] for a zero digit, whose result is discarded).</summary>
    private static JacobianX8 LookupKey(JacobianX8[] table, ReadOnlySpan<long> magnitudes)
    {
        const int perPoint = 3 * Sm2FieldX8.Limbs * Lanes;
        var source = MemoryMarshal.Cast<JacobianX8, long>(table.AsSpan());
        var result = default(JacobianX8);
        var target = MemoryMarshal.Cast<JacobianX8, long>(MemoryMarshal.CreateSpan(ref result, 1));
        for (var lane = 0; lane < Lanes; lane++)
        {
            var from = source.Slice((int)Math.Max(magnitudes[lane] - 1, 0) * perPoint, perPoint);
            for (var limb = lane; limb < perPoint; limb += Lanes)
            {
                target[limb] = from[limb];
            }
        }
        return result;
    }

    /// <summary>Lane ℓ of the result is |digit ℓ|·G (affine, Z = 1), copied from the fixed table's limbs.</summary>
    private static JacobianX8 LookupBase(ReadOnlySpan<long> magnitudes, in Sm2FieldX8 one)
    {
        const int perPoint = 2 * Sm2FieldX8.Limbs;
        var result = new JacobianX8 { Z = one };
        var target = MemoryMarshal.Cast<JacobianX8, long>(MemoryMarshal.CreateSpan(ref result, 1));
        var limbs = s_baseLimbs;
        for (var lane = 0; lane < Lanes; lane++)
        {
            var from = limbs.AsSpan((int)Math.Max(magnitudes[lane] - 1, 0) * perPoint, perPoint);
            for (var limb = 0; limb < perPoint; limb++)
            {
                target[(limb * Lanes) + lane] = from[limb];
            }
        }
        return result;
    }

    /// <summary>The base table as lane limbs: for each point, x's nine 29-bit limbs then y's (in the 2^261 form of the lanes).</summary>
    private static long[] BuildBaseLimbs()
    {
        var limbs = new long[TableSize * 2 * Sm2FieldX8.Limbs];
        for (var i = 0; i < TableSize; i++)
        {
            var x = Sm2FieldX8.Broadcast(s_baseTable[i].X);
            var y = Sm2FieldX8.Broadcast(s_baseTable[i].Y);
            for (var limb = 0; limb < Sm2FieldX8.Limbs; limb++)
            {
                limbs[(i * 2 * Sm2FieldX8.Limbs) + limb] = x[limb].GetElement(0);
                limbs[(i * 2 * Sm2FieldX8.Limbs) + Sm2FieldX8.Limbs + limb] = y[limb].GetElement(0);
            }
        }
        return limbs;
    }

    /// <summary>G, 2G, …, 16G in affine form.</summary>
    private static AffinePoint[] BuildBaseTable()
    {
        var table = new AffinePoint[TableSize];
        var current = ToJacobian(G);
        for (var i = 0; i < TableSize; i++)
        {
            var zInverse = Sm2Field.Invert(current.Z);
            var zInverse2 = Sm2Field.Square(zInverse);
            table[i] = new AffinePoint(Sm2Field.Mul(current.X, zInverse2), Sm2Field.Mul(current.Y, Sm2Field.Mul(zInverse2, zInverse)));
            AddAffine(ref current, G);
        }
        return table;
    }

    /// <summary>2P for a = −3 (dbl-2001-b) in every lane; a lane at infinity (Z ≡ 0) stays there.</summary>
    private static void DoubleX8(ref JacobianX8 p)
    {
        var delta = Sm2FieldX8.Square(p.Z);
        var gamma = Sm2FieldX8.Square(p.Y);
        var beta = Sm2FieldX8.Mul(p.X, gamma);
        var difference = Sm2FieldX8.Mul(Sm2FieldX8.Sub(p.X, delta), Sm2FieldX8.Add(p.X, delta));
        var alpha = Sm2FieldX8.Add(Sm2FieldX8.Double(difference), difference);
        var beta4 = Sm2FieldX8.Double(Sm2FieldX8.Double(beta));
        var x3 = Sm2FieldX8.Sub(Sm2FieldX8.Square(alpha), Sm2FieldX8.Double(beta4));
        var z3 = Sm2FieldX8.Sub(Sm2FieldX8.Sub(Sm2FieldX8.Square(Sm2FieldX8.Add(p.Y, p.Z)), gamma), delta);
        var gamma8 = Sm2FieldX8.Double(Sm2FieldX8.Double(Sm2FieldX8.Double(Sm2FieldX8.Square(gamma))));
        p.Y = Sm2FieldX8.Sub(Sm2FieldX8.Mul(alpha, Sm2FieldX8.Sub(beta4, x3)), gamma8);
        p.X = x3;
        p.Z = z3;
    }

    /// <summary>P + Q with Q affine (madd-2007-bl) in every lane; returns the lanes where H ≡ 0 (P = ±Q or P at infinity), where the sum is wrong.</summary>
    private static Vector512<long> MixedAddX8(ref JacobianX8 p, in Sm2FieldX8 qx, in Sm2FieldX8 qy)
    {
        var z1z1 = Sm2FieldX8.Square(p.Z);
        var u2 = Sm2FieldX8.Mul(qx, z1z1);
        var s2 = Sm2FieldX8.Mul(qy, Sm2FieldX8.Mul(p.Z, z1z1));
        var h = Sm2FieldX8.Sub(u2, p.X);
        var r = Sm2FieldX8.Double(Sm2FieldX8.Sub(s2, p.Y));
        var hh = Sm2FieldX8.Square(h);
        var i = Sm2FieldX8.Double(Sm2FieldX8.Double(hh));
        var j = Sm2FieldX8.Mul(h, i);
        var v = Sm2FieldX8.Mul(p.X, i);
        var x3 = Sm2FieldX8.Sub(Sm2FieldX8.Sub(Sm2FieldX8.Square(r), j), Sm2FieldX8.Double(v));
        var y3 = Sm2FieldX8.Sub(Sm2FieldX8.Mul(r, Sm2FieldX8.Sub(v, x3)), Sm2FieldX8.Double(Sm2FieldX8.Mul(p.Y, j)));
        p.Z = Sm2FieldX8.Sub(Sm2FieldX8.Sub(Sm2FieldX8.Square(Sm2FieldX8.Add(p.Z, h)), z1z1), hh);
        p.X = x3;
        p.Y = y3;
        return h.ZeroMask();
    }

    /// <summary>P + Q, both Jacobian (add-2007-bl), in every lane; returns the lanes where H ≡ 0, where the sum is wrong.</summary>
    private static Vector512<long> AddX8(ref JacobianX8 p, in JacobianX8 q)
    {
        var z1z1 = Sm2FieldX8.Square(p.Z);
        var z2z2 = Sm2FieldX8.Square(q.Z);
        var u1 = Sm2FieldX8.Mul(p.X, z2z2);
        var u2 = Sm2FieldX8.Mul(q.X, z1z1);
        var s1 = Sm2FieldX8.Mul(p.Y, Sm2FieldX8.Mul(q.Z, z2z2));
        var s2 = Sm2FieldX8.Mul(q.Y, Sm2FieldX8.Mul(p.Z, z1z1));
        var h = Sm2FieldX8.Sub(u2, u1);
        var r = Sm2FieldX8.Double(Sm2FieldX8.Sub(s2, s1));
        var i = Sm2FieldX8.Square(Sm2FieldX8.Double(h));
        var j = Sm2FieldX8.Mul(h, i);
        var v = Sm2FieldX8.Mul(u1, i);
        var x3 = Sm2FieldX8.Sub(Sm2FieldX8.Sub(Sm2FieldX8.Square(r), j), Sm2FieldX8.Double(v));
        var y3 = Sm2FieldX8.Sub(Sm2FieldX8.Mul(r, Sm2FieldX8.Sub(v, x3)), Sm2FieldX8.Double(Sm2FieldX8.Mul(s1, j)));
        p.Z = Sm2FieldX8.Mul(Sm2FieldX8.Sub(Sm2FieldX8.Sub(Sm2FieldX8.Square(Sm2FieldX8.Add(p.Z, q.Z)), z1z1), z2z2), h);
        p.X = x3;
        p.Y = y3;
        return h.ZeroMask();
    }
}
