using System.CommandLine;
using System.Text.Json;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Cli;

/// <summary>`keys new|show|encrypt|decrypt|passwd`: key files for accounts, validators and nodes, in the clear or encrypted.</summary>
internal static class KeysCommands
{
    public static Command Create()
    {
        var keys = new Command("keys", "Create, inspect, encrypt and decrypt key files");

        var output = new Option<string>("--out") { Description = "Where to write the new key file", Required = true };
        var crypto = CommonOptions.Crypto();
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file" };
        var encrypt = new Option<bool>("--encrypt") { Description = "Encrypt the new key under a passphrase (see keys encrypt)" };
        var newPassphrase = Passphrases.FileOption();
        var create = new Command("new", "Generate a new key and write it to a key file (owner-only permissions)") { output, crypto, force, encrypt, newPassphrase };
        create.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            if (File.Exists(path) && !parse.GetValue(force))
            {
                throw new CliException($"{path} exists; pass --force to overwrite it");
            }
            // A mistyped directory would otherwise be created silently, and the key left where nobody looks for it.
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(directory))
            {
                throw new CliException($"the directory {directory} does not exist; create it first or choose another --out");
            }
            var key = KeyFile.Generate(CryptoSuite.FromName(parse.GetValue(crypto)!));
            if (parse.GetValue(encrypt))
            {
                key.SaveEncrypted(path, Passphrases.New(parse, newPassphrase, path));
            }
            else
            {
                key.Save(path);
            }
            Print(path);
            return 0;
        });
        keys.Add(create);

        var file = new Argument<string>("file") { Description = "Key file" };
        var show = new Command("show", "Print the suite, address and public key of a key file (no passphrase needed)") { file };
        show.SetAction(parse =>
        {
            Print(parse.GetValue(file)!);
            return 0;
        });
        keys.Add(show);

        keys.Add(CreateEncrypt());
        keys.Add(CreateDecrypt());
        keys.Add(CreatePasswd());
        return keys;
    }

    private static Command CreateEncrypt()
    {
        var file = new Argument<string>("file") { Description = "A key file in the clear" };
        var passphrase = Passphrases.FileOption(description: $"File whose first line is the new passphrase (else ${Passphrases.Variable}, else typed twice)");
        var command = new Command("encrypt", "Encrypt a key file in place: scrypt, then AES-256-GCM (ed25519-sha256) or SM4-GCM (sm2-sm3)") { file, passphrase };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (File.Exists(path) && KeyFile.IsEncrypted(path))
            {
                throw new CliException($"{path} is encrypted already (keys passwd changes its passphrase)");
            }
            var key = KeyFile.Load(path);
            key.SaveEncrypted(path, Passphrases.New(parse, passphrase, path));
            Print(path);
            return 0;
        });
        return command;
    }

    private static Command CreateDecrypt()
    {
        var file = new Argument<string>("file") { Description = "An encrypted key file" };
        var passphrase = Passphrases.FileOption();
        var command = new Command("decrypt", "Decrypt a key file in place (it is stored in the clear afterwards)") { file, passphrase };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (File.Exists(path) && !KeyFile.IsEncrypted(path))
            {
                throw new CliException($"{path} is not encrypted");
            }
            KeyFile.Load(path, Passphrases.For(parse, passphrase)).Save(path);
            Print(path);
            return 0;
        });
        return command;
    }

    private static Command CreatePasswd()
    {
        var file = new Argument<string>("file") { Description = "An encrypted key file" };
        var current = Passphrases.FileOption(description: "File whose first line is the current passphrase");
        var next = Passphrases.FileOption("--new-passphrase-file", "File whose first line is the new passphrase (else typed twice)");
        var command = new Command("passwd", "Change the passphrase of an encrypted key file") { file, current, next };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (File.Exists(path) && !KeyFile.IsEncrypted(path))
            {
                throw new CliException($"{path} is not encrypted (keys encrypt encrypts it)");
            }
            var key = KeyFile.Load(path, Passphrases.For(parse, current));
            // The new passphrase never comes from SHC_KEY_PASSPHRASE, which holds the current one.
            if (parse.GetValue(next) is null && Console.IsInputRedirected)
            {
                throw new CliUsageException("give the new passphrase with --new-passphrase-file (or run in a terminal to type it)");
            }
            key.SaveEncrypted(path, Passphrases.New(parse, next, path));
            Print(path);
            return 0;
        });
        return command;
    }

    /// <summary>What a key file says publicly, read without decrypting it.</summary>
    private static void Print(string path)
    {
        if (!File.Exists(path))
        {
            throw new KeyFileException($"key file not found: {path}");
        }
        string suite, address, publicKey, protection;
        if (KeyFile.IsEncrypted(path))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var root = json.RootElement;
            suite = root.GetProperty("crypto_suite").GetString() ?? "";
            address = root.GetProperty("address").GetString() ?? "";
            publicKey = root.GetProperty("public_key").GetString() ?? "";
            var encryption = root.GetProperty("encryption");
            protection = $"encrypted ({encryption.GetProperty("kdf").GetString()}, {encryption.GetProperty("cipher").GetString()})";
        }
        else
        {
            var key = KeyFile.Load(path);
            (suite, address, publicKey, protection) = (key.Suite.Name, key.Address.ToString(), Hex.Encode(key.PublicKey), "in the clear");
        }
        Console.WriteLine($"file:       {Path.GetFullPath(path)}");
        Console.WriteLine($"suite:      {suite}");
        Console.WriteLine($"address:    {address}");
        Console.WriteLine($"public key: {publicKey}");
        Console.WriteLine($"stored:     {protection}{(KeyFile.LoosePermissions(path) is { } loose ? $"; readable by others ({loose}): chmod 600 it" : "")}");
    }
}
