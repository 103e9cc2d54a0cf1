using Org.BouncyCastle.Crypto.Digests;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>0x02: SHA-256, 60 + 12 gas per word.</summary>
internal sealed class Sha256Precompile : Precompile
{
    public override long GasCost(ReadOnlySpan<byte> input) => LinearCost(input, 60, 12);

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = new byte[32];
        Sha256Hasher.Hash(input, output);
        return true;
    }
}

/// <summary>0x03: RIPEMD-160, 600 + 120 gas per word; the 20-byte digest is left-padded to 32 bytes.</summary>
internal sealed class Ripemd160Precompile : Precompile
{
    public override long GasCost(ReadOnlySpan<byte> input) => LinearCost(input, 600, 120);

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        var digest = new RipeMD160Digest();
        digest.BlockUpdate(input);
        output = new byte[32];
        digest.DoFinal(output.AsSpan(12));
        return true;
    }
}

/// <summary>0x04: identity (data copy), 15 + 3 gas per word.</summary>
internal sealed class IdentityPrecompile : Precompile
{
    public override long GasCost(ReadOnlySpan<byte> input) => LinearCost(input, 15, 3);

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = input.ToArray();
        return true;
    }
}
