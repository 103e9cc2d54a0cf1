using ShanghaiChain.Consensus.Tests.Simulation;
using Xunit.Abstractions;

namespace ShanghaiChain.Consensus.Tests;

// Two classes so xUnit runs the halves on both cores. SHC_SEED replays one seed; SHC_SIM_RUNS=N runs N seeds per half.
public class SimulationFirstHalfTests
{
    [Fact]
    public void Seeded_scenarios_with_four_validators_keep_every_invariant()
    {
        var failures = SimulationRunner.RunAll(SimulationRunner.Seeds(1, 250), seed => SimScenario.FromSeed(seed, 4));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}

public class SimulationSecondHalfTests
{
    [Fact]
    public void Seeded_scenarios_with_four_or_seven_validators_keep_every_invariant()
    {
        var failures = SimulationRunner.RunAll(SimulationRunner.Seeds(100_001, 250), SimScenario.FromSeed);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}

// Validator-set changes: joins, removals, power changes and forced replacements, epochs 1 → 2 → … under the same faults.
public class SimulationEpochFirstHalfTests(ITestOutputHelper output)
{
    [Fact]
    public void Seeded_scenarios_with_validator_set_changes_and_four_validators_keep_every_invariant()
    {
        var failures = SimulationRunner.RunAll(SimulationRunner.Seeds(200_001, 100), seed => SimScenario.WithEpochsFromSeed(seed, 4), out var totals);
        output.WriteLine(totals.ToString());
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}

public class SimulationEpochSecondHalfTests(ITestOutputHelper output)
{
    [Fact]
    public void Seeded_scenarios_with_validator_set_changes_and_four_or_seven_validators_keep_every_invariant()
    {
        var failures = SimulationRunner.RunAll(SimulationRunner.Seeds(300_001, 100), seed => SimScenario.WithEpochsFromSeed(seed), out var totals);
        output.WriteLine(totals.ToString());
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
