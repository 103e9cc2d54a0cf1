using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Tests.Crypto;

public sealed class CryptoSuiteTests
{
    public static TheoryData<string> Suites => [CryptoSuite.Ed25519Sha256Name, CryptoSuite.Sm2Sm3Name];

    [Theory]
    [MemberData(nameof(Suites))]
    public void Sign_then_verify_succeeds_and_the_domain_tag_is_bound(string name)
    {
        var suite = CryptoSuite.FromName(name);
        var key = suite.GeneratePrivateKey();
        var publicKey = suite.DerivePublicKey(key);
        var message = "payload"u8.ToArray();
        var signature = suite.Sign(key, SigningDomain.Transaction, message);

        Assert.Equal(suite.SignatureLength, signature.Length);
        Assert.Equal(suite.PublicKeyLength, publicKey.Length);
        Assert.True(suite.Verify(publicKey, SigningDomain.Transaction, message, signature));
        Assert.False(suite.Verify(publicKey, SigningDomain.Vote, message, signature));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_prepared_signer_signs_what_the_suite_verifies(string name)
    {
        var suite = CryptoSuite.FromName(name);
        var key = suite.GeneratePrivateKey();
        using var signer = suite.CreateSigner(key);
        for (var i = 0; i < 3; i++)
        {
            var message = new[] { (byte)i, (byte)(i * 7) };
            var signature = signer.Sign(SigningDomain.Vote, message);
            Assert.True(suite.Verify(suite.DerivePublicKey(key), SigningDomain.Vote, message, signature));
            Assert.False(suite.Verify(suite.DerivePublicKey(key), SigningDomain.Vote, [.. message, 1], signature));
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Malformed_keys_and_signatures_verify_false_without_throwing(string name)
    {
        var suite = CryptoSuite.FromName(name);
        var publicKey = suite.DerivePublicKey(suite.GeneratePrivateKey());
        Assert.False(suite.Verify(publicKey[..^1], [], [1], new byte[suite.SignatureLength]));
        Assert.False(suite.Verify(publicKey, [], [1], new byte[3]));
        Assert.False(suite.Verify(new byte[suite.PublicKeyLength], [], [1], new byte[suite.SignatureLength]));
        Assert.False(suite.IsValidPublicKey(new byte[suite.PublicKeyLength + 1]));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Address_is_the_last_20_bytes_of_the_suite_hash_of_the_public_key(string name)
    {
        var suite = CryptoSuite.FromName(name);
        var publicKey = suite.DerivePublicKey(suite.GeneratePrivateKey());
        var hash = suite.Hash(publicKey).ToArray();
        Assert.Equal(new Address(hash.AsSpan(12)), suite.AddressOf(publicKey));
    }

    [Fact]
    public void Unknown_suite_names_are_refused()
    {
        Assert.False(CryptoSuite.TryFromName("rsa", out _));
        Assert.Throws<ArgumentException>(() => CryptoSuite.FromName("secp256k1"));
    }
}
