using System.Globalization;

namespace ShanghaiChain.LoadGen;

/// <summary>Command-line options of the load generator; every value is checked before anything is sent.</summary>
internal sealed record LoadOptions
{
    public string Node { get; init; } = "http://127.0.0.1:26657";
    public string KeyFile { get; init; } = ".devnet/config/operator_key.json";
    public int Accounts { get; init; } = 500;
    public int DurationSeconds { get; init; } = 60;
    public int TargetTps { get; init; } = 15_000;
    public int Batch { get; init; } = 500;
    public int Streams { get; init; } = 4;
    public int Window { get; init; } = 40_000;
    public int WarmupSeconds { get; init; } = 5;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value");
            }
            var value = args[++i];
            options = name switch
            {
                "--node" => options with { Node = value },
                "--key" => options with { KeyFile = value },
                "--accounts" => options with { Accounts = Int(name, value, 1, 100_000) },
                "--duration" => options with { DurationSeconds = Int(name, value, 1, 3_600) },
                "--tps" => options with { TargetTps = Int(name, value, 1, 1_000_000) },
                "--batch" => options with { Batch = Int(name, value, 1, 10_000) },
                "--streams" => options with { Streams = Int(name, value, 1, 64) },
                "--window" => options with { Window = Int(name, value, 1, 10_000_000) },
                "--warmup" => options with { WarmupSeconds = Int(name, value, 0, 600) },
                _ => throw new ArgumentException($"unknown option {name} (known: --node --key --accounts --duration --tps --batch --streams --window --warmup)"),
            };
        }
        return options;
    }

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be an integer from {min} to {max}, got '{value}'");
}
