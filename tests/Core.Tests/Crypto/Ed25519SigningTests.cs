using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;

namespace ShanghaiChain.Core.Tests.Crypto;

/// <summary>
/// Ed25519 signing through libsodium with the secret key in ordinary memory: RFC 8032's signatures, and no native
/// allocation per key, so a process can keep as many keys ready to sign as it likes (a load generator with 100,000
/// accounts aborted when each key took a guarded libsodium allocation and the process ran out of memory mappings).
/// </summary>
public sealed class Ed25519SigningTests
{
    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;

    [Fact]
    public void A_signer_makes_the_RFC_8032_signature()
    {
        // RFC 8032 section 7.1, test 3 (tests 1 and 2 are in the shared fixtures, signed by ConformanceVectorTests).
        var secret = Convert.FromHexString("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7");
        var expected = Convert.FromHexString(
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a");
        Assert.Equal("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", Convert.ToHexStringLower(Suite.DerivePublicKey(secret)));
        using var signer = Suite.CreateSigner(secret);
        // The domain tag and the message are signed as one byte string.
        Assert.Equal(expected, signer.Sign([0xaf], [0x82]));
        Assert.Equal(expected, Suite.Sign(secret, [], [0xaf, 0x82]));
    }

    [Fact]
    public void A_disposed_signer_refuses_and_a_wrong_length_key_is_refused()
    {
        var signer = Suite.CreateSigner(new byte[32]);
        signer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => signer.Sign([], [1]));
        Assert.Throws<ArgumentException>(() => Suite.CreateSigner(new byte[31]));
    }

    [Fact]
    public void Thousands_of_keys_ready_to_sign_take_no_memory_mapping_each()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var keys = Enumerable.Range(0, 3_000).Select(_ => KeyFile.Generate(Suite)).ToList();
        var before = File.ReadAllLines("/proc/self/maps").Length;
        foreach (var key in keys)
        {
            // KeyFile keeps its signer for its lifetime.
            Assert.True(Suite.Verify(key.PublicKey, [], [7], key.Sign([], [7])));
        }
        var after = File.ReadAllLines("/proc/self/maps").Length;
        Assert.True(after - before < 300, $"signing with {keys.Count} kept keys added {after - before} memory mappings");
        GC.KeepAlive(keys);
    }
}
