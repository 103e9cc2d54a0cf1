using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// `sm3-speed [SECONDS]`: SM3 throughput of the node's hasher against the bound, in one sitting. The bound is
/// `openssl speed -evp sm3` on the same input sizes (OpenSSL's C code, no per-call overhead beyond its EVP loop); the
/// managed reference it replaced (BouncyCastle) is kept in the table so the choice can be re-checked.
/// </summary>
internal static partial class Sm3Speed
{
    private static readonly int[] Sizes = [64, 256, 1024];

    public static int Run(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine($"command: sm3-speed {seconds.ToString(CultureInfo.InvariantCulture)}   (one thread each)");
        Console.WriteLine($"node hasher: {(NativeSm3.Available ? "OpenSSL EVP (NativeSm3)" : "BouncyCastle fallback")}");
        var bound = OpenSslBound(seconds);
        Console.WriteLine();
        Console.WriteLine("| input | openssl speed -evp sm3 (bound) | node (Sm3Hasher) | ratio | BouncyCastle | ratio |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var size in Sizes)
        {
            var node = Measure(size, seconds, static (data, output) => Sm3Hasher.Hash(data, output));
            var managed = Measure(size, seconds, static (data, output) => NativeSm3.HashManaged(data, [], output));
            var limit = bound.TryGetValue(size, out var b) ? b : double.NaN;
            Console.WriteLine($"| {size} B | {Mb(limit)} | {Mb(node)} | {node / limit:F2} | {Mb(managed)} | {managed / limit:F2} |");
        }
        return 0;
    }

    private delegate void HashFunction(ReadOnlySpan<byte> data, Span<byte> output);

    /// <summary>Bytes per second hashing inputs of <paramref name="size"/> bytes for about <paramref name="seconds"/>.</summary>
    private static double Measure(int size, double seconds, HashFunction hash)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data);
        Span<byte> output = stackalloc byte[32];
        for (var i = 0; i < 10_000; i++)
        {
            hash(data, output);
        }
        long count = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1_000; i++)
            {
                hash(data, output);
            }
            count += 1_000;
        }
        return count * (double)size / watch.Elapsed.TotalSeconds;
    }

    /// <summary>OpenSSL's figures (bytes per second by input size), or none when openssl is not installed.</summary>
    private static Dictionary<int, double> OpenSslBound(double seconds)
    {
        var result = new Dictionary<int, double>();
        foreach (var size in Sizes)
        {
            var output = OpenSslSpeed.Run("-evp", "sm3", "-bytes", size.ToString(CultureInfo.InvariantCulture),
                "-seconds", Math.Max(1, (int)Math.Round(seconds)).ToString(CultureInfo.InvariantCulture));
            if (output is null)
            {
                break;
            }
            // The last line reads "sm3   222463.23k": thousands of bytes per second.
            if (SpeedLine().Match(output) is { Success: true } match)
            {
                result[size] = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000;
            }
        }
        return result;
    }

    private static string Mb(double bytesPerSecond) => double.IsNaN(bytesPerSecond) ? "n/a" : $"{bytesPerSecond / 1e6:F0} MB/s";

    [GeneratedRegex(@"^sm3\s+([0-9.]+)k\s*$", RegexOptions.Multiline)]
    private static partial Regex SpeedLine();
}
