using System.Buffers;
using NSec.Cryptography;

namespace ShanghaiChain.Core.Crypto;

/// <summary>Ed25519 signatures (RFC 8032, via libsodium) with SHA-256 hashes: the default suite.</summary>
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

    public override MessageSigner CreateSigner(ReadOnlySpan<byte> privateKey) => new Signer(ImportPrivate(privateKey));

    private sealed class Signer(Key key) : MessageSigner
    {
        public override byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
        {
            var length = domain.Length + message.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                domain.CopyTo(buffer);
                message.CopyTo(buffer.AsSpan(domain.Length));
                return Algorithm.Sign(key, buffer.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public override void Dispose()
        {
            key.Dispose();
            base.Dispose();
        }
    }

    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength || publicKey.Length != PublicKeyLength ||
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

    public override bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == PublicKeyLength && PublicKey.TryImport(Algorithm, publicKey, KeyBlobFormat.RawPublicKey, out _);

    private static Key ImportPrivate(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
        {
            throw new ArgumentException($"an Ed25519 private key is 32 bytes, got {privateKey.Length}");
        }
        return Key.Import(Algorithm, privateKey, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
    }
}
