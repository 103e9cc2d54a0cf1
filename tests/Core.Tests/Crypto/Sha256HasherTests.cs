using System.Security.Cryptography;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Core.Tests.Crypto;

public class Sha256HasherTests
{
    [Fact]
    public void On_linux_the_openssl_fast_path_is_in_use()
    {
        // The node's hashing speed (trie roots, ids) rests on it; a silent fallback would only show as a slow chain.
        if (OperatingSystem.IsLinux())
        {
            Assert.True(Sha256Hasher.UsesNativeLibrary, "libcrypto's SHA256_Init/Update/Final were not found or failed the self-test");
        }
    }

    [Fact]
    public void Digests_equal_the_platform_sha256_for_every_length_and_split()
    {
        var random = new Random(11);
        var data = new byte[NativeSha256.NoTransitionLimit * 2 + 70];
        random.NextBytes(data);
        var expected = new byte[32];
        var actual = new byte[32];
        var lengths = Enumerable.Range(0, 300).Concat([511, 512, 513, 4095, 4096, 4097, data.Length]);
        foreach (var length in lengths)
        {
            var input = data.AsSpan(0, length);
            SHA256.HashData(input, expected);
            Sha256Hasher.Hash(input, actual);
            Assert.Equal(expected, actual);
            var split = random.Next(length + 1);
            Array.Clear(actual);
            Sha256Hasher.Hash(input[..split], input[split..], actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Known_answer_abc()
    {
        var digest = new byte[32];
        Sha256Hasher.Hash("abc"u8, digest);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void A_short_destination_is_refused()
    {
        var destination = new byte[31];
        Assert.Throws<ArgumentException>(() => Sha256Hasher.Hash("abc"u8, destination));
    }
}
