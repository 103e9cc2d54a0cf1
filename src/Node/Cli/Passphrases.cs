using System.CommandLine;
using System.Text;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// Where the passphrase of an encrypted key file comes from, in this order: a file (--passphrase-file; its first line),
/// the SHC_KEY_PASSPHRASE variable, a prompt without echo when standard input is a terminal. With none of them an
/// encrypted key is refused with a line saying how to give one. Validated here: the file exists and its line is not empty.
/// </summary>
internal static class Passphrases
{
    public const string Variable = "SHC_KEY_PASSPHRASE";

    public static Option<string?> FileOption(string name = "--passphrase-file", string? description = null) => new(name)
    {
        Description = description ?? $"File whose first line is the key file's passphrase (else ${Variable}, else a prompt)",
    };

    /// <summary>The passphrase of an existing encrypted key, asked for once per file.</summary>
    public static Func<string, string> For(ParseResult parse, Option<string?> file) => path =>
        parse.GetValue(file) is { } passphraseFile
            ? ReadFile(passphraseFile, file.Name)
            : Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : Prompt($"passphrase for {path}: ", path);

    /// <summary>A new passphrase: from the file or the variable, else typed twice at the prompt.</summary>
    public static string New(ParseResult parse, Option<string?> file, string path)
    {
        if (parse.GetValue(file) is { } passphraseFile)
        {
            return ReadFile(passphraseFile, file.Name);
        }
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }
        var first = Prompt($"new passphrase for {path}: ", path);
        return Prompt("repeat it: ", path) == first ? first : throw new CliException("the two passphrases differ; nothing was changed");
    }

    private static string ReadFile(string path, string option)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{option} {path}: no such file");
        }
        var line = File.ReadLines(path).FirstOrDefault() ?? "";
        return line.Length > 0 ? line : throw new CliException($"{option} {path}: the first line is empty");
    }

    private static string Prompt(string question, string keyPath)
    {
        if (Console.IsInputRedirected)
        {
            throw new CliException($"{keyPath} is encrypted and no passphrase was given: use --passphrase-file FILE or set {Variable}");
        }
        Console.Error.Write(question);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                text.Length = Math.Max(0, text.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
        Console.Error.WriteLine();
        return text.Length > 0 ? text.ToString() : throw new CliException("the passphrase is empty");
    }
}
