using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// The signature scheme and hash function a chain fixes at genesis. Every signature and every hash on
/// the chain (transaction ids, block hashes, addresses, certificates) goes through the chain's suite.
/// </summary>
public abstract class CryptoSuite
{
    public const string Ed25519Sha256Name = "ed25519-sha256";
    public const string Sm2Sm3Name = "sm2-sm3";

    public static CryptoSuite Ed25519Sha256 { get; } = new Ed25519Sha256Suite();

    public static CryptoSuite Sm2Sm3 { get; } = new Sm2Sm3Suite();

    /// <summary>The suite's name as written in genesis and key files.</summary>
    public abstract string Name { get; }

    public abstract int PublicKeyLength { get; }

    public abstract int PrivateKeyLength { get; }

    public abstract int SignatureLength { get; }

    public static IReadOnlyList<string> Names { get; } = [Ed25519Sha256Name, Sm2Sm3Name];

    public static bool TryFromName(string? name, out CryptoSuite suite)
    {
        switch (name)
        {
            case Ed25519Sha256Name:
                suite = Ed25519Sha256;
                return true;
            case Sm2Sm3Name:
                suite = Sm2Sm3;
                return true;
            default:
                suite = Ed25519Sha256;
                return false;
        }
    }

    public static CryptoSuite FromName(string name) =>
        TryFromName(name, out var suite)
            ? suite
            : throw new ArgumentException($"unknown crypto suite '{name}' (expected one of: {string.Join(", ", Names)})");

    public abstract void Hash(ReadOnlySpan<byte> data, Span<byte> destination);

    public abstract void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination);

    public Hash32 Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Hash32.Size];
        Hash(data, digest);
        return new Hash32(digest);
    }

    /// <summary>Creates a new private key from the operating system's secure random source.</summary>
    public abstract byte[] GeneratePrivateKey();

    /// <summary>Derives the public key (in the suite's wire encoding) from a private key.</summary>
    public abstract byte[] DerivePublicKey(ReadOnlySpan<byte> privateKey);

    /// <summary>Signs the domain tag followed by the message; the signature is <see cref="SignatureLength"/> bytes.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message);

    /// <summary>Prepares a private key for repeated signing; signatures equal those of <see cref="Sign"/>.</summary>
    public abstract MessageSigner CreateSigner(ReadOnlySpan<byte> privateKey);

    /// <summary>Checks a signature over the domain tag followed by the message. Never throws on malformed input.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);

    /// <summary>True when the bytes are a well-formed public key of this suite.</summary>
    public abstract bool IsValidPublicKey(ReadOnlySpan<byte> publicKey);

    /// <summary>
    /// True when anyone can make signatures that verify under this key without a private key: an Ed25519 key of small
    /// order (the cofactored rule accepts s = 0 with a small-order R for any message). Such keys are refused as
    /// transaction signers by <see cref="Transactions.TransactionValidator"/> and as registered keys by
    /// <see cref="IsValidPublicKey"/>. A cheap check on the bytes; false for every SM2 key.
    /// </summary>
    public virtual bool AnyoneCanSignFor(ReadOnlySpan<byte> publicKey) => false;

    /// <summary>How many signatures <see cref="VerifyBatch"/> checks at once faster than one by one (1: no gain).</summary>
    public virtual int PreferredBatch => 1;

    /// <summary>
    /// Verifies every item under <paramref name="domain"/>; <paramref name="results"/>[i] is exactly
    /// <see cref="Verify"/>'s verdict on items[i] (a suite batches only with the same acceptance rule).
    /// </summary>
    public virtual void VerifyBatch(ReadOnlySpan<SignatureCheck> items, ReadOnlySpan<byte> domain, Span<bool> results)
    {
        for (var i = 0; i < items.Length; i++)
        {
            results[i] = Verify(items[i].PublicKey.Span, domain, items[i].Message.Span, items[i].Signature.Span);
        }
    }

    /// <summary>The last 20 bytes of the suite hash of the public key's wire encoding.</summary>
    public Address AddressOf(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> digest = stackalloc byte[Hash32.Size];
        Hash(publicKey, digest);
        return new Address(digest[(Hash32.Size - Address.Size)..]);
    }

    public override string ToString() => Name;
}

/// <summary>One signature to check: the signer's public key, the signed message (without the domain tag) and the signature.</summary>
public readonly record struct SignatureCheck(ReadOnlyMemory<byte> PublicKey, ReadOnlyMemory<byte> Message, ReadOnlyMemory<byte> Signature);
