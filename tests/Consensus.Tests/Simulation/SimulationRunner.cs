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
    public static List<string> RunAll(IEnumerable<int> seeds, Func<int, SimScenario> scenario) => RunAll(seeds, scenario, out _);

    /// <summary>As <see cref="RunAll(IEnumerable{int}, Func{int, SimScenario})"/>, also summing what the runs did.</summary>
    public static List<string> RunAll(IEnumerable<int> seeds, Func<int, SimScenario> scenario, out SimulationTotals totals)
    {
        var failures = new List<string>();
        totals = new SimulationTotals();
        foreach (var seed in seeds)
        {
            var s = scenario(seed);
            var sim = new Simulator(s);
            var checker = sim.Run();
            totals.Add(s, sim, checker);
            if (checker.Violations.Count > 0)
            {
                failures.Add($"{TestSeed.Describe(seed)} failed: {checker.Violations[0]}");
            }
        }
        return failures;
    }
}

/// <summary>What a batch of runs did, for the test output: how far the chains got and how many epochs changed.</summary>
public sealed class SimulationTotals
{
    public int Runs { get; private set; }

    public ulong Heights { get; private set; }

    public ulong MaxHeight { get; private set; }

    public int Changes { get; private set; }

    public int ChangesByKind(string kind) => _kinds.GetValueOrDefault(kind);

    public int Boundaries { get; private set; }

    public int BoundariesDuringFaults { get; private set; }

    public int EpochEndings { get; private set; }

    public int SyncedBlocks { get; private set; }

    public int EpochEndRecords { get; private set; }

    public int Violations { get; private set; }

    /// <summary>Epochs in which a key that joined during the run signed votes.</summary>
    public int JoinerEpochsVoted { get; private set; }

    public long SimulatedMs { get; private set; }

    private readonly Dictionary<string, int> _kinds = [];

    internal void Add(SimScenario scenario, Simulator sim, InvariantChecker checker)
    {
        Runs++;
        Heights += checker.HighestCommittedHeight;
        MaxHeight = Math.Max(MaxHeight, checker.HighestCommittedHeight);
        Changes += scenario.Changes.Count;
        foreach (var change in scenario.Changes)
        {
            _kinds[change.Kind] = _kinds.GetValueOrDefault(change.Kind) + 1;
        }
        Boundaries += sim.Boundaries;
        BoundariesDuringFaults += sim.BoundariesDuringFaults;
        EpochEndings += checker.EpochEndings;
        SyncedBlocks += checker.SyncedBlocks;
        EpochEndRecords += checker.EpochEndRecords;
        Violations += checker.Violations.Count;
        JoinerEpochsVoted += checker.Voters.Count(v => v.Key >= scenario.Validators);
        SimulatedMs += sim.Now;
    }

    public override string ToString() =>
        $"{Runs} runs, {Violations} violations; highest committed height {MaxHeight} (mean {(Runs == 0 ? 0 : Heights / (ulong)Runs)}); " +
        $"{Changes} changes (join {ChangesByKind("join")}, remove {ChangesByKind("remove")}, power {ChangesByKind("power")}, replace {ChangesByKind("replace")}); " +
        $"{Boundaries} epoch boundaries committed, {BoundariesDuringFaults} of them during a partition or with a node down or catching up; " +
        $"{EpochEndings} engine epoch endings ({EpochEndRecords} epoch-end records verified); {SyncedBlocks} blocks taken by block sync; {JoinerEpochsVoted} (epoch, joiner) pairs with votes; " +
        $"{SimulatedMs / 1000} s simulated";
}
