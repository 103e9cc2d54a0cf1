using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Tests;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace ShanghaiChain.Core.Tests.Crypto;

/// <summary>
/// The node's own SM2 signer against BouncyCastle: the same r and s for the same nonce, signatures accepted both ways,
/// the deterministic nonce exactly as RFC 6979 with HMAC-SM3 defines it, and bad keys and nonces refused.
/// </summary>
public class Sm2SignerTests
{
    private static readonly byte[] Tag = "shanghaichain.v1.tx\0"u8.ToArray();
    private static readonly BigInteger N = new("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16);

    private static byte[] Fixed32(BigInteger value)
    {
        var bytes = value.ToByteArrayUnsigned();
        return [.. new byte[32 - bytes.Length], .. bytes];
    }

    /// <summary>A valid private key drawn from the seeded generator, so a failure replays.</summary>
    private static byte[] DrawPrivateKey(Random random)
    {
        while (true)
        {
            var candidate = new byte[32];
            random.NextBytes(candidate);
            var d = new BigInteger(1, candidate);
            if (d.SignValue > 0 && d.CompareTo(N.Subtract(BigInteger.Two)) <= 0)
            {
                return candidate;
            }
        }
    }

    private static BigInteger DrawNonce(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        // Mostly full-size nonces, sometimes short ones, so small multiples and zero windows of the table are reached.
        if (random.Next(4) == 0)
        {
            bytes.AsSpan(0, random.Next(1, 31)).Clear();
        }
        var k = new BigInteger(1, bytes).Mod(N);
        return k.SignValue == 0 ? BigInteger.One : k;
    }

    [Fact]
    public void With_the_same_nonce_ours_and_BouncyCastle_give_the_same_signature_and_public_key()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        for (var round = 0; round < 100; round++)
        {
            var privateKey = DrawPrivateKey(random);
            var message = new byte[random.Next(0, 300)];
            random.NextBytes(message);
            var k = DrawNonce(random);
            var what = $"round {round}, {TestSeed.Describe(seed)}";
            Assert.True(Sm2.DerivePublicKeyReference(privateKey).AsSpan().SequenceEqual(Sm2.DerivePublicKey(privateKey)), "public key, " + what);
            var reference = Sm2.SignWithNonceReference(privateKey, Sm2.DefaultUserId, Tag, message, k);
            var ours = Sm2.SignWithNonce(privateKey, Sm2.DefaultUserId, Tag, message, Fixed32(k));
            Assert.True(reference is not null && ours is not null && reference.AsSpan().SequenceEqual(ours), "signature, " + what);
        }
    }

    [Fact]
    public void Extreme_keys_and_nonces_agree_with_BouncyCastle()
    {
        var message = "extremes"u8.ToArray();
        var privateKey = Fixed32(new BigInteger("123456789ABCDEF", 16));
        BigInteger[] nonces =
        [
            BigInteger.One, BigInteger.Two, BigInteger.ValueOf(64), BigInteger.ValueOf(65), BigInteger.ValueOf(127), BigInteger.ValueOf(128),
            BigInteger.One.ShiftLeft(252), BigInteger.One.ShiftLeft(255), N.Subtract(BigInteger.One), N.Subtract(BigInteger.Two),
            N.ShiftRight(1), BigInteger.One.ShiftLeft(256).Subtract(N),
            // m·2^253 − n for m = 8..15: the nonces for which the last window could meet the accumulator (Sm2FixedBase's remarks).
            .. Enumerable.Range(8, 8).Select(m => BigInteger.ValueOf(m).ShiftLeft(253).Subtract(N)).Where(k => k.CompareTo(N) < 0),
        ];
        foreach (var k in nonces)
        {
            var reference = Sm2.SignWithNonceReference(privateKey, Sm2.DefaultUserId, Tag, message, k);
            var ours = Sm2.SignWithNonce(privateKey, Sm2.DefaultUserId, Tag, message, Fixed32(k));
            Assert.True(reference is not null && ours is not null && reference.AsSpan().SequenceEqual(ours), k.ToString(16));
        }
        foreach (var d in new[] { BigInteger.One, BigInteger.Two, N.Subtract(BigInteger.Two), N.ShiftRight(1), BigInteger.ValueOf(64) })
        {
            Assert.Equal(Convert.ToHexString(Sm2.DerivePublicKeyReference(Fixed32(d))), Convert.ToHexString(Sm2.DerivePublicKey(Fixed32(d))));
        }
    }

    [Fact]
    public void Our_signatures_verify_with_BouncyCastle_and_BouncyCastle_signatures_verify_with_ours()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        for (var round = 0; round < 60; round++)
        {
            var privateKey = DrawPrivateKey(random);
            var publicKey = Sm2.DerivePublicKey(privateKey);
            var message = new byte[random.Next(0, 300)];
            random.NextBytes(message);
            var what = $"round {round}, {TestSeed.Describe(seed)}";

            var ours = Sm2.Sign(privateKey, Tag, message);
            Assert.True(Sm2.VerifyReference(publicKey, Sm2.DefaultUserId, Tag, message, ours), "BouncyCastle refuses ours, " + what);
            Assert.True(Sm2.Verify(publicKey, Sm2.DefaultUserId, Tag, message, ours), "we refuse ours, " + what);

            var theirs = Sm2.SignReference(privateKey, Sm2.DefaultUserId, Tag, message);
            Assert.True(Sm2.Verify(publicKey, Sm2.DefaultUserId, Tag, message, theirs), "we refuse BouncyCastle's, " + what);

            var tampered = (byte[])ours.Clone();
            tampered[random.Next(64)] ^= (byte)(1 << random.Next(8));
            Assert.False(Sm2.VerifyReference(publicKey, Sm2.DefaultUserId, Tag, message, tampered), "BouncyCastle accepts a flipped bit, " + what);
        }
    }

    [Fact]
    public void The_nonce_is_RFC_6979_with_HMAC_SM3_so_signing_is_deterministic()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        for (var round = 0; round < 20; round++)
        {
            var privateKey = DrawPrivateKey(random);
            var publicKey = Sm2.DerivePublicKey(privateKey);
            var message = new byte[random.Next(0, 200)];
            random.NextBytes(message);
            var what = $"round {round}, {TestSeed.Describe(seed)}";

            var signature = Sm2.Sign(privateKey, Tag, message);
            Assert.Equal(Convert.ToHexString(signature), Convert.ToHexString(Sm2.Sign(privateKey, Tag, message)));
            using (var signer = CryptoSuite.Sm2Sm3.CreateSigner(privateKey))
            {
                Assert.Equal(Convert.ToHexString(signature), Convert.ToHexString(signer.Sign(Tag, message)));
            }

            // The nonce RFC 6979 section 3.2 gives with BouncyCastle's HMAC-SM3, used by the reference signer, yields the same bytes.
            var e = MessageHash(publicKey, message);
            var k = Rfc6979Nonce(privateKey, e);
            var reference = Sm2.SignWithNonceReference(privateKey, Sm2.DefaultUserId, Tag, message, k);
            Assert.True(reference is not null && reference.AsSpan().SequenceEqual(signature), what);

            var other = Sm2.Sign(privateKey, Tag, [.. message, 0]);
            Assert.False(other.AsSpan(0, 32).SequenceEqual(signature.AsSpan(0, 32)), "two messages gave the same r, " + what);
        }
    }

    [Fact]
    public void Hmac_sm3_matches_BouncyCastle()
    {
        var random = new Random(TestSeed.Or(5));
        foreach (var length in new[] { 0, 1, 32, 55, 64, 65, 97, 200 })
        {
            var key = new byte[32];
            var message = new byte[length];
            random.NextBytes(key);
            random.NextBytes(message);
            var ours = new byte[32];
            Sm2Nonce.Hmac(key, message, ours);
            Assert.Equal(Convert.ToHexString(ReferenceHmac(key, message)), Convert.ToHexString(ours));
        }
    }

    [Fact]
    public void Bad_private_keys_and_nonces_are_refused()
    {
        var privateKey = DrawPrivateKey(new Random(TestSeed.Or(9)));
        byte[][] badKeys =
        [
            new byte[32], Fixed32(N.Subtract(BigInteger.One)), Fixed32(N), Fixed32(N.Add(BigInteger.One)),
            Enumerable.Repeat((byte)0xFF, 32).ToArray(), privateKey[..31], [.. privateKey, 0], [],
        ];
        foreach (var key in badKeys)
        {
            Assert.Throws<ArgumentException>(() => Sm2.Sign(key, Tag, "m"u8));
            Assert.Throws<ArgumentException>(() => Sm2.DerivePublicKey(key));
            Assert.Throws<ArgumentException>(() => CryptoSuite.Sm2Sm3.CreateSigner(key));
        }
        Assert.NotNull(Sm2.Sign(Fixed32(N.Subtract(BigInteger.Two)), Tag, "m"u8));
        Assert.NotNull(Sm2.Sign(Fixed32(BigInteger.One), Tag, "m"u8));

        byte[][] badNonces = [new byte[32], Fixed32(N), Enumerable.Repeat((byte)0xFF, 32).ToArray(), Fixed32(BigInteger.One)[..31]];
        foreach (var k in badNonces)
        {
            Assert.Null(Sm2.SignWithNonce(privateKey, Sm2.DefaultUserId, Tag, "m"u8, k));
        }
    }

    [Fact]
    public void Prepared_signing_allocates_nothing()
    {
        var privateKey = DrawPrivateKey(new Random(TestSeed.Or(11)));
        using var signer = new Sm2Signer(privateKey, Sm2.DefaultUserId);
        var message = new byte[150];
        var signature = new byte[64];
        signer.Sign(Tag, message, signature);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            signer.Sign(Tag, message, signature);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(Sm2.Verify(signer.PublicKey, Sm2.DefaultUserId, Tag, message, signature));
    }

    private static byte[] MessageHash(byte[] publicKey, byte[] message)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(Sm2.UserHash(publicKey, Sm2.DefaultUserId));
        digest.BlockUpdate(Tag);
        digest.BlockUpdate(message);
        var e = new byte[32];
        digest.DoFinal(e);
        return e;
    }

    private static byte[] ReferenceHmac(byte[] key, byte[] message)
    {
        var mac = new HMac(new SM3Digest());
        mac.Init(new KeyParameter(key));
        mac.BlockUpdate(message);
        var output = new byte[32];
        mac.DoFinal(output);
        return output;
    }

    /// <summary>RFC 6979 section 3.2 steps b to h for qlen = hlen = 256, written from the RFC with BouncyCastle's HMAC-SM3.</summary>
    private static BigInteger Rfc6979Nonce(byte[] privateKey, byte[] messageHash)
    {
        var h1 = Fixed32(new BigInteger(1, messageHash).Mod(N));
        var v = Enumerable.Repeat((byte)1, 32).ToArray();
        var k = new byte[32];
        k = ReferenceHmac(k, [.. v, 0, .. privateKey, .. h1]);
        v = ReferenceHmac(k, v);
        k = ReferenceHmac(k, [.. v, 1, .. privateKey, .. h1]);
        v = ReferenceHmac(k, v);
        while (true)
        {
            v = ReferenceHmac(k, v);
            var candidate = new BigInteger(1, v);
            if (candidate.SignValue > 0 && candidate.CompareTo(N) < 0)
            {
                return candidate;
            }
            k = ReferenceHmac(k, [.. v, 0]);
            v = ReferenceHmac(k, v);
        }
    }
}
