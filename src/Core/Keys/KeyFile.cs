using System.Text.Json;
using System.Text.Json.Serialization;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Keys;

/// <summary>
/// A private key with its suite, as stored on disk (JSON, owner-only permissions), in the clear or encrypted under a
/// passphrase (<see cref="KeyEncryption"/>): validator keys, node identity keys and account keys all use this format.
/// </summary>
public sealed class KeyFile
{
    private sealed record Stored(string CryptoSuite, string Address, string PublicKey, string PrivateKey);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private readonly byte[] _privateKey;

    private KeyFile(CryptoSuite suite, byte[] privateKey, byte[] publicKey)
    {
        Suite = suite;
        _privateKey = privateKey;
        PublicKey = publicKey;
        Address = suite.AddressOf(publicKey);
    }

    public CryptoSuite Suite { get; }

    public byte[] PublicKey { get; }

    public Address Address { get; }

    /// <summary>
    /// A copy of the private key in the suite's encoding, for components that sign on their own (the consensus
    /// engine). Never logged or sent anywhere.
    /// </summary>
    public byte[] ExportPrivateKey() => (byte[])_privateKey.Clone();

    public static KeyFile Generate(CryptoSuite suite)
    {
        var privateKey = suite.GeneratePrivateKey();
        return new KeyFile(suite, privateKey, suite.DerivePublicKey(privateKey));
    }

    public static KeyFile FromPrivateKey(CryptoSuite suite, byte[] privateKey) =>
        new(suite, privateKey, suite.DerivePublicKey(privateKey));

    private MessageSigner? _signer;

    /// <summary>Signs the domain tag followed by the message. Thread-safe; the key is prepared once, on first use.</summary>
    public byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
    {
        var signer = Volatile.Read(ref _signer);
        if (signer is null)
        {
            var created = Suite.CreateSigner(_privateKey);
            signer = Interlocked.CompareExchange(ref _signer, created, null) ?? created;
            if (!ReferenceEquals(signer, created))
            {
                created.Dispose();
            }
        }
        return signer.Sign(domain, message);
    }

    public void Save(string path) =>
        Write(path, stream => JsonSerializer.Serialize(stream, new Stored(Suite.Name, Address.ToString(), Hex.Encode(PublicKey), Hex.Encode(_privateKey)), JsonOptions));

    /// <summary>Writes the key encrypted under <paramref name="passphrase"/> (<see cref="KeyEncryption"/>).</summary>
    public void SaveEncrypted(string path, string passphrase)
    {
        var sealedKey = KeyEncryption.Seal(Suite, Address, PublicKey, _privateKey, passphrase);
        Write(path, stream => JsonSerializer.Serialize(stream, sealedKey, KeyEncryption.JsonOptions));
    }

    /// <summary>True when the file holds an encrypted key (it has an "encryption" section).</summary>
    public static bool IsEncrypted(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("encryption", out _);
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return false;
        }
    }

    /// <summary>"mode 0644" when others than the owner may read or write the file (Unix); null when it is owner-only.</summary>
    public static string? LoosePermissions(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                    UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        return (mode & others) == 0 ? null : $"mode {System.Convert.ToString((int)mode, 8).PadLeft(4, '0')}";
    }

    private static void Write(string path, Action<Stream> serialize)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Private keys are readable by their owner only.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        {
            serialize(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Loads and checks a key file: the stored public key and address must match the private key. An encrypted file asks
    /// <paramref name="passphrase"/> for its passphrase (called once, only for an encrypted file); without one it is refused.
    /// </summary>
    public static KeyFile Load(string path, Func<string, string>? passphrase = null)
    {
        if (!File.Exists(path))
        {
            throw new KeyFileException($"key file not found: {path}");
        }
        Stored? stored;
        try
        {
            var text = File.ReadAllText(path);
            if (IsEncrypted(path))
            {
                var sealedKey = JsonSerializer.Deserialize<KeyEncryption.Sealed>(text, KeyEncryption.JsonOptions)
                    ?? throw new KeyFileException($"key file {path} is not valid");
                if (passphrase is null)
                {
                    throw new KeyFileException($"key file {path} is encrypted: give its passphrase (--passphrase-file, or SHC_KEY_PASSPHRASE)");
                }
                var secret = KeyEncryption.Open(sealedKey, passphrase(path), path);
                stored = new Stored(sealedKey.CryptoSuite, sealedKey.Address, sealedKey.PublicKey, Hex.Encode(secret));
            }
            else
            {
                stored = JsonSerializer.Deserialize<Stored>(text, JsonOptions);
            }
        }
        catch (JsonException ex)
        {
            throw new KeyFileException($"key file {path} is not valid: {ex.Message}");
        }
        if (stored is null || !CryptoSuite.TryFromName(stored.CryptoSuite, out var suite))
        {
            throw new KeyFileException($"key file {path} names no known crypto suite");
        }
        if (!Hex.TryDecode(stored.PrivateKey, out var privateKey) || privateKey.Length != suite.PrivateKeyLength)
        {
            throw new KeyFileException($"key file {path} has a malformed private key");
        }
        KeyFile key;
        try
        {
            key = FromPrivateKey(suite, privateKey);
        }
        catch (ArgumentException ex)
        {
            throw new KeyFileException($"key file {path}: {ex.Message}");
        }
        if (!Hex.TryDecode(stored.PublicKey, out var publicKey) || !publicKey.AsSpan().SequenceEqual(key.PublicKey) ||
            !Address.TryParse(stored.Address, out var address) || address != key.Address)
        {
            throw new KeyFileException($"key file {path} is inconsistent: its public key or address does not match its private key");
        }
        return key;
    }
}

/// <summary>A key file is missing, malformed or inconsistent.</summary>
public sealed class KeyFileException(string message) : Exception(message);
