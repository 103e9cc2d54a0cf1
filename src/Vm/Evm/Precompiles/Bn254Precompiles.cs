using System.Numerics;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>Reading and writing BN254 points in the EIP-196/197 encodings.</summary>
internal static class Bn254Encoding
{
    public static BigInteger Word(ReadOnlySpan<byte> input, int offset)
    {
        Span<byte> word = stackalloc byte[32];
        word.Clear();
        if (offset < input.Length)
        {
            input.Slice(offset, Math.Min(32, input.Length - offset)).CopyTo(word);
        }
        return new BigInteger(word, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>A G1 point: (0, 0) is infinity; coordinates must be below p and on the curve.</summary>
    public static bool TryReadG1(ReadOnlySpan<byte> input, int offset, out Bn254.G1? point)
    {
        point = null;
        var x = Word(input, offset);
        var y = Word(input, offset + 32);
        if (x >= Bn254.P || y >= Bn254.P)
        {
            return false;
        }
        if (x.IsZero && y.IsZero)
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
        var xIm = Word(input, offset);
        var xRe = Word(input, offset + 32);
        var yIm = Word(input, offset + 64);
        var yRe = Word(input, offset + 96);
        if (xIm >= Bn254.P || xRe >= Bn254.P || yIm >= Bn254.P || yRe >= Bn254.P)
        {
            return false;
        }
        if (xIm.IsZero && xRe.IsZero && yIm.IsZero && yRe.IsZero)
        {
            return true;
        }
        var q = new Bn254.G2(new Bn254.Fp2(xRe, xIm), new Bn254.Fp2(yRe, yIm));
        point = q;
        return Bn254.IsOnTwist(q) && Bn254.IsInSubgroup(q);
    }

    public static byte[] Write(Bn254.G1? point)
    {
        var output = new byte[64];
        if (point is { } p)
        {
            p.X.TryWriteBytes(output.AsSpan(32 - p.X.GetByteCount(isUnsigned: true), 32), out _, isUnsigned: true, isBigEndian: true);
            p.Y.TryWriteBytes(output.AsSpan(64 - p.Y.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
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
        output = Bn254Encoding.Write(Bn254.Multiply(a, Bn254Encoding.Word(input, 64)));
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
