using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Ed25519 verification of many signatures at once, each with the verdict of <see cref="Ed25519Verifier.Verify"/>.
/// </summary>
/// <remarks>
/// Every item goes through the single verifier's own steps of <see cref="Ed25519Verifier.Prepare"/> (lengths, s &lt; ℓ, A
/// not of small order, A and R decoded, k hashed), so an item refused there is refused here; only the decodings are
/// gathered and run eight at a time in AVX-512 lanes (<see cref="Ed25519Point.TryDecodeEight"/>, same results). The rest are checked together: with secret random
/// 128-bit coefficients zᵢ from the operating system's CSPRNG,
/// [8]([Σ zᵢsᵢ]B − Σ [zᵢ]Rᵢ − Σ [zᵢkᵢ]Aᵢ) = identity,
/// one multi-scalar multiplication (Straus: one shared chain of doublings, width-5 NAF tables per point, the base
/// point's width-8 table). If every item satisfies the cofactored equation the sum is the identity, always; if one does
/// not, its term [8](…) is a non-zero point of order ℓ and the sum is the identity with probability below 2^−125. A
/// failed group is split in halves and each half checked again (bisection), down to groups of
/// <see cref="SingleBelow"/>, whose items get the single verifier's <see cref="Ed25519Verifier.Check"/>: a batch never
/// accepts what the single rule refuses (but with that negligible probability) and never refuses what it accepts.
/// </remarks>
[System.Runtime.CompilerServices.SkipLocalsInit]
internal static class Ed25519BatchVerifier
{
    /// <summary>The most signatures checked in one multi-scalar multiplication; longer inputs go in groups of this size.</summary>
    public const int MaxGroup = 64;

    /// <summary>Groups smaller than this are checked one by one after a failure (a split would cost more).</summary>
    private const int SingleBelow = 4;

    private const int Width = 5;
    private const int TableSize = 1 << (Width - 2);

    /// <summary>Per-thread buffers sized for <see cref="MaxGroup"/> (about 210 KiB), so a batch allocates nothing.</summary>
    private sealed class Scratch
    {
        public readonly Ed25519Point[] Keys = new Ed25519Point[MaxGroup];
        public readonly Ed25519Point[] Commitments = new Ed25519Point[MaxGroup];
        public readonly Ed25519Scalar[] S = new Ed25519Scalar[MaxGroup];
        public readonly Ed25519Scalar[] K = new Ed25519Scalar[MaxGroup];
        public readonly Ed25519Scalar[] Z = new Ed25519Scalar[MaxGroup];
        public readonly int[] Index = new int[MaxGroup];
        public readonly int[] Top = new int[MaxGroup];
        public readonly sbyte[] KeyDigits = new sbyte[MaxGroup * 256];
        public readonly sbyte[] CommitmentDigits = new sbyte[MaxGroup * 256];
        public readonly Ed25519Cached[] KeyTables = new Ed25519Cached[MaxGroup * TableSize];
        public readonly Ed25519Cached[] CommitmentTables = new Ed25519Cached[MaxGroup * TableSize];
        public readonly byte[] Random = new byte[MaxGroup * 16];
        public readonly byte[] Encodings = new byte[2 * MaxGroup * 32];
        public readonly Ed25519Point[] Decoded = new Ed25519Point[2 * MaxGroup];
        public readonly bool[] DecodedOk = new bool[2 * MaxGroup];
        public readonly int[] KeySlot = new int[MaxGroup];
        public readonly int[] CommitmentSlot = new int[MaxGroup];
    }

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>How many multi-scalar multiplications this thread has run (for the tests of the fallback).</summary>
    [ThreadStatic]
    internal static int ChecksOnThisThread;

    /// <summary>Verifies every item under <paramref name="domain"/>; <paramref name="results"/>[i] is the verdict on items[i].</summary>
    public static void Verify(ReadOnlySpan<SignatureCheck> items, ReadOnlySpan<byte> domain, Span<bool> results)
    {
        for (var start = 0; start < items.Length; start += MaxGroup)
        {
            var count = Math.Min(MaxGroup, items.Length - start);
            VerifyGroup(items.Slice(start, count), domain, results.Slice(start, count));
        }
    }

    private static void VerifyGroup(ReadOnlySpan<SignatureCheck> items, ReadOnlySpan<byte> domain, Span<bool> results)
    {
        var scratch = t_scratch ??= new Scratch();
        // The single verifier's Prepare, step by step, with the decodings gathered and run eight at a time in AVX-512
        // lanes (Ed25519Point.TryDecodeEight gives TryDecode's points and verdicts): encoding checks, then A (from the
        // key cache when seen before) and R decoded, then k.
        var candidates = 0;
        var toDecode = 0;
        for (var i = 0; i < items.Length; i++)
        {
            results[i] = false;
            var item = items[i];
            if (!Ed25519Verifier.PassesEncodingChecks(item.PublicKey.Span, item.Signature.Span, out scratch.S[candidates]))
            {
                continue;
            }
            if (Ed25519KeyCache.TryGet(item.PublicKey.Span, out scratch.Keys[candidates]))
            {
                scratch.KeySlot[candidates] = -1;
            }
            else
            {
                item.PublicKey.Span.CopyTo(scratch.Encodings.AsSpan(32 * toDecode));
                scratch.KeySlot[candidates] = toDecode++;
            }
            item.Signature.Span[..32].CopyTo(scratch.Encodings.AsSpan(32 * toDecode));
            scratch.CommitmentSlot[candidates] = toDecode++;
            scratch.Index[candidates++] = i;
        }
        DecodeAll(scratch, toDecode);
        var prepared = 0;
        for (var c = 0; c < candidates; c++)
        {
            var keySlot = scratch.KeySlot[c];
            var commitmentSlot = scratch.CommitmentSlot[c];
            var item = items[scratch.Index[c]];
            if (keySlot >= 0)
            {
                if (!scratch.DecodedOk[keySlot])
                {
                    continue;
                }
                scratch.Keys[c] = scratch.Decoded[keySlot];
                Ed25519KeyCache.Add(item.PublicKey.Span, scratch.Decoded[keySlot]);
            }
            if (!scratch.DecodedOk[commitmentSlot])
            {
                continue;
            }
            // Compacted in place: prepared ≤ c, so entry c is read before anything overwrites it.
            scratch.Keys[prepared] = scratch.Keys[c];
            scratch.Commitments[prepared] = scratch.Decoded[commitmentSlot];
            scratch.S[prepared] = scratch.S[c];
            scratch.K[prepared] = Ed25519Verifier.Challenge(item.Signature.Span[..32], item.PublicKey.Span, domain, item.Message.Span);
            scratch.Index[prepared++] = scratch.Index[c];
        }
        if (prepared == 0)
        {
            return;
        }
        if (prepared == 1)
        {
            results[scratch.Index[0]] = Ed25519Verifier.Check(scratch.Keys[0], scratch.Commitments[0], scratch.S[0], scratch.K[0]);
            return;
        }
        var random = scratch.Random.AsSpan(0, prepared * 16);
        RandomNumberGenerator.Fill(random);
        for (var j = 0; j < prepared; j++)
        {
            // The low bit is set so that no coefficient is zero (which would drop its signature from the sum).
            var z = Ed25519Scalar.FromUInt128(BinaryPrimitives.ReadUInt64LittleEndian(random[(16 * j)..]) | 1,
                BinaryPrimitives.ReadUInt64LittleEndian(random[(16 * j + 8)..]));
            scratch.Z[j] = z;
            var keyTop = Ed25519Scalar.Mul(z, scratch.K[j]).ToNaf(scratch.KeyDigits.AsSpan(j * 256, 256), Width);
            var commitmentTop = z.ToNaf(scratch.CommitmentDigits.AsSpan(j * 256, 256), Width);
            scratch.Top[j] = Math.Max(keyTop, commitmentTop);
        }
        for (var j = 0; j < prepared; j++)
        {
            // Building these tables eight points at a time in AVX-512 lanes was measured: no gain within the noise.
            scratch.Keys[j].Negate().OddMultiples(scratch.KeyTables.AsSpan(j * TableSize, TableSize));
            scratch.Commitments[j].Negate().OddMultiples(scratch.CommitmentTables.AsSpan(j * TableSize, TableSize));
        }
        Settle(scratch, 0, prepared, results);
    }

    /// <summary>Decodes the gathered encodings: eight at a time in AVX-512 lanes where supported, else one by one.</summary>
    private static void DecodeAll(Scratch scratch, int count)
    {
        for (var start = 0; start < count; start += Ed25519FieldX8.Lanes)
        {
            var group = Math.Min(Ed25519FieldX8.Lanes, count - start);
            if (group > 1)
            {
                Ed25519Point.TryDecodeEight(scratch.Encodings.AsSpan(32 * start, 32 * group), scratch.Decoded.AsSpan(start, group), scratch.DecodedOk.AsSpan(start, group));
                continue;
            }
            for (var j = start; j < start + group; j++)
            {
                scratch.DecodedOk[j] = Ed25519Point.TryDecode(scratch.Encodings.AsSpan(32 * j, 32), out scratch.Decoded[j]);
            }
        }
    }

    /// <summary>Gives items [from, from + count) of the prepared list their verdicts: together if the group holds, else by halves.</summary>
    private static void Settle(Scratch scratch, int from, int count, Span<bool> results)
    {
        if (count < SingleBelow)
        {
            for (var j = from; j < from + count; j++)
            {
                results[scratch.Index[j]] = Ed25519Verifier.Check(scratch.Keys[j], scratch.Commitments[j], scratch.S[j], scratch.K[j]);
            }
            return;
        }
        if (GroupHolds(scratch, from, count))
        {
            for (var j = from; j < from + count; j++)
            {
                results[scratch.Index[j]] = true;
            }
            return;
        }
        var half = count / 2;
        Settle(scratch, from, half, results);
        Settle(scratch, from + half, count - half, results);
    }

    /// <summary>True when [8]([Σ zⱼsⱼ]B − Σ [zⱼ]Rⱼ − Σ [zⱼkⱼ]Aⱼ) is the identity over the group.</summary>
    private static bool GroupHolds(Scratch scratch, int from, int count)
    {
        ChecksOnThisThread++;
        var baseScalar = default(Ed25519Scalar);
        var top = 0;
        for (var j = from; j < from + count; j++)
        {
            baseScalar = Ed25519Scalar.Add(baseScalar, Ed25519Scalar.Mul(scratch.Z[j], scratch.S[j]));
            top = Math.Max(top, scratch.Top[j]);
        }
        Span<sbyte> baseDigits = stackalloc sbyte[256];
        top = Math.Max(top, baseScalar.ToNaf(baseDigits, 8));
        var baseTable = Ed25519Verifier.BaseTable;
        var keyDigits = scratch.KeyDigits;
        var commitmentDigits = scratch.CommitmentDigits;
        var keyTables = scratch.KeyTables;
        var commitmentTables = scratch.CommitmentTables;
        var sum = Ed25519Point.Identity;
        for (var position = top - 1; position >= 0; position--)
        {
            sum = sum.Double();
            int bd = baseDigits[position];
            if (bd > 0) sum = sum.Add(baseTable[bd >> 1]);
            else if (bd < 0) sum = sum.Subtract(baseTable[-bd >> 1]);
            for (var j = from; j < from + count; j++)
            {
                int kd = keyDigits[j * 256 + position];
                if (kd > 0) sum = sum.Add(keyTables[j * TableSize + (kd >> 1)]);
                else if (kd < 0) sum = sum.Subtract(keyTables[j * TableSize + (-kd >> 1)]);
                int rd = commitmentDigits[j * 256 + position];
                if (rd > 0) sum = sum.Add(commitmentTables[j * TableSize + (rd >> 1)]);
                else if (rd < 0) sum = sum.Subtract(commitmentTables[j * TableSize + (-rd >> 1)]);
            }
        }
        return sum.MulByCofactor().IsIdentity;
    }
}
