using System.Runtime.InteropServices;
using NSec.Cryptography;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Ed25519 signing (RFC 8032) by libsodium, the library NSec ships, called directly: crypto_sign_ed25519_seed_keypair
/// expands a 32-byte seed into the 64-byte secret key (seed then public key) and crypto_sign_ed25519_detached signs with
/// it. Constant time is libsodium's. The secret stays in the caller's array; nothing is allocated natively per key.
/// </summary>
internal static unsafe partial class Ed25519Signing
{
    private const string Library = "libsodium";

    static Ed25519Signing()
    {
        // NSec initialises libsodium (sodium_init) before its first use; touching its algorithm does that here too, and
        // loads the native library from the same place NSec finds it.
        _ = SignatureAlgorithm.Ed25519.PublicKeySize;
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise");
        }
    }

    /// <summary>The 64-byte secret key of a 32-byte seed (the private key as key files store it).</summary>
    public static byte[] ExpandSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"an Ed25519 seed is 32 bytes, got {seed.Length}", nameof(seed));
        }
        var secretKey = new byte[64];
        Span<byte> publicKey = stackalloc byte[32];
        fixed (byte* pk = publicKey)
        fixed (byte* sk = secretKey)
        fixed (byte* s = seed)
        {
            if (crypto_sign_ed25519_seed_keypair(pk, sk, s) != 0)
            {
                throw new InvalidOperationException("libsodium could not expand the Ed25519 seed");
            }
        }
        return secretKey;
    }

    /// <summary>The 64-byte signature of <paramref name="message"/> under a secret key from <see cref="ExpandSeed"/>.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message)
    {
        if (secretKey.Length != 64)
        {
            throw new ArgumentException($"an Ed25519 secret key is 64 bytes, got {secretKey.Length}", nameof(secretKey));
        }
        var signature = new byte[64];
        fixed (byte* sig = signature)
        fixed (byte* m = message)
        fixed (byte* sk = secretKey)
        {
            if (crypto_sign_ed25519_detached(sig, null, m, (ulong)message.Length, sk) != 0)
            {
                throw new InvalidOperationException("libsodium failed to sign");
            }
        }
        return signature;
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    private static partial int crypto_sign_ed25519_seed_keypair(byte* pk, byte* sk, byte* seed);

    [LibraryImport(Library)]
    private static partial int crypto_sign_ed25519_detached(byte* sig, ulong* siglen, byte* m, ulong mlen, byte* sk);
}
