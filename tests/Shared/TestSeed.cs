using System.Globalization;
using FsCheck;
using FsCheck.Xunit;
using Microsoft.FSharp.Core;

// Every FsCheck property of every test project starts from TestSeed.Run, so SHC_SEED replays them too.
[assembly: ShanghaiChain.Tests.SeededProperties]

namespace ShanghaiChain.Tests;

/// <summary>
/// The seeds of randomized tests. SHC_SEED (an integer) replays a failure: a test that draws its seed (from FsCheck,
/// a range of simulation seeds, the clock, a default) runs that one seed instead, and its failure message names the
/// seed it ran as <c>seed N (replay: SHC_SEED=N)</c>. FsCheck properties print theirs as the first number of the pair
/// after "Falsifiable". A test with a constant seed (<c>new Random(3)</c>) draws the same data on every run, so there
/// is nothing to replay: it keeps its seed, which a replay would otherwise swap for data the test was not written for.
/// </summary>
internal static class TestSeed
{
    public const string Variable = "SHC_SEED";

    /// <summary>FsCheck's generator takes a seed and an odd gamma; the gamma is fixed so that the seed alone replays.</summary>
    private const ulong FsCheckGamma = 0x9e37_79b9_7f4a_7c15;

    /// <summary>SHC_SEED, or null when it is not set.</summary>
    public static int? Fixed { get; } = Read();

    /// <summary>The seed of this run: SHC_SEED, else one drawn for the process.</summary>
    public static int Run { get; } = Fixed ?? Random.Shared.Next();

    /// <summary>SHC_SEED when set, else <paramref name="seed"/>.</summary>
    public static int Or(int seed) => Fixed ?? seed;

    /// <summary>SHC_SEED alone when set, else <paramref name="count"/> seeds from <paramref name="first"/>.</summary>
    public static IEnumerable<int> Range(int first, int count) => Fixed is { } seed ? [seed] : Enumerable.Range(first, count);

    /// <summary>How a failure names its seed.</summary>
    public static string Describe(int seed) => $"seed {seed} (replay: {Variable}={seed})";

    /// <summary>An FsCheck replay starting from <paramref name="seed"/>.</summary>
    public static Replay FsCheckReplay(int seed) => new(new Rnd(FsCheckSeed(seed), FsCheckGamma), FSharpOption<int>.None);

    /// <summary>The same replay as FsCheck.Xunit's attributes write it.</summary>
    public static string FsCheckReplayText(int seed) => string.Create(CultureInfo.InvariantCulture, $"({FsCheckSeed(seed)},{FsCheckGamma})");

    /// <summary>Drawn seeds are not negative, so FsCheck prints them unchanged; a negative SHC_SEED is taken modulo 2^32.</summary>
    private static ulong FsCheckSeed(int seed) => unchecked((uint)seed);

    private static int? Read()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        // A mistyped seed must not silently run fresh random seeds instead of the replay.
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new InvalidOperationException($"{Variable}='{text}' is not a 32-bit integer");
    }
}

/// <summary>Starts the FsCheck properties of the assembly from <see cref="TestSeed.Run"/> (applied above, once per assembly).</summary>
[AttributeUsage(AttributeTargets.Assembly)]
internal sealed class SeededPropertiesAttribute : PropertiesAttribute
{
    public SeededPropertiesAttribute() => Replay = TestSeed.FsCheckReplayText(TestSeed.Run);
}
