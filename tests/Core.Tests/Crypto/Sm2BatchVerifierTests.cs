using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Core.Tests.Crypto;

/// <summary>The eight-lane batch verifier gives, signature by signature, the single verifier's verdict.</summary>
public class Sm2BatchVerifierTests
{
    private static readonly byte[] Tag = "shanghaichain.v1.tx\0"u8.ToArray();
    private static readonly byte[] Order = Convert.FromHexString("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");

    private static byte[] DrawPrivateKey(Random random)
    {
        while (true)
        {
            var candidate = new byte[32];
            random.NextBytes(candidate);
            try
            {
                _ = Sm2.DerivePublicKey(candidate);
                return candidate;
            }
            catch (ArgumentException)
            {
                // Out of range: draw again.
            }
        }
    }

    private static void AssertSameVerdicts(List<Sm2BatchItem> items, string what)
    {
        var results = new bool[items.Count];
        Sm2BatchVerifier.Verify(items.ToArray(), Sm2.DefaultUserId, Tag, results);
        for (var i = 0; i < items.Count; i++)
        {
            var single = Sm2.Verify(items[i].PublicKey.Span, Sm2.DefaultUserId, Tag, items[i].Message.Span, items[i].Signature.Span);
            Assert.True(single == results[i], $"item {i}: batch says {results[i]}, single {single}, {what}");
        }
    }

    [Fact]
    public void Batches_of_valid_and_damaged_signatures_get_the_single_verifiers_verdicts()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        foreach (var size in new[] { 1, 7, 8, 9, 16, 21 })
        {
            var items = new List<Sm2BatchItem>();
            for (var i = 0; i < size; i++)
            {
                var privateKey = DrawPrivateKey(random);
                var publicKey = Sm2.DerivePublicKey(privateKey);
                var message = new byte[random.Next(0, 200)];
                random.NextBytes(message);
                var signature = Sm2.Sign(privateKey, Tag, message);
                switch (random.Next(8))
                {
                    case 0:
                        signature[random.Next(64)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        publicKey = Sm2.DerivePublicKey(DrawPrivateKey(random));
                        break;
                    case 2:
                        publicKey[64] ^= 1; // off the curve
                        break;
                    case 3:
                        signature = [.. Order, .. signature[32..]]; // r = n
                        break;
                    case 4:
                        signature = signature[..63];
                        break;
                    default:
                        break; // valid
                }
                items.Add(new Sm2BatchItem(publicKey, message, signature));
            }
            var fallbacks = Sm2BatchVerifier.FallbacksOnThisThread;
            AssertSameVerdicts(items, $"batch of {size}, {TestSeed.Describe(seed)}");
            // Random keys never meet the exceptional additions, so every verdict came from the lanes.
            Assert.Equal(fallbacks, Sm2BatchVerifier.FallbacksOnThisThread);
        }
    }

    [Fact]
    public void Keys_that_are_small_multiples_of_G_reach_the_exceptional_additions_and_still_agree()
    {
        // With P = G or 2G the key table and the base table hold the same points, so the accumulator meets an entry
        // (doubling or cancelling) for some signatures: those lanes go to the single verifier.
        var seed = TestSeed.Run;
        var random = new Random(seed);
        var items = new List<Sm2BatchItem>();
        foreach (var d in new byte[] { 1, 2, 3 })
        {
            var privateKey = new byte[32];
            privateKey[31] = d;
            var publicKey = Sm2.DerivePublicKey(privateKey);
            for (var i = 0; i < 40; i++)
            {
                var message = new byte[16];
                random.NextBytes(message);
                var signature = Sm2.Sign(privateKey, Tag, message);
                if (i % 5 == 4)
                {
                    signature[31] ^= 0x80;
                }
                items.Add(new Sm2BatchItem(publicKey, message, signature));
            }
        }
        var fallbacks = Sm2BatchVerifier.FallbacksOnThisThread;
        AssertSameVerdicts(items, TestSeed.Describe(seed));
        Assert.True(Sm2BatchVerifier.FallbacksOnThisThread > fallbacks, "no lane met an exceptional addition: the test no longer reaches that path");
    }

    [Fact]
    public void Batch_verification_allocates_nothing()
    {
        var random = new Random(TestSeed.Or(3));
        var items = new Sm2BatchItem[16];
        for (var i = 0; i < items.Length; i++)
        {
            var privateKey = DrawPrivateKey(random);
            var message = new byte[150];
            random.NextBytes(message);
            items[i] = new Sm2BatchItem(Sm2.DerivePublicKey(privateKey), message, Sm2.Sign(privateKey, Tag, message));
        }
        var results = new bool[items.Length];
        Sm2BatchVerifier.Verify(items, Sm2.DefaultUserId, Tag, results);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Sm2BatchVerifier.Verify(items, Sm2.DefaultUserId, Tag, results);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.All(results, Assert.True);
    }
}
