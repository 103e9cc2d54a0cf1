using System.Text;
using System.Text.Json;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Tests;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace ShanghaiChain.Core.Tests.Crypto;

/// <summary>Known-answer vectors from ../shared/fixtures/crypto/vectors.json (GB/T 32905, GB/T 32918, RFC 8032).</summary>
public sealed class ConformanceVectorTests
{
    private static readonly JsonElement Vectors =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Fixtures, "crypto", "vectors.json"))).RootElement;

    public static TheoryData<string, string> Sm3Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var v in Vectors.GetProperty("sm3").EnumerateArray())
        {
            data.Add(v.GetProperty("message_ascii").GetString()!, v.GetProperty("digest").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Sm3Cases))]
    public void Sm3_matches_the_GB_T_32905_examples(string message, string digest)
    {
        Span<byte> output = stackalloc byte[32];
        Sm3Hasher.Hash(Encoding.ASCII.GetBytes(message), output);
        Assert.Equal(digest, Hex.Encode(output));
        Assert.Equal(digest, CryptoSuite.Sm2Sm3.Hash(Encoding.ASCII.GetBytes(message)).ToString());
    }

    [Fact]
    public void Sm2_signer_with_the_example_nonce_reproduces_r_and_s_as_the_reference_does_and_the_signature_verifies()
    {
        foreach (var v in Vectors.GetProperty("sm2_sign").EnumerateArray())
        {
            var privateKey = Hex.Decode(v.GetProperty("private_key").GetString()!);
            var publicKey = CryptoSuite.Sm2Sm3.DerivePublicKey(privateKey);
            Assert.Equal("04" + v.GetProperty("public_key_x").GetString() + v.GetProperty("public_key_y").GetString(), Hex.Encode(publicKey));

            var userId = Encoding.ASCII.GetBytes(v.GetProperty("user_id_ascii").GetString()!);
            var message = Encoding.ASCII.GetBytes(v.GetProperty("message_ascii").GetString()!);
            var k = Hex.Decode(v.GetProperty("k").GetString()!);
            var signature = Sm2.SignWithNonce(privateKey, userId, [], message, k);
            var reference = Sm2.SignWithNonceReference(privateKey, userId, [], message, new BigInteger(1, k));

            Assert.NotNull(signature);
            Assert.Equal(v.GetProperty("r").GetString() + v.GetProperty("s").GetString(), Hex.Encode(signature));
            Assert.Equal(Hex.Encode(reference!), Hex.Encode(signature));
            Assert.True(Sm2.Verify(publicKey, userId, [], message, signature));
            Assert.False(Sm2.Verify(publicKey, userId, [], Encoding.ASCII.GetBytes("message digesT"), signature));
        }
    }

    [Fact]
    public void Ed25519_matches_RFC_8032_section_7_1()
    {
        foreach (var v in Vectors.GetProperty("ed25519").EnumerateArray())
        {
            var secret = Hex.Decode(v.GetProperty("secret_key").GetString()!);
            var message = Hex.Decode(v.GetProperty("message").GetString()!);
            var suite = CryptoSuite.Ed25519Sha256;
            Assert.Equal(v.GetProperty("public_key").GetString(), Hex.Encode(suite.DerivePublicKey(secret)));
            // With an empty domain tag the suite signs the message itself, as RFC 8032 does.
            var signature = suite.Sign(secret, [], message);
            Assert.Equal(v.GetProperty("signature").GetString(), Hex.Encode(signature));
            Assert.True(suite.Verify(suite.DerivePublicKey(secret), [], message, signature));
        }
    }

    [Fact]
    public void Keccak256_of_the_empty_string_is_the_well_known_value()
    {
        Span<byte> output = stackalloc byte[32];
        Keccak256Hasher.Hash([], output);
        Assert.Equal("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", Hex.Encode(output));
    }
}
