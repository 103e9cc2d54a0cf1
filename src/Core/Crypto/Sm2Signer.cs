using System.Diagnostics.CodeAnalysis;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// An SM2 private key prepared for signing (GM/T 0003.2 section 6.1): the public key, the user hash Z, d and (1 + d)⁻¹
/// mod n computed once; each signature then costs one constant-time k·G (<see cref="Sm2FixedBase"/>), a deterministic
/// nonce (<see cref="Sm2Nonce"/>) and a few operations mod n (<see cref="Sm2Scalar"/>), with nothing allocated.
/// </summary>
internal sealed class Sm2Signer : MessageSigner
{
    private readonly byte[] _privateKey;
    private readonly byte[] _z;

    // d and (1 + d)⁻¹ in Montgomery form mod n, so that one Montgomery multiplication by either gives a plain product.
    private Sm2Scalar _dMontgomery;
    private Sm2Scalar _inverseMontgomery;

    public Sm2Signer(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> userId)
    {
        if (!TryParsePrivateKey(privateKey, out var d))
        {
            ThrowInvalidKey(privateKey.Length);
        }
        _privateKey = privateKey.ToArray();
        PublicKey = DerivePublicKey(d);
        _z = new byte[32];
        Sm2Verifier.UserHash(PublicKey, userId, _z);
        _dMontgomery = Sm2Scalar.ToMontgomery(d);
        _inverseMontgomery = Sm2Scalar.ToMontgomery(Sm2Scalar.Invert(Sm2Scalar.Add(d, Sm2Scalar.One)));
    }

    /// <summary>The public key, 65 bytes 04 ‖ x ‖ y.</summary>
    public byte[] PublicKey { get; }

    public override byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
    {
        var signature = new byte[64];
        Sign(domain, message, signature);
        return signature;
    }

    /// <summary>Signs the domain tag followed by the message into 64 bytes r ‖ s, with the deterministic nonce.</summary>
    public void Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        Span<byte> e = stackalloc byte[32];
        MessageHash(domain, message, e);
        Span<byte> state = stackalloc byte[64];
        var nonce = new Sm2Nonce(_privateKey, e, state);
        try
        {
            while (!TrySign(e, nonce.Next(), signature))
            {
                // A degenerate r or s (probability about 2^-255): RFC 6979 moves on to the generator's next k.
            }
        }
        finally
        {
            nonce.Clear();
        }
    }

    /// <summary>Signs with a caller-chosen nonce 1 ≤ k &lt; n (for the standard's examples); false when k is out of range or degenerate.</summary>
    public bool TrySignWithNonce(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> k, Span<byte> signature)
    {
        if (k.Length != 32)
        {
            return false;
        }
        var nonce = Sm2Scalar.FromBytes(k);
        if ((nonce.BelowNMask() & ~nonce.ZeroMask()) == 0)
        {
            return false;
        }
        Span<byte> e = stackalloc byte[32];
        MessageHash(domain, message, e);
        return TrySign(e, nonce, signature);
    }

    /// <summary>r = (e + x1) mod n, s = (1 + d)⁻¹·(k − r·d) mod n; false (to try another k) when r = 0, r + k = n or s = 0.</summary>
    private bool TrySign(ReadOnlySpan<byte> e, in Sm2Scalar k, Span<byte> signature)
    {
        var point = Sm2FixedBase.Multiply(k);
        var x1 = point.X.ToPlain();
        var r = Sm2Scalar.Add(Sm2Scalar.Reduce(Sm2Scalar.FromBytes(e)), Sm2Scalar.Reduce(new Sm2Scalar(x1.L0, x1.L1, x1.L2, x1.L3)));
        var rd = Sm2Scalar.MontgomeryMul(r, _dMontgomery);
        var s = Sm2Scalar.MontgomeryMul(Sm2Scalar.Sub(k, rd), _inverseMontgomery);
        // One test of the three conditions, so the branch reveals only that this k was discarded.
        if ((r.ZeroMask() | Sm2Scalar.Add(r, k).ZeroMask() | s.ZeroMask()) != 0)
        {
            return false;
        }
        r.WriteBytes(signature[..32]);
        s.WriteBytes(signature[32..64]);
        return true;
    }

    /// <summary>e = SM3(Z ‖ tag ‖ message).</summary>
    private void MessageHash(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, Span<byte> e)
    {
        var prefixLength = 32 + domain.Length;
        var prefix = prefixLength <= 256 ? stackalloc byte[prefixLength] : new byte[prefixLength];
        _z.CopyTo(prefix);
        domain.CopyTo(prefix[32..]);
        Sm3Hasher.Hash(prefix, message, e);
    }

    /// <summary>04 ‖ x ‖ y of d·G, computed in constant time.</summary>
    internal static byte[] DerivePublicKey(in Sm2Scalar d)
    {
        var point = Sm2FixedBase.Multiply(d);
        var encoded = new byte[65];
        encoded[0] = 0x04;
        point.X.WriteBytes(encoded.AsSpan(1, 32));
        point.Y.WriteBytes(encoded.AsSpan(33, 32));
        return encoded;
    }

    /// <summary>A private key is 32 bytes big-endian with 1 ≤ d ≤ n − 2 (so that 1 + d is invertible mod n).</summary>
    internal static bool TryParsePrivateKey(ReadOnlySpan<byte> privateKey, out Sm2Scalar d)
    {
        if (privateKey.Length != 32)
        {
            d = default;
            return false;
        }
        d = Sm2Scalar.FromBytes(privateKey);
        // d ≠ 0, d < n and d + 1 ≢ 0 (mod n); the verdict is public (a bad key is refused), the tests themselves do not branch.
        var valid = ~d.ZeroMask() & d.BelowNMask() & ~Sm2Scalar.Add(d, Sm2Scalar.One).ZeroMask();
        return valid != 0;
    }

    [DoesNotReturn]
    private static void ThrowInvalidKey(int length) =>
        throw new ArgumentException(length != 32 ? $"an SM2 private key is 32 bytes, got {length}" : "SM2 private key out of range");

    public override void Dispose()
    {
        Array.Clear(_privateKey);
        _dMontgomery = default;
        _inverseMontgomery = default;
        base.Dispose();
    }
}
