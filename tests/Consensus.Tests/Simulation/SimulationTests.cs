using ShanghaiChain.Consensus.Tests.Simulation;

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
