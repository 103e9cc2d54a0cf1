using System.Globalization;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>Runs many seeded scenarios; SHC_SEED runs one (see <see cref="TestSeed"/>), SHC_SIM_RUNS sets how many.</summary>
public static class SimulationRunner
{
    public const string RunsVariable = "SHC_SIM_RUNS";

    /// <summary>The seeds to run: the one in SHC_SEED, else SHC_SIM_RUNS (or the default count) from <paramref name="firstSeed"/>.</summary>
    public static IEnumerable<int> Seeds(int firstSeed, int defaultRuns)
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable(RunsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : defaultRuns;
        return TestSeed.Range(firstSeed, runs);
    }

    /// <summary>Runs each seed's scenario and returns one line per failing seed (with the seed and how to replay it).</summary>
    public static List<string> RunAll(IEnumerable<int> seeds, Func<int, SimScenario> scenario)
    {
        var failures = new List<string>();
        foreach (var seed in seeds)
        {
            var sim = new Simulator(scenario(seed));
            var checker = sim.Run();
            if (checker.Violations.Count > 0)
            {
                failures.Add($"{TestSeed.Describe(seed)} failed: {checker.Violations[0]}");
            }
        }
        return failures;
    }
}
