using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// SM2 signatures (GM/T 0003) on the recommended curve sm2p256v1 with the standard user ID
/// "1234567812345678". Signatures are 64 bytes r||s; public keys 65 bytes 04||x||y.
/// Signing (<see cref="Sm2Signer"/>: constant time, deterministic RFC 6979 nonce with HMAC-SM3) and verification
/// (<see cref="Sm2Verifier"/>) are the node's own; BouncyCastle's are kept as the references the tests compare them with.
/// </summary>
public static class Sm2
{
    public static ReadOnlySpan<byte> DefaultUserId => "1234567812345678"u8;

    private static readonly ECDomainParameters Domain = CreateDomain();

    private static ECDomainParameters CreateDomain()
    {
        var curve = GMNamedCurves.GetByName("sm2p256v1");
        return new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H, curve.GetSeed());
    }

    /// <summary>A private key d drawn uniformly from [1, n − 2] with the operating system's secure random source.</summary>
    public static byte[] GeneratePrivateKey()
    {
        var candidate = new byte[32];
        while (true)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(candidate);
            if (Sm2Signer.TryParsePrivateKey(candidate, out _))
            {
                return candidate;
            }
        }
    }

    public static byte[] DerivePublicKey(ReadOnlySpan<byte> privateKey)
    {
        using var signer = new Sm2Signer(privateKey, DefaultUserId);
        return signer.PublicKey;
    }

    /// <summary>The hash Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) of GM/T 0003.</summary>
    public static byte[] UserHash(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> userId)
    {
        var z = new byte[32];
        Sm2Verifier.UserHash(publicKey, userId, z);
        return z;
    }

    /// <summary>
    /// Signs with the deterministic nonce of <see cref="Sm2Nonce"/>. Prepares the key each time (its public key and
    /// inverse cost about as much as a signature): repeated signing goes through <see cref="CreateSigner"/>.
    /// </summary>
    public static byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message)
    {
        using var signer = new Sm2Signer(privateKey, DefaultUserId);
        return signer.Sign(domainTag, message);
    }

    /// <summary>A signer with the scalar, (1+d)^-1 and the user hash Z computed once.</summary>
    internal static Sm2Signer CreateSigner(ReadOnlySpan<byte> privateKey) => new(privateKey, DefaultUserId);

    /// <summary>Signs with a caller-chosen nonce k (32 bytes, as the standard's examples give it); null when k is out of range or yields a degenerate signature.</summary>
    public static byte[]? SignWithNonce(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message, ReadOnlySpan<byte> k)
    {
        using var signer = new Sm2Signer(privateKey, userId);
        var signature = new byte[64];
        return signer.TrySignWithNonce(domainTag, message, k, signature) ? signature : null;
    }

    /// <summary>BouncyCastle's signer with a random nonce: the reference the tests hold <see cref="Sign"/> to.</summary>
    internal static byte[] SignReference(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message)
    {
        var signer = new SM2Signer(PlainDsaEncoding.Instance, new SM3Digest());
        signer.Init(true, new ParametersWithID(new ECPrivateKeyParameters(ParsePrivate(privateKey), Domain), userId.ToArray()));
        signer.BlockUpdate(domainTag);
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }

    /// <summary>The standard's equations on BouncyCastle's arithmetic with a given nonce k: the reference for <see cref="SignWithNonce"/>.</summary>
    internal static byte[]? SignWithNonceReference(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message, BigInteger k)
    {
        var d = ParsePrivate(privateKey);
        var publicKey = Domain.G.Multiply(d).Normalize().GetEncoded(false);
        var z = UserHash(publicKey, userId);
        var digest = new SM3Digest();
        digest.BlockUpdate(z);
        digest.BlockUpdate(domainTag);
        digest.BlockUpdate(message);
        var eBytes = new byte[32];
        digest.DoFinal(eBytes);
        var e = new BigInteger(1, eBytes);
        var n = Domain.N;

        var x1 = Domain.G.Multiply(k).Normalize().AffineXCoord.ToBigInteger();
        var r = e.Add(x1).Mod(n);
        if (r.SignValue == 0 || r.Add(k).Equals(n))
        {
            return null;
        }
        var s = d.Add(BigInteger.One).ModInverse(n).Multiply(k.Subtract(r.Multiply(d))).Mod(n);
        if (s.SignValue == 0)
        {
            return null;
        }
        var signature = new byte[64];
        ToFixed32(r).CopyTo(signature, 0);
        ToFixed32(s).CopyTo(signature, 32);
        return signature;
    }

    /// <summary>BouncyCastle's public key for a private key: the reference for <see cref="DerivePublicKey"/>.</summary>
    internal static byte[] DerivePublicKeyReference(ReadOnlySpan<byte> privateKey) => Domain.G.Multiply(ParsePrivate(privateKey)).Normalize().GetEncoded(false);

    /// <summary>Verifies with the node's own SM2 (<see cref="Sm2Verifier"/>): about ten times BouncyCastle's speed, no allocation.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        Sm2Verifier.Verify(publicKey, userId, domainTag, message, signature);

    /// <summary>BouncyCastle's verification: the reference the tests hold <see cref="Verify"/> to.</summary>
    internal static bool VerifyReference(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64 || !TryDecodePoint(publicKey, out var point))
        {
            return false;
        }
        var signer = new SM2Signer(PlainDsaEncoding.Instance, new SM3Digest());
        signer.Init(false, new ParametersWithID(new ECPublicKeyParameters(point, Domain), userId.ToArray()));
        signer.BlockUpdate(domainTag);
        signer.BlockUpdate(message);
        return signer.VerifySignature(signature.ToArray());
    }

    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => Sm2Verifier.IsValidPublicKey(publicKey);

    /// <summary>BouncyCastle's key check: the reference for <see cref="IsValidPublicKey"/>.</summary>
    internal static bool IsValidPublicKeyReference(ReadOnlySpan<byte> publicKey) => TryDecodePoint(publicKey, out _);

    private static bool TryDecodePoint(ReadOnlySpan<byte> publicKey, out ECPoint point)
    {
        point = Domain.G;
        if (publicKey.Length != 65 || publicKey[0] != 0x04)
        {
            return false;
        }
        try
        {
            var decoded = Domain.Curve.DecodePoint(publicKey.ToArray());
            if (decoded.IsInfinity || !decoded.IsValid())
            {
                return false;
            }
            point = decoded;
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static BigInteger ParsePrivate(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
        {
            throw new ArgumentException($"an SM2 private key is 32 bytes, got {privateKey.Length}");
        }
        var d = new BigInteger(1, privateKey.ToArray());
        if (d.SignValue == 0 || d.CompareTo(Domain.N.Subtract(BigInteger.One)) >= 0)
        {
            throw new ArgumentException("SM2 private key out of range");
        }
        return d;
    }

    private static byte[] ToFixed32(BigInteger value)
    {
        var bytes = value.ToByteArrayUnsigned();
        if (bytes.Length == 32)
        {
            return bytes;
        }
        var padded = new byte[32];
        bytes.CopyTo(padded, 32 - bytes.Length);
        return padded;
    }
}
