using System.Security.Cryptography;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Core.Tests.Crypto;

/// <summary>The node's own SM2 verification gives BouncyCastle's verdict on valid signatures and on every kind of damage.</summary>
public class Sm2VerifierTests
{
    private static readonly byte[] Tag = "shanghaichain.v1.tx\0"u8.ToArray();

    // The group order n, big-endian.
    private static readonly byte[] Order = Convert.FromHexString("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");

    private static void AssertSameVerdict(byte[] publicKey, byte[] message, byte[] signature, bool expected, string what)
    {
        var reference = Sm2.VerifyReference(publicKey, Sm2.DefaultUserId, Tag, message, signature);
        var ours = Sm2.Verify(publicKey, Sm2.DefaultUserId, Tag, message, signature);
        Assert.True(reference == expected, $"BouncyCastle says {reference} for {what}");
        Assert.True(ours == reference, $"ours says {ours}, BouncyCastle {reference}, for {what}");
    }

    [Fact]
    public void Valid_signatures_verify_and_every_mutation_is_refused_as_BouncyCastle_refuses_it()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        for (var round = 0; round < 40; round++)
        {
            var privateKey = Sm2.GeneratePrivateKey();
            var publicKey = Sm2.DerivePublicKey(privateKey);
            var message = new byte[random.Next(0, 300)];
            random.NextBytes(message);
            var signature = Sm2.Sign(privateKey, Tag, message);
            var what = $"round {round}, {TestSeed.Describe(seed)}";
            AssertSameVerdict(publicKey, message, signature, true, "a valid signature, " + what);

            var badSignature = (byte[])signature.Clone();
            badSignature[random.Next(64)] ^= (byte)(1 << random.Next(8));
            AssertSameVerdict(publicKey, message, badSignature, false, "a flipped signature bit, " + what);

            if (message.Length > 0)
            {
                var badMessage = (byte[])message.Clone();
                badMessage[random.Next(message.Length)] ^= 1;
                AssertSameVerdict(publicKey, badMessage, signature, false, "a changed message, " + what);
            }
            var otherKey = Sm2.DerivePublicKey(Sm2.GeneratePrivateKey());
            AssertSameVerdict(otherKey, message, signature, false, "another key, " + what);
        }
    }

    [Fact]
    public void Scalars_out_of_range_are_refused()
    {
        var privateKey = Sm2.GeneratePrivateKey();
        var publicKey = Sm2.DerivePublicKey(privateKey);
        var message = "range"u8.ToArray();
        var signature = Sm2.Sign(privateKey, Tag, message);
        byte[][] bad =
        [
            [.. new byte[32], .. signature[32..]],   // r = 0
            [.. signature[..32], .. new byte[32]],   // s = 0
            [.. Order, .. signature[32..]],          // r = n
            [.. signature[..32], .. Order],          // s = n
            [.. Enumerable.Repeat((byte)0xFF, 32), .. signature[32..]],
            signature[..63],
        ];
        foreach (var candidate in bad)
        {
            Assert.False(Sm2.Verify(publicKey, Sm2.DefaultUserId, Tag, message, candidate), Convert.ToHexString(candidate));
        }
    }

    [Fact]
    public void Keys_off_the_curve_or_out_of_range_are_refused_as_BouncyCastle_refuses_them()
    {
        var publicKey = Sm2.DerivePublicKey(Sm2.GeneratePrivateKey());
        var offCurve = (byte[])publicKey.Clone();
        offCurve[64] ^= 1;
        var xTooLarge = (byte[])publicKey.Clone();
        Enumerable.Repeat((byte)0xFF, 32).ToArray().CopyTo(xTooLarge, 1);
        var compressed = (byte[])publicKey.Clone();
        compressed[0] = 0x02;
        foreach (var key in new[] { offCurve, xTooLarge, compressed, publicKey[..64], new byte[65] })
        {
            Assert.False(Sm2.IsValidPublicKey(key), Convert.ToHexString(key));
            Assert.Equal(Sm2.IsValidPublicKeyReference(key), Sm2.IsValidPublicKey(key));
            Assert.False(Sm2.Verify(key, Sm2.DefaultUserId, Tag, "m"u8, new byte[64]));
        }
        Assert.True(Sm2.IsValidPublicKey(publicKey));
    }

    [Fact]
    public void Signatures_with_other_user_ids_and_long_messages_agree()
    {
        var privateKey = Sm2.GeneratePrivateKey();
        var publicKey = Sm2.DerivePublicKey(privateKey);
        var message = RandomNumberGenerator.GetBytes(10_000);
        var userId = "ALICE123@YAHOO.COM"u8.ToArray();
        var signature = Sm2.SignReference(privateKey, userId, [], message);
        Assert.True(Sm2.VerifyReference(publicKey, userId, [], message, signature));
        Assert.True(Sm2.Verify(publicKey, userId, [], message, signature));
        Assert.False(Sm2.Verify(publicKey, Sm2.DefaultUserId, [], message, signature));
    }
}
