using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Core.Tests.Crypto;

public class Sm3HasherTests
{
    [Fact]
    public void On_linux_openssl_sm3_is_in_use()
    {
        // An sm2-sm3 chain's hashing speed rests on it; a silent fallback would only show as a slow chain.
        if (OperatingSystem.IsLinux())
        {
            Assert.True(NativeSm3.Available, "libcrypto.so.3's SM3 was not found or failed the self-test");
        }
    }

    [Fact]
    public void Digests_equal_the_managed_reference_for_every_length_and_split()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        var data = new byte[NativeSm3.NoTransitionLimit * 2 + 70];
        random.NextBytes(data);
        var expected = new byte[32];
        var actual = new byte[32];
        foreach (var length in Enumerable.Range(0, 300).Concat([511, 512, 513, 4095, 4096, 4097, data.Length]))
        {
            var input = data.AsSpan(0, length);
            NativeSm3.HashManaged(input, [], expected);
            Sm3Hasher.Hash(input, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"length {length}, {TestSeed.Describe(seed)}");
            var split = random.Next(length + 1);
            Array.Clear(actual);
            Sm3Hasher.Hash(input[..split], input[split..], actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"length {length} split at {split}, {TestSeed.Describe(seed)}");
        }
    }

    [Fact]
    public async Task Threads_hashing_at_once_each_get_their_own_context()
    {
        var inputs = Enumerable.Range(0, 64).Select(i => Enumerable.Repeat((byte)i, 100 + i).ToArray()).ToArray();
        var expected = inputs.Select(input =>
        {
            var digest = new byte[32];
            NativeSm3.HashManaged(input, [], digest);
            return digest;
        }).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            var digest = new byte[32];
            for (var round = 0; round < 200; round++)
            {
                for (var i = 0; i < inputs.Length; i++)
                {
                    Sm3Hasher.Hash(inputs[i], digest);
                    Assert.Equal(expected[i], digest);
                }
            }
        })));
    }
}
