namespace ShanghaiChain.Core.Crypto;

/// <summary>National cryptography: SM2 signatures with the standard user ID and SM3 hashes.</summary>
internal sealed class Sm2Sm3Suite : CryptoSuite
{
    public override string Name => Sm2Sm3Name;

    public override int PublicKeyLength => 65;

    public override int PrivateKeyLength => 32;

    public override int SignatureLength => 64;

    public override void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => Sm3Hasher.Hash(data, destination);

    public override void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination) =>
        Sm3Hasher.Hash(first, second, destination);

    public override byte[] GeneratePrivateKey() => Sm2.GeneratePrivateKey();

    public override byte[] DerivePublicKey(ReadOnlySpan<byte> privateKey) => Sm2.DerivePublicKey(privateKey);

    public override byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message) =>
        Sm2.Sign(privateKey, domain, message);

    public override MessageSigner CreateSigner(ReadOnlySpan<byte> privateKey) => Sm2.CreateSigner(privateKey);

    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        Sm2.Verify(publicKey, Sm2.DefaultUserId, domain, message, signature);

    public override bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => Sm2.IsValidPublicKey(publicKey);

    /// <summary>Eight lanes with AVX-512 (<see cref="Sm2BatchVerifier"/>), the same verdicts as one by one.</summary>
    public override int PreferredBatch => Sm2BatchVerifier.IsSupported ? Sm2BatchVerifier.Lanes : 1;

    public override void VerifyBatch(ReadOnlySpan<SignatureCheck> items, ReadOnlySpan<byte> domain, Span<bool> results)
    {
        var batch = new Sm2BatchItem[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            batch[i] = new Sm2BatchItem(items[i].PublicKey, items[i].Message, items[i].Signature);
        }
        Sm2BatchVerifier.Verify(batch, Sm2.DefaultUserId, domain, results);
    }
}
