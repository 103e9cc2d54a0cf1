using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>
/// 0x09: the BLAKE2b compression function F (EIP-152). Input: rounds (4 bytes, big-endian) ‖ h (64) ‖ m (128) ‖
/// t (16) ‖ final flag (1), exactly 213 bytes; one gas per round.
/// </summary>
internal sealed class Blake2FPrecompile : Precompile
{
    private const int InputLength = 213;

    private static readonly ulong[] Iv =
    [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ];

    private static readonly byte[][] Sigma =
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ];

    public override long GasCost(ReadOnlySpan<byte> input) =>
        input.Length == InputLength ? BinaryPrimitives.ReadUInt32BigEndian(input) : 0;

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length != InputLength || input[212] > 1)
        {
            return false;
        }
        var rounds = BinaryPrimitives.ReadUInt32BigEndian(input);
        Span<ulong> h = stackalloc ulong[8];
        Span<ulong> m = stackalloc ulong[16];
        for (var i = 0; i < 8; i++)
        {
            h[i] = BinaryPrimitives.ReadUInt64LittleEndian(input[(4 + 8 * i)..]);
        }
        for (var i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt64LittleEndian(input[(68 + 8 * i)..]);
        }
        var t0 = BinaryPrimitives.ReadUInt64LittleEndian(input[196..]);
        var t1 = BinaryPrimitives.ReadUInt64LittleEndian(input[204..]);
        if (Avx2.IsSupported)
        {
            CompressAvx2(h, m, t0, t1, input[212] == 1, rounds);
        }
        else
        {
            Compress(h, m, t0, t1, input[212] == 1, rounds);
        }
        output = new byte[64];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(8 * i), h[i]);
        }
        return true;
    }

    private static void Compress(Span<ulong> h, ReadOnlySpan<ulong> m, ulong t0, ulong t1, bool final, uint rounds)
    {
        // The message words in the order each of the ten round permutations reads them, laid out once per call, so
        // the round loop reads consecutive words without index tables or bounds checks (2^32 - 1 rounds are allowed).
        Span<ulong> schedule = stackalloc ulong[10 * 16];
        for (var r = 0; r < 10; r++)
        {
            for (var i = 0; i < 16; i++)
            {
                schedule[r * 16 + i] = m[Sigma[r][i]];
            }
        }
        // The working vector lives in locals so the JIT keeps it in registers.
        ulong v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
        ulong v8 = Iv[0], v9 = Iv[1], v10 = Iv[2], v11 = Iv[3], v12 = Iv[4] ^ t0, v13 = Iv[5] ^ t1, v14 = Iv[6], v15 = Iv[7];
        if (final)
        {
            v14 = ~v14;
        }
        ref var first = ref MemoryMarshal.GetReference(schedule);
        var permutation = 0;
        for (uint r = 0; r < rounds; r++)
        {
            ref var w = ref Unsafe.Add(ref first, permutation * 16);
            Mix(ref v0, ref v4, ref v8, ref v12, w, Unsafe.Add(ref w, 1));
            Mix(ref v1, ref v5, ref v9, ref v13, Unsafe.Add(ref w, 2), Unsafe.Add(ref w, 3));
            Mix(ref v2, ref v6, ref v10, ref v14, Unsafe.Add(ref w, 4), Unsafe.Add(ref w, 5));
            Mix(ref v3, ref v7, ref v11, ref v15, Unsafe.Add(ref w, 6), Unsafe.Add(ref w, 7));
            Mix(ref v0, ref v5, ref v10, ref v15, Unsafe.Add(ref w, 8), Unsafe.Add(ref w, 9));
            Mix(ref v1, ref v6, ref v11, ref v12, Unsafe.Add(ref w, 10), Unsafe.Add(ref w, 11));
            Mix(ref v2, ref v7, ref v8, ref v13, Unsafe.Add(ref w, 12), Unsafe.Add(ref w, 13));
            Mix(ref v3, ref v4, ref v9, ref v14, Unsafe.Add(ref w, 14), Unsafe.Add(ref w, 15));
            permutation = permutation == 9 ? 0 : permutation + 1;
        }
        h[0] ^= v0 ^ v8;
        h[1] ^= v1 ^ v9;
        h[2] ^= v2 ^ v10;
        h[3] ^= v3 ^ v11;
        h[4] ^= v4 ^ v12;
        h[5] ^= v5 ^ v13;
        h[6] ^= v6 ^ v14;
        h[7] ^= v7 ^ v15;
    }

    private static ReadOnlySpan<byte> Rotate24Mask => [3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10];

    private static ReadOnlySpan<byte> Rotate16Mask => [2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9];

    /// <summary>
    /// The same compression with the 4×4 working matrix in four AVX2 registers (one row each): the four column mixes run
    /// as one vector mix, then the rows are rotated so the diagonals line up, mixed, and rotated back. The scalar form
    /// runs out of general-purpose registers for 16 words; this form does not, which matters at 2^32 - 1 rounds.
    /// </summary>
    [SkipLocalsInit]
    private static void CompressAvx2(Span<ulong> h, ReadOnlySpan<ulong> m, ulong t0, ulong t1, bool final, uint rounds)
    {
        // Per permutation: the x and y words of the column step, then of the diagonal step.
        Span<Vector256<ulong>> schedule = stackalloc Vector256<ulong>[10 * 4];
        for (var r = 0; r < 10; r++)
        {
            var s = Sigma[r];
            schedule[r * 4] = Vector256.Create(m[s[0]], m[s[2]], m[s[4]], m[s[6]]);
            schedule[r * 4 + 1] = Vector256.Create(m[s[1]], m[s[3]], m[s[5]], m[s[7]]);
            schedule[r * 4 + 2] = Vector256.Create(m[s[8]], m[s[10]], m[s[12]], m[s[14]]);
            schedule[r * 4 + 3] = Vector256.Create(m[s[9]], m[s[11]], m[s[13]], m[s[15]]);
        }
        var rotate24 = Vector256.Create(Rotate24Mask);
        var rotate16 = Vector256.Create(Rotate16Mask);
        var a = Vector256.Create(h[0], h[1], h[2], h[3]);
        var b = Vector256.Create(h[4], h[5], h[6], h[7]);
        var c = Vector256.Create(Iv[0], Iv[1], Iv[2], Iv[3]);
        var d = Vector256.Create(Iv[4] ^ t0, Iv[5] ^ t1, final ? ~Iv[6] : Iv[6], Iv[7]);
        ref var first = ref MemoryMarshal.GetReference(schedule);
        var permutation = 0;
        for (uint r = 0; r < rounds; r++)
        {
            ref var w = ref Unsafe.Add(ref first, permutation * 4);
            MixRows(ref a, ref b, ref c, ref d, w, Unsafe.Add(ref w, 1), rotate24, rotate16);
            // Diagonalise: row i rotates left by i lanes.
            b = Avx2.Permute4x64(b, 0x39);
            c = Avx2.Permute4x64(c, 0x4E);
            d = Avx2.Permute4x64(d, 0x93);
            MixRows(ref a, ref b, ref c, ref d, Unsafe.Add(ref w, 2), Unsafe.Add(ref w, 3), rotate24, rotate16);
            b = Avx2.Permute4x64(b, 0x93);
            c = Avx2.Permute4x64(c, 0x4E);
            d = Avx2.Permute4x64(d, 0x39);
            permutation = permutation == 9 ? 0 : permutation + 1;
        }
        var low = a ^ c;
        var high = b ^ d;
        h[0] ^= low.GetElement(0);
        h[1] ^= low.GetElement(1);
        h[2] ^= low.GetElement(2);
        h[3] ^= low.GetElement(3);
        h[4] ^= high.GetElement(0);
        h[5] ^= high.GetElement(1);
        h[6] ^= high.GetElement(2);
        h[7] ^= high.GetElement(3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MixRows(ref Vector256<ulong> a, ref Vector256<ulong> b, ref Vector256<ulong> c, ref Vector256<ulong> d,
        Vector256<ulong> x, Vector256<ulong> y, Vector256<byte> rotate24, Vector256<byte> rotate16)
    {
        a = a + b + x;
        d = Avx2.Shuffle((d ^ a).AsUInt32(), 0xB1).AsUInt64();
        c += d;
        b = Avx2.Shuffle((b ^ c).AsByte(), rotate24).AsUInt64();
        a = a + b + y;
        d = Avx2.Shuffle((d ^ a).AsByte(), rotate16).AsUInt64();
        c += d;
        var t = b ^ c;
        b = (t + t) | Vector256.ShiftRightLogical(t, 63);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix(ref ulong a, ref ulong b, ref ulong c, ref ulong d, ulong x, ulong y)
    {
        a = a + b + x;
        d = BitOperations.RotateRight(d ^ a, 32);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 24);
        a = a + b + y;
        d = BitOperations.RotateRight(d ^ a, 16);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 63);
    }
}
