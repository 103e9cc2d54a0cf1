using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>A crypto suite that delegates to another and counts signatures and verifications.</summary>
public sealed class CountingSuite(CryptoSuite inner) : CryptoSuite
{
    public long Signs;
    public long Verifies;
    public long Hashes;

    public override string Name => inner.Name;

    public override int PublicKeyLength => inner.PublicKeyLength;

    public override int PrivateKeyLength => inner.PrivateKeyLength;

    public override int SignatureLength => inner.SignatureLength;

    public override void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Hashes++;
        inner.Hash(data, destination);
    }

    public override void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination) => inner.Hash(first, second, destination);

    public override byte[] GeneratePrivateKey() => inner.GeneratePrivateKey();

    public override byte[] DerivePublicKey(ReadOnlySpan<byte> privateKey) => inner.DerivePublicKey(privateKey);

    public override byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
    {
        Signs++;
        return inner.Sign(privateKey, domain, message);
    }

    public override MessageSigner CreateSigner(ReadOnlySpan<byte> privateKey) => new CountingSigner(this, inner.CreateSigner(privateKey));

    private sealed class CountingSigner(CountingSuite suite, MessageSigner inner) : MessageSigner
    {
        public override byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
        {
            suite.Signs++;
            return inner.Sign(domain, message);
        }

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }

    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Verifies++;
        return inner.Verify(publicKey, domain, message, signature);
    }

    public override bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => inner.IsValidPublicKey(publicKey);
}
