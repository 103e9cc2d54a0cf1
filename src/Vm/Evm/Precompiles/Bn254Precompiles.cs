using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>Reading and writing BN254 points in the EIP-196/197 encodings (input shorter than expected is zero-padded).</summary>
internal static class Bn254Encoding
{
    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> input, int offset, Span<byte> word)
    {
        word.Clear();
        if (offset < input.Length)
        {
            input.Slice(offset, Math.Min(32, input.Length - offset)).CopyTo(word);
        }
        return word;
    }

    public static UInt256 Scalar(ReadOnlySpan<byte> input, int offset)
    {
        Span<byte> word = stackalloc byte[32];
        return UInt256.ReadBigEndian(Word(input, offset, word));
    }

    private static bool TryReadFp(ReadOnlySpan<byte> input, int offset, out Fp value, out bool isZero)
    {
        Span<byte> word = stackalloc byte[32];
        Word(input, offset, word);
        isZero = !word.ContainsAnyExcept((byte)0);
        return Fp.TryRead(word, out value);
    }

    /// <summary>A G1 point: (0, 0) is infinity; coordinates must be below p and on the curve.</summary>
    public static bool TryReadG1(ReadOnlySpan<byte> input, int offset, out Bn254.G1? point)
    {
        point = null;
        if (!TryReadFp(input, offset, out var x, out var xZero) || !TryReadFp(input, offset + 32, out var y, out var yZero))
        {
            return false;
        }
        if (xZero && yZero)
        {
            return true;
        }
        var p = new Bn254.G1(x, y);
        point = p;
        return Bn254.IsOnCurve(p);
    }

    /// <summary>A G2 point encoded (x_im, x_re, y_im, y_re); must be on the twist and in the order-r subgroup.</summary>
    public static bool TryReadG2(ReadOnlySpan<byte> input, int offset, out Bn254.G2? point)
    {
        point = null;
        if (!TryReadFp(input, offset, out var xIm, out var z0) || !TryReadFp(input, offset + 32, out var xRe, out var z1) ||
            !TryReadFp(input, offset + 64, out var yIm, out var z2) || !TryReadFp(input, offset + 96, out var yRe, out var z3))
        {
            return false;
        }
        if (z0 && z1 && z2 && z3)
        {
            return true;
        }
        var q = new Bn254.G2(new Fp2(xRe, xIm), new Fp2(yRe, yIm));
        point = q;
        return Bn254.IsOnTwist(q) && Bn254.IsInSubgroup(q);
    }

    public static byte[] Write(Bn254.G1? point)
    {
        var output = new byte[64];
        if (point is { } p)
        {
            p.X.Write(output.AsSpan(0, 32));
            p.Y.Write(output.AsSpan(32, 32));
        }
        return output;
    }
}

/// <summary>0x06: BN254 G1 addition (EIP-196), 150 gas (EIP-1108).</summary>
internal sealed class Bn254AddPrecompile : Precompile
{
    public override long GasCost(ReadOnlySpan<byte> input) => 150;

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (!Bn254Encoding.TryReadG1(input, 0, out var a) || !Bn254Encoding.TryReadG1(input, 64, out var b))
        {
            return false;
        }
        output = Bn254Encoding.Write(Bn254.Add(a, b));
        return true;
    }
}

/// <summary>0x07: BN254 G1 scalar multiplication (EIP-196), 6000 gas (EIP-1108).</summary>
internal sealed class Bn254MulPrecompile : Precompile
{
    public override long GasCost(ReadOnlySpan<byte> input) => 6000;

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (!Bn254Encoding.TryReadG1(input, 0, out var a))
        {
            return false;
        }
        output = Bn254Encoding.Write(Bn254.Multiply(a, Bn254Encoding.Scalar(input, 64)));
        return true;
    }
}

/// <summary>0x08: BN254 pairing check (EIP-197), 45000 + 34000 per pair (EIP-1108).</summary>
internal sealed class Bn254PairingPrecompile : Precompile
{
    private const int PairSize = 192;

    public override long GasCost(ReadOnlySpan<byte> input) => 45_000 + 34_000L * (input.Length / PairSize);

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length % PairSize != 0)
        {
            return false;
        }
        var pairs = new List<(Bn254.G1?, Bn254.G2?)>();
        for (var offset = 0; offset < input.Length; offset += PairSize)
        {
            if (!Bn254Encoding.TryReadG1(input, offset, out var p) || !Bn254Encoding.TryReadG2(input, offset + 64, out var q))
            {
                return false;
            }
            pairs.Add((p, q));
        }
        output = new byte[32];
        if (Bn254.PairingProductIsOne(pairs))
        {
            output[31] = 1;
        }
        return true;
    }
}
