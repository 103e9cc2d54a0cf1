using System.Numerics;
using FsCheck.Xunit;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Core.Tests.Crypto;

/// <summary>
/// The node's Ed25519 verifier: the ZIP-215 rule on the published edge cases, single and batched alike; RFC 8032;
/// agreement with libsodium on ordinary signatures; a bad signature in a batch found exactly.
/// </summary>
public class Ed25519VerifierTests
{
    private static readonly byte[] Tag = "shanghaichain.v1.tx\0"u8.ToArray();
    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;

    /// <summary>
    /// The twelve vectors of ed25519-speccheck (Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs", SSR 2020;
    /// github.com/novifinancial/ed25519-speccheck, cases.json at 6551933): message, public key, signature, and the verdict
    /// under ZIP-215, which is the row "Zebra" of that repository's results table. What each case tests is in the
    /// comment; libsodium's verdicts (its row) are kept to show where the rules differ. The node's rule is ZIP-215 plus
    /// one restriction, keys of small order refused, which turns cases 0, 1, 10 and 11 (A small) into refusals.
    /// </summary>
    public static TheoryData<int, string, string, string, bool, bool> Speccheck() => new()
    {
        // 0: S = 0, A and R of small order: the cofactored equation holds trivially.
        { 0, "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000", true, false },
        // 1: 0 < S < L, A small, R mixed order.
        { 1, "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
            "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", true, false },
        // 2: 0 < S < L, A mixed, R small.
        { 2, "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e", true, false },
        // 3: A and R mixed, passes both equations.
        { 3, "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
            "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009", true, true },
        // 4: A and R mixed, passes only the cofactored equation (the case that tells the two rules apart).
        { 4, "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
            "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09", true, false },
        // 5: A mixed: fails a cofactored check that reduces 8k modulo L before multiplying A ("pre-reduced").
        { 5, "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
            "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405", true, false },
        // 6: S > L: refused (malleability).
        { 6, "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
            "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514", false, false },
        // 7: S much larger than L (top bits set): refused.
        { 7, "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
            "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22", false, false },
        // 8: non-canonical R, signed over its reduced encoding: refused, because k hashes R's bytes as received.
        { 8, "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f", false, false },
        // 9: non-canonical R, signed over the bytes as sent: accepted.
        { 9, "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908", true, false },
        // 10: non-canonical A (x = 0 with the sign bit set), hash over the reduced encoding: accepted (A is small).
        { 10, "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", true, false },
        // 11: non-canonical A, hash over the bytes as sent: accepted.
        { 11, "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", true, false },
    };

    [Theory]
    [MemberData(nameof(Speccheck))]
    public void Speccheck_vector_gets_the_ZIP215_verdict_single_and_batched(int index, string message, string key, string signature, bool zip215, bool libsodium)
    {
        var m = Convert.FromHexString(message);
        var a = Convert.FromHexString(key);
        var sig = Convert.FromHexString(signature);
        var smallKey = Ed25519Verifier.IsSmallOrderEncoding(a);
        Assert.True(smallKey == index is 0 or 1 or 10 or 11, $"case {index}: the key's order is as the speccheck table says");
        var expected = zip215 && !smallKey;
        Assert.True(expected == Suite.Verify(a, [], m, sig), $"case {index}: single verdict");
        Assert.True(expected == Ed25519Verifier.Verify(a, [], m, sig), $"case {index}: the node's own verifier");
        Assert.True(libsodium == Ed25519Sha256Suite.VerifyReference(a, [], m, sig), $"case {index}: libsodium's verdict as published");

        // In a batch of ordinary valid signatures, at every position: the batch gives the same verdict and leaves the others valid.
        var random = new Random(TestSeed.Or(index));
        foreach (var size in new[] { 2, 5, 64 })
        {
            var items = ValidItems(random, size, []);
            var position = random.Next(size);
            items[position] = new SignatureCheck(a, m, sig);
            var results = new bool[size];
            Suite.VerifyBatch(items, [], results);
            for (var i = 0; i < size; i++)
            {
                Assert.True(results[i] == (i == position ? expected : true), $"case {index}, batch of {size}, item {i}");
            }
        }
    }

    [Fact]
    public void RFC_8032_vectors_verify_and_their_damaged_copies_do_not()
    {
        // Section 7.1 tests 1 and 2 are in the shared fixtures (ConformanceVectorTests checks signing); test 3 here.
        (string Key, string Message, string Signature)[] vectors =
        [
            ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
            ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
            ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
                "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
        ];
        foreach (var (keyHex, messageHex, signatureHex) in vectors)
        {
            var key = Convert.FromHexString(keyHex);
            var message = Convert.FromHexString(messageHex);
            var signature = Convert.FromHexString(signatureHex);
            Assert.True(Suite.Verify(key, [], message, signature), keyHex);
            Assert.True(Ed25519Sha256Suite.VerifyReference(key, [], message, signature), keyHex);
            Assert.True(Suite.IsValidPublicKey(key));
            for (var bit = 0; bit < 512; bit += 7)
            {
                var damaged = (byte[])signature.Clone();
                damaged[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.False(Suite.Verify(key, [], message, damaged), $"{keyHex}: bit {bit} flipped");
            }
            Assert.False(Suite.Verify(key, [], [.. message, 0], signature));
        }
    }

    [Property(MaxTest = 60)]
    public void Ordinary_signatures_get_the_same_verdict_from_libsodium_and_from_the_node(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var secret = new byte[32];
        random.NextBytes(secret);
        var key = Suite.DerivePublicKey(secret);
        var message = new byte[random.Next(0, 300)];
        random.NextBytes(message);
        var signature = Suite.Sign(secret, Tag, message);
        var what = TestSeed.Describe(seed);
        Assert.True(Suite.Verify(key, Tag, message, signature), what);
        Assert.True(Ed25519Sha256Suite.VerifyReference(key, Tag, message, signature), what);

        // Any mutation of the signature, the key or the message is refused by both.
        var badSignature = (byte[])signature.Clone();
        badSignature[random.Next(64)] ^= (byte)(1 << random.Next(8));
        var badKey = (byte[])key.Clone();
        badKey[random.Next(32)] ^= (byte)(1 << random.Next(8));
        var badMessage = message.Length == 0 ? [1] : (byte[])message.Clone();
        if (message.Length > 0)
        {
            badMessage[random.Next(message.Length)] ^= (byte)(1 << random.Next(8));
        }
        foreach (var (k, m, s, name) in new[] { (key, message, badSignature, "signature"), (badKey, message, signature, "key"), (key, badMessage, signature, "message") })
        {
            Assert.False(Suite.Verify(k, Tag, m, s), $"{what}: mutated {name} accepted by the node");
            Assert.False(Ed25519Sha256Suite.VerifyReference(k, Tag, m, s), $"{what}: mutated {name} accepted by libsodium");
        }
        // Wrong lengths are refused, never thrown on.
        Assert.False(Suite.Verify(key[..31], Tag, message, signature));
        Assert.False(Suite.Verify(key, Tag, message, signature[..63]));
    }

    [Fact]
    public void A_batch_with_one_bad_signature_finds_exactly_it_by_bisection()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        foreach (var size in new[] { 4, 17, 64, 128, 200 })
        {
            var items = ValidItems(random, size, Tag);
            var bad = random.Next(size);
            var signature = items[bad].Signature.ToArray();
            signature[32] ^= 1; // s's lowest bit: still canonical, A and R still decode, only the curve equation fails
            items[bad] = items[bad] with { Signature = signature };
            var results = new bool[size];
            var before = Ed25519BatchVerifier.ChecksOnThisThread;
            Suite.VerifyBatch(items, Tag, results);
            var checks = Ed25519BatchVerifier.ChecksOnThisThread - before;
            for (var i = 0; i < size; i++)
            {
                Assert.True(results[i] == (i != bad), $"{TestSeed.Describe(seed)}: batch of {size}, item {i} (bad: {bad})");
            }
            // Bisection: about two checks per halving, far fewer than one per signature, and more than the first.
            Assert.True((size < 8 || checks > 1) && checks <= 2 * (int)Math.Ceiling(Math.Log2(size)) + 3, $"batch of {size}: {checks} multi-scalar multiplications");
        }
    }

    [Fact]
    public void Batches_of_mixed_verdicts_match_single_verification()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        foreach (var size in new[] { 1, 2, 3, 33, 64 })
        {
            var items = ValidItems(random, size, Tag);
            for (var i = 0; i < size; i++)
            {
                switch (random.Next(6))
                {
                    case 0:
                        var signature = items[i].Signature.ToArray();
                        signature[random.Next(64)] ^= (byte)(1 << random.Next(8));
                        items[i] = items[i] with { Signature = signature };
                        break;
                    case 1:
                        items[i] = items[i] with { Message = new byte[] { 9 } };
                        break;
                    case 2:
                        items[i] = items[i] with { Signature = items[i].Signature[..10] };
                        break;
                }
            }
            var results = new bool[size];
            Suite.VerifyBatch(items, Tag, results);
            for (var i = 0; i < size; i++)
            {
                var single = Suite.Verify(items[i].PublicKey.Span, Tag, items[i].Message.Span, items[i].Signature.Span);
                Assert.True(single == results[i], $"{TestSeed.Describe(seed)}: batch of {size}, item {i}: batch {results[i]}, single {single}");
            }
        }
    }

    [Fact]
    public void Keys_of_small_order_are_refused_as_keys_but_not_inside_signatures()
    {
        // Eight torsion points plus six non-canonical encodings (C2SP/CCTV's ed25519 vectors count the same fourteen).
        Assert.Equal(14, Ed25519Verifier.SmallOrderEncodingCount);
        var identity = new byte[32];
        identity[0] = 1;
        foreach (var key in new[] { identity, Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
                     Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), new byte[32] })
        {
            Assert.True(Suite.AnyoneCanSignFor(key), Convert.ToHexString(key));
            Assert.False(Suite.IsValidPublicKey(key), Convert.ToHexString(key));
        }
        // A mixed-order key (speccheck's A of cases 2 to 5) verifies signatures, but is not a registered key: the same
        // private scalar signs for it with each of the eight torsion components, so it would be eight registrations.
        var mixed = Convert.FromHexString("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43");
        Assert.False(Suite.AnyoneCanSignFor(mixed));
        Assert.False(Suite.IsValidPublicKey(mixed));
        var secret = new byte[32];
        new Random(3).NextBytes(secret);
        var ordinary = Suite.DerivePublicKey(secret);
        Assert.True(Suite.IsValidPublicKey(ordinary));
        Assert.False(Suite.AnyoneCanSignFor(ordinary));
        // y = 2 + p is a non-canonical encoding of a point of full order when it decodes: never a registered key.
        var nonCanonical = Convert.FromHexString("efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        Assert.False(Suite.IsValidPublicKey(nonCanonical));
        // Under bare ZIP-215 anyone could sign for a small-order key (s = 0 with R the identity satisfies the cofactored
        // equation for every message); the node refuses the key, single and batched.
        var forged = new byte[64];
        forged[0] = 1;
        Assert.False(Suite.Verify(identity, Tag, "any message"u8, forged));
        var results = new bool[1];
        Suite.VerifyBatch([new SignatureCheck(identity, "any message"u8.ToArray(), forged)], Tag, results);
        Assert.False(results[0]);
    }

    [Fact]
    public void Eight_decodings_in_lanes_give_the_single_decodings_points_and_verdicts()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        var encodings = new byte[8 * 32];
        var points = new Ed25519Point[8];
        var decoded = new bool[8];
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        for (var round = 0; round < 100; round++)
        {
            random.NextBytes(encodings);
            if (round % 4 == 0)
            {
                // Non-canonical y (y ≥ p) and small-order encodings among them.
                encodings.AsSpan(0, 32).Fill(0xFF);
                Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff").CopyTo(encodings, 32);
                Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa").CopyTo(encodings, 64);
            }
            var count = 1 + round % 8;
            Ed25519Point.TryDecodeEight(encodings.AsSpan(0, 32 * count), points, decoded);
            for (var lane = 0; lane < count; lane++)
            {
                var single = Ed25519Point.TryDecode(encodings.AsSpan(32 * lane, 32), out var point);
                Assert.True(single == decoded[lane], $"{TestSeed.Describe(seed)}: round {round}, lane {lane}");
                if (single)
                {
                    point.Encode(expected);
                    points[lane].Encode(actual);
                    Assert.True(expected.SequenceEqual(actual), $"{TestSeed.Describe(seed)}: round {round}, lane {lane}");
                }
            }
        }
    }

    [Fact]
    public void A_cached_key_decodes_to_the_same_point_and_a_bad_key_stays_refused()
    {
        var random = new Random(TestSeed.Run);
        var encoding = new byte[32];
        Span<byte> first = stackalloc byte[32];
        Span<byte> again = stackalloc byte[32];
        for (var i = 0; i < 200; i++)
        {
            random.NextBytes(encoding);
            var decodes = Ed25519Point.TryDecode(encoding, out var direct);
            for (var round = 0; round < 2; round++)
            {
                Assert.Equal(decodes, Ed25519KeyCache.TryDecode(encoding, out var cached));
                if (decodes)
                {
                    direct.Encode(first);
                    cached.Encode(again);
                    Assert.True(first.SequenceEqual(again), Convert.ToHexString(encoding));
                }
            }
        }
    }

    [Fact]
    public void Field_arithmetic_matches_integers_modulo_p()
    {
        var p = (BigInteger.One << 255) - 19;
        var seed = TestSeed.Run;
        var random = new Random(seed);
        var output = new byte[32];
        for (var round = 0; round < 500; round++)
        {
            var a = RandomBytes(random, round);
            var b = RandomBytes(random, round + 1);
            var x = Ed25519Field.FromBytes(a);
            var y = Ed25519Field.FromBytes(b);
            var ax = new BigInteger(a, isUnsigned: true) & ((BigInteger.One << 255) - 1);
            var bx = new BigInteger(b, isUnsigned: true) & ((BigInteger.One << 255) - 1);
            void Expect(Ed25519Field actual, BigInteger expected, string what)
            {
                actual.ToBytes(output);
                Assert.True(new BigInteger(output, isUnsigned: true) == BigInteger.ModPow(expected % p + p, 1, p), $"{TestSeed.Describe(seed)}: {what} round {round}");
            }
            Expect(x, ax, "load");
            Expect(Ed25519Field.Mul(x, y), ax * bx, "mul");
            Expect(Ed25519Field.Square(Ed25519Field.Add(x, y)), (ax + bx) * (ax + bx), "square of sum");
            Expect(Ed25519Field.Sub(x, Ed25519Field.Add(y, y)), ax - 2 * bx, "sub");
            Expect(Ed25519Field.Mul(Ed25519Field.Add(x, x), Ed25519Field.Add(y, y)), 4 * ax * bx, "mul of sums");
            if (ax % p != 0)
            {
                Expect(Ed25519Field.Mul(Ed25519Field.Invert(x), x), 1, "invert");
            }
        }
    }

    [Fact]
    public void Scalar_reduction_matches_integers_modulo_the_group_order()
    {
        var order = (BigInteger.One << 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
        var seed = TestSeed.Run;
        var random = new Random(seed);
        Span<byte> wide = stackalloc byte[64];
        Span<sbyte> digits = stackalloc sbyte[256];
        for (var round = 0; round < 500; round++)
        {
            random.NextBytes(wide);
            if (round % 5 == 0) wide.Fill(0xFF);
            var reduced = Ed25519Scalar.FromWideBytes(wide);
            var expected = new BigInteger(wide, isUnsigned: true) % order;
            Assert.True(expected == ToInteger(reduced), $"{TestSeed.Describe(seed)}: round {round}");
            var other = Ed25519Scalar.FromWideBytes(wide[..32].ToArray().Concat(new byte[32]).ToArray());
            Assert.True(expected * ToInteger(other) % order == ToInteger(Ed25519Scalar.Mul(reduced, other)), "mul");
            Assert.True((expected + ToInteger(other)) % order == ToInteger(Ed25519Scalar.Add(reduced, other)), "add");
            Assert.True((order - expected) % order == ToInteger(Ed25519Scalar.Negate(reduced)), "negate");
            reduced.ToNaf(digits, 5);
            var sum = BigInteger.Zero;
            for (var i = 255; i >= 0; i--) sum = 2 * sum + digits[i];
            Assert.True(expected == sum, "NAF");
        }
    }

    private static BigInteger ToInteger(Ed25519Scalar s) =>
        new BigInteger(s.L0) + (new BigInteger(s.L1) << 64) + (new BigInteger(s.L2) << 128) + (new BigInteger(s.L3) << 192);

    private static byte[] RandomBytes(Random random, int round)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        switch (round % 7)
        {
            case 0: bytes.AsSpan().Fill(0xFF); break; // 2^256 − 1: above p (and bit 255 dropped)
            case 1: bytes.AsSpan().Fill(0); bytes[0] = (byte)(0xED + random.Next(19)); bytes.AsSpan(1, 30).Fill(0xFF); bytes[31] = 0x7F; break; // p..2^255−1
        }
        return bytes;
    }

    private static SignatureCheck[] ValidItems(Random random, int count, byte[] domain)
    {
        var items = new SignatureCheck[count];
        for (var i = 0; i < count; i++)
        {
            var secret = new byte[32];
            random.NextBytes(secret);
            var message = new byte[random.Next(0, 200)];
            random.NextBytes(message);
            items[i] = new SignatureCheck(Suite.DerivePublicKey(secret), message, Suite.Sign(secret, domain, message));
        }
        return items;
    }
}
