using System.Buffers;
using NSec.Cryptography;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Ed25519 signatures (RFC 8032) with SHA-256 hashes: the default suite. Keys and signatures are made by libsodium (NSec);
/// verification, single and batched, is this node's own under the ZIP-215 rule (<see cref="Ed25519Verifier"/>).
/// </summary>
internal sealed class Ed25519Sha256Suite : CryptoSuite
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    public override string Name => Ed25519Sha256Name;

    public override int PublicKeyLength => 32;

    public override int PrivateKeyLength => 32;

    public override int SignatureLength => 64;

    public override void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => Sha256Hasher.Hash(data, destination);

    public override void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination) =>
        Sha256Hasher.Hash(first, second, destination);

    public override byte[] GeneratePrivateKey()
    {
        using var key = Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return key.Export(KeyBlobFormat.RawPrivateKey);
    }

    public override byte[] DerivePublicKey(ReadOnlySpan<byte> privateKey)
    {
        using var key = ImportPrivate(privateKey);
        return key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public override byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
    {
        using var signer = CreateSigner(privateKey);
        return signer.Sign(domain, message);
    }

    /// <summary>
    /// A signer holding libsodium's 64-byte secret key (seed and public key) in an ordinary array and signing through
    /// libsodium directly (<see cref="Ed25519Signing"/>). Not an NSec <see cref="Key"/>: each of those lives in its own
    /// guarded allocation (sodium_malloc: a mapping with guard pages), so a process that keeps tens of thousands of keys
    /// ready (a load generator, a custody service) ran out of memory mappings (vm.max_map_count, 65,530) and the runtime
    /// aborted. The key is already in managed memory in the <c>KeyFile</c> that asks for the signer, so guarded memory
    /// protected nothing here.
    /// </summary>
    public override MessageSigner CreateSigner(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeyLength)
        {
            throw new ArgumentException($"an Ed25519 private key is {PrivateKeyLength} bytes, got {privateKey.Length}", nameof(privateKey));
        }
        return new Signer(Ed25519Signing.ExpandSeed(privateKey));
    }

    private sealed class Signer(byte[] secretKey) : MessageSigner
    {
        public override byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
        {
            ObjectDisposedException.ThrowIf(secretKey.Length == 0, this);
            var length = domain.Length + message.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                domain.CopyTo(buffer);
                message.CopyTo(buffer.AsSpan(domain.Length));
                return Ed25519Signing.Sign(secretKey, buffer.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public override void Dispose()
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secretKey);
            secretKey = [];
            base.Dispose();
        }
    }

    /// <summary>
    /// The ZIP-215 rule (docs/transaction-format.md). libsodium answers first, as a fast acceptance only: whatever it
    /// accepts, ZIP-215 accepts too, so its "yes" is final and its "no" goes to this node's verifier
    /// (<see cref="Ed25519Verifier"/>), which decides. Why the implication holds: libsodium decodes A and R only from
    /// canonical encodings of points not of small order, which ZIP-215 decodes to the same points; it requires s &lt; ℓ
    /// (checked here as well, before it is asked); it hashes the same bytes R ‖ A ‖ M; and its equation [s]B = R + [k]A
    /// implies the cofactored [8][s]B = [8]R + [8][k]A. The tests pin libsodium's verdicts on the edge cases.
    /// </summary>
    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureLength && Ed25519Scalar.TryFromCanonicalBytes(signature[32..], out _) &&
        (VerifyReference(publicKey, domain, message, signature) || Ed25519Verifier.Verify(publicKey, domain, message, signature));

    /// <summary>A key that decodes as a point under ZIP-215 and is not of small order (see <see cref="Ed25519Verifier.IsValidPublicKey"/>).</summary>
    public override bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => Ed25519Verifier.IsValidPublicKey(publicKey);

    public override bool AnyoneCanSignFor(ReadOnlySpan<byte> publicKey) => Ed25519Verifier.IsSmallOrderEncoding(publicKey);

    /// <summary>Signatures are checked 64 at a time by one multi-scalar multiplication (<see cref="Ed25519BatchVerifier"/>).</summary>
    public override int PreferredBatch => 64;

    public override void VerifyBatch(ReadOnlySpan<SignatureCheck> items, ReadOnlySpan<byte> domain, Span<bool> results) =>
        Ed25519BatchVerifier.Verify(items, domain, results);

    /// <summary>libsodium's verification (through NSec): the reference the tests and the benchmark compare with, never a consensus decision.</summary>
    internal static bool VerifyReference(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64 || publicKey.Length != 32 ||
            !PublicKey.TryImport(Algorithm, publicKey, KeyBlobFormat.RawPublicKey, out var key))
        {
            return false;
        }
        var length = domain.Length + message.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            domain.CopyTo(buffer);
            message.CopyTo(buffer.AsSpan(domain.Length));
            return Algorithm.Verify(key!, buffer.AsSpan(0, length), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Key ImportPrivate(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
        {
            throw new ArgumentException($"an Ed25519 private key is 32 bytes, got {privateKey.Length}");
        }
        return Key.Import(Algorithm, privateKey, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
    }
}
