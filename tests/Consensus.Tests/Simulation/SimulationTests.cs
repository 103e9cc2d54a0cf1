using ShanghaiChain.Consensus.Tests.Simulation;

namespace ShanghaiChain.Consensus.Tests;

public class SimulationTests
{
    [Fact]
    public void Seeded_random_scenarios_keep_every_invariant()
    {
        var failures = SimulationRunner.RunAll(SimulationRunner.Seeds(1, 500), SimScenario.FromSeed);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
