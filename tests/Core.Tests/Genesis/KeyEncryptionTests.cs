using System.Text.Json.Nodes;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Tests.Genesis;

/// <summary>Key files encrypted at rest (scrypt, then AES-256-GCM or SM4-GCM by suite): what an operator relies on.</summary>
public sealed class KeyEncryptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-keyenc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name, KeyEncryption.AesGcm)]
    [InlineData(CryptoSuite.Sm2Sm3Name, KeyEncryption.Sm4Gcm)]
    public void An_encrypted_key_file_decrypts_to_the_same_key_and_keeps_its_public_part_readable(string suiteName, string cipher)
    {
        var key = KeyFile.Generate(CryptoSuite.FromName(suiteName));
        var path = Path.Combine(_dir, "k.json");
        key.SaveEncrypted(path, "correct horse battery staple");

        Assert.True(KeyFile.IsEncrypted(path));
        Assert.Null(KeyFile.LoosePermissions(path));
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(cipher, (string?)json["encryption"]!["cipher"]);
        Assert.Equal("scrypt", (string?)json["encryption"]!["kdf"]);
        Assert.Equal(key.Address.ToString(), (string?)json["address"]);
        Assert.DoesNotContain(Hex.Encode(key.ExportPrivateKey()), File.ReadAllText(path), StringComparison.OrdinalIgnoreCase);

        var asked = 0;
        var loaded = KeyFile.Load(path, _ => { asked++; return "correct horse battery staple"; });
        Assert.Equal(1, asked);
        Assert.Equal(key.ExportPrivateKey(), loaded.ExportPrivateKey());
        Assert.Equal(key.Address, loaded.Address);
        // Signs as the original: a signature by the loaded key verifies under the original public key.
        var signature = loaded.Sign("test"u8, "message"u8);
        Assert.True(key.Suite.Verify(key.PublicKey, "test"u8, "message"u8, signature));
    }

    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public void A_wrong_passphrase_a_missing_one_or_an_altered_header_is_refused_with_a_clear_message(string suiteName)
    {
        var key = KeyFile.Generate(CryptoSuite.FromName(suiteName));
        var path = Path.Combine(_dir, "k.json");
        key.SaveEncrypted(path, "right");

        var wrong = Assert.Throws<KeyFileException>(() => KeyFile.Load(path, _ => "wrong"));
        Assert.Equal($"cannot decrypt key file {path}: wrong passphrase (or the file was altered)", wrong.Message);
        var none = Assert.Throws<KeyFileException>(() => KeyFile.Load(path));
        Assert.Equal($"key file {path} is encrypted: give its passphrase (--passphrase-file, or SHC_KEY_PASSPHRASE)", none.Message);

        // Another key's public part pasted over this one's: the associated data no longer matches.
        var other = KeyFile.Generate(key.Suite);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["address"] = other.Address.ToString();
        json["public_key"] = Hex.Encode(other.PublicKey);
        File.WriteAllText(path, json.ToJsonString());
        Assert.Throws<KeyFileException>(() => KeyFile.Load(path, _ => "right"));

        // A hostile cost parameter is refused before any work.
        json = JsonNode.Parse(File.ReadAllText(path))!;
        json["encryption"]!["n"] = 1 << 30;
        File.WriteAllText(path, json.ToJsonString());
        Assert.Contains("out-of-range encryption", Assert.Throws<KeyFileException>(() => KeyFile.Load(path, _ => "right")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_key_file_still_loads_and_loose_permissions_are_reported()
    {
        var key = KeyFile.Generate(CryptoSuite.Ed25519Sha256);
        var path = Path.Combine(_dir, "plain.json");
        key.Save(path);
        Assert.False(KeyFile.IsEncrypted(path));
        Assert.Equal(key.Address, KeyFile.Load(path, _ => throw new InvalidOperationException("a plain file needs no passphrase")).Address);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            Assert.Equal("mode 0644", KeyFile.LoosePermissions(path));
        }
    }
}
