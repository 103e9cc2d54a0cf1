using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Keys;

/// <summary>
/// Key files encrypted at rest: the private key sealed with a key derived from a passphrase by scrypt, under
/// AES-256-GCM on <c>ed25519-sha256</c> chains and SM4-GCM on <c>sm2-sm3</c> chains (national cryptography end to end).
/// The suite, address and public key stay readable (so <c>keys show</c> and genesis tooling need no passphrase) and are
/// bound to the ciphertext as associated data: changing any of them makes decryption fail.
/// </summary>
public static class KeyEncryption
{
    public const string Kdf = "scrypt";
    public const string AesGcm = "aes-256-gcm";
    public const string Sm4Gcm = "sm4-gcm";

    /// <summary>scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, a fraction of a second), the common interactive setting.</summary>
    private const int CostN = 1 << 15;
    private const int BlockR = 8;
    private const int ParallelP = 1;

    internal sealed record Sealed(string CryptoSuite, string Address, string PublicKey, Encryption Encryption);

    internal sealed record Encryption(string Kdf, int N, int R, int P, string Salt, string Cipher, string Nonce, string Ciphertext);

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The cipher a suite's key files use.</summary>
    public static string CipherFor(CryptoSuite suite) => suite.Name == CryptoSuite.Sm2Sm3Name ? Sm4Gcm : AesGcm;

    internal static Sealed Seal(CryptoSuite suite, Address address, byte[] publicKey, byte[] privateKey, string passphrase)
    {
        if (passphrase.Length == 0)
        {
            throw new KeyFileException("the passphrase is empty");
        }
        var cipher = CipherFor(suite);
        var salt = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var key = Derive(passphrase, salt, CostN, BlockR, ParallelP, cipher);
        var aad = AssociatedData(suite.Name, address.ToString(), Hex.Encode(publicKey));
        var ciphertext = Encrypt(cipher, key, nonce, privateKey, aad);
        CryptographicOperations.ZeroMemory(key);
        return new Sealed(suite.Name, address.ToString(), Hex.Encode(publicKey),
            new Encryption(Kdf, CostN, BlockR, ParallelP, Hex.Encode(salt), cipher, Hex.Encode(nonce), Hex.Encode(ciphertext)));
    }

    /// <summary>The private key, or a <see cref="KeyFileException"/> naming the file for a wrong passphrase or a damaged file.</summary>
    internal static byte[] Open(Sealed sealedKey, string passphrase, string path)
    {
        var e = sealedKey.Encryption;
        // Validated here, before any work: known algorithms, parameters in sane bounds (a hostile file cannot ask for
        // gigabytes of scrypt memory), well-formed hex of the right lengths.
        if (e.Kdf != Kdf || e.N is < 1024 or > 1 << 20 || (e.N & (e.N - 1)) != 0 || e.R is < 1 or > 32 || e.P is < 1 or > 16 ||
            e.Cipher is not (AesGcm or Sm4Gcm))
        {
            throw new KeyFileException($"key file {path} uses an unknown or out-of-range encryption ({e.Kdf} N={e.N} r={e.R} p={e.P}, {e.Cipher})");
        }
        if (!Hex.TryDecode(e.Salt, out var salt) || salt.Length < 16 || !Hex.TryDecode(e.Nonce, out var nonce) || nonce.Length != 12 ||
            !Hex.TryDecode(e.Ciphertext, out var ciphertext) || ciphertext.Length <= 16)
        {
            throw new KeyFileException($"key file {path} has a malformed encryption section");
        }
        var key = Derive(passphrase, salt, e.N, e.R, e.P, e.Cipher);
        try
        {
            return Decrypt(e.Cipher, key, nonce, ciphertext, AssociatedData(sealedKey.CryptoSuite, sealedKey.Address, sealedKey.PublicKey));
        }
        catch (Exception ex) when (ex is AuthenticationTagMismatchException or Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            throw new KeyFileException($"cannot decrypt key file {path}: wrong passphrase (or the file was altered)");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] AssociatedData(string suite, string address, string publicKey) =>
        Encoding.UTF8.GetBytes($"shanghaichain-key-v1\n{suite}\n{address.ToLowerInvariant()}\n{publicKey.ToLowerInvariant()}");

    private static byte[] Derive(string passphrase, byte[] salt, int n, int r, int p, string cipher) =>
        SCrypt.Generate(Encoding.UTF8.GetBytes(passphrase.Normalize(NormalizationForm.FormKC)), salt, n, r, p, cipher == Sm4Gcm ? 16 : 32);

    private static byte[] Encrypt(string cipher, byte[] key, byte[] nonce, byte[] plaintext, byte[] aad)
    {
        if (cipher == AesGcm)
        {
            var output = new byte[plaintext.Length + 16];
            using var aes = new System.Security.Cryptography.AesGcm(key, 16);
            aes.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), aad);
            return output;
        }
        return Sm4(forEncryption: true, key, nonce, plaintext, aad);
    }

    private static byte[] Decrypt(string cipher, byte[] key, byte[] nonce, byte[] ciphertext, byte[] aad)
    {
        if (cipher == AesGcm)
        {
            var plaintext = new byte[ciphertext.Length - 16];
            using var aes = new System.Security.Cryptography.AesGcm(key, 16);
            aes.Decrypt(nonce, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), plaintext, aad);
            return plaintext;
        }
        return Sm4(forEncryption: false, key, nonce, ciphertext, aad);
    }

    /// <summary>SM4 (GB/T 32907) in GCM mode with a 128-bit tag appended to the ciphertext, as AES-GCM's layout here.</summary>
    private static byte[] Sm4(bool forEncryption, byte[] key, byte[] nonce, byte[] input, byte[] aad)
    {
        var gcm = new GcmBlockCipher(new SM4Engine());
        gcm.Init(forEncryption, new AeadParameters(new KeyParameter(key), 128, nonce, aad));
        var output = new byte[gcm.GetOutputSize(input.Length)];
        var written = gcm.ProcessBytes(input, 0, input.Length, output, 0);
        written += gcm.DoFinal(output, written);
        return written == output.Length ? output : output[..written];
    }
}
