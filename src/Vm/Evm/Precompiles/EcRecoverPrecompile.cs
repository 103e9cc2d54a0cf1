using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>
/// 0x01: ECDSA public-key recovery on secp256k1 (3000 gas). Input hash ‖ v ‖ r ‖ s; output the signer's address
/// left-padded to 32 bytes, or nothing (a successful call with empty output) when the signature is invalid.
/// </summary>
internal sealed class EcRecoverPrecompile : Precompile
{
    private static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");

    public override long GasCost(ReadOnlySpan<byte> input) => 3000;

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        Span<byte> padded = stackalloc byte[128];
        padded.Clear();
        input[..Math.Min(128, input.Length)].CopyTo(padded);

        var vBytes = padded.Slice(32, 32);
        if (vBytes[..31].ContainsAnyExcept((byte)0) || (vBytes[31] != 27 && vBytes[31] != 28))
        {
            return true;
        }
        var r = new BigInteger(1, padded.Slice(64, 32).ToArray());
        var s = new BigInteger(1, padded.Slice(96, 32).ToArray());
        var n = Curve.N;
        if (r.SignValue == 0 || s.SignValue == 0 || r.CompareTo(n) >= 0 || s.CompareTo(n) >= 0)
        {
            return true;
        }

        var point = Recover(padded[..32].ToArray(), r, s, vBytes[31] - 27);
        if (point is null)
        {
            return true;
        }
        var encoded = point.GetEncoded(false);
        Span<byte> hash = stackalloc byte[32];
        Keccak256Hasher.Hash(encoded.AsSpan(1), hash);
        output = new byte[32];
        hash[12..].CopyTo(output.AsSpan(12));
        return true;
    }

    /// <summary>Q = r⁻¹(sR − eG), where R is the curve point with x = r and the parity given by recId.</summary>
    private static ECPoint? Recover(byte[] messageHash, BigInteger r, BigInteger s, int recId)
    {
        var curve = Curve.Curve;
        if (r.CompareTo(curve.Field.Characteristic) >= 0)
        {
            return null;
        }
        var xBytes = r.ToByteArrayUnsigned();
        var compressed = new byte[33];
        compressed[0] = (byte)(recId == 1 ? 0x03 : 0x02);
        xBytes.CopyTo(compressed, 33 - xBytes.Length);
        ECPoint rPoint;
        try
        {
            rPoint = curve.DecodePoint(compressed);
        }
        catch (ArgumentException)
        {
            // x = r is not on the curve: the signature recovers nothing.
            return null;
        }
        var n = Curve.N;
        var e = new BigInteger(1, messageHash);
        var rInv = r.ModInverse(n);
        var u1 = e.Negate().Mod(n).Multiply(rInv).Mod(n);
        var u2 = s.Multiply(rInv).Mod(n);
        var q = ECAlgorithms.SumOfTwoMultiplies(Curve.G, u1, rPoint, u2).Normalize();
        return q.IsInfinity ? null : q;
    }
}
