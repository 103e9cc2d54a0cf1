using System.CommandLine;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Cli;

/// <summary>`keys new` and `keys show`: key files for accounts, validators and nodes.</summary>
internal static class KeysCommands
{
    public static Command Create()
    {
        var keys = new Command("keys", "Create and inspect key files");

        var output = new Option<string>("--out") { Description = "Where to write the new key file", Required = true };
        var crypto = CommonOptions.Crypto();
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file" };
        var create = new Command("new", "Generate a new key and write it to a key file (owner-only permissions)") { output, crypto, force };
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
            key.Save(path);
            Print(key, path);
            return 0;
        });
        keys.Add(create);

        var file = new Argument<string>("file") { Description = "Key file" };
        var show = new Command("show", "Print the address and public key of a key file") { file };
        show.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            Print(KeyFile.Load(path), path);
            return 0;
        });
        keys.Add(show);
        return keys;
    }

    private static void Print(KeyFile key, string path)
    {
        Console.WriteLine($"file:       {Path.GetFullPath(path)}");
        Console.WriteLine($"suite:      {key.Suite.Name}");
        Console.WriteLine($"address:    {key.Address}");
        Console.WriteLine($"public key: {Hex.Encode(key.PublicKey)}");
    }
}
