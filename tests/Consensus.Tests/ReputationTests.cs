using ShanghaiChain.Consensus.Tests.Simulation;
using Xunit.Abstractions;

namespace ShanghaiChain.Consensus.Tests;

public class ReputationTests(ITestOutputHelper output)
{
    private static SimScenario OneCrashed(bool reputation) => new()
    {
        Seed = 42,
        Validators = 4,
        Crashes = [new CrashFault(3, 0, null, false)],
        MinDelayMs = 10,
        MaxDelayMs = 20,
        HealAtMs = 0,
        EndAtMs = 20_000,
        LeaderReputation = reputation,
        CheckLiveness = false,
    };

    [Fact]
    public void Crashed_validator_is_skipped_as_leader_and_the_chain_commits_faster()
    {
        var with = new Simulator(OneCrashed(reputation: true));
        Assert.Empty(with.Run().Violations);
        var without = new Simulator(OneCrashed(reputation: false));
        Assert.Empty(without.Run().Violations);

        var heightWith = with.HeightOf(0);
        var heightWithout = without.HeightOf(0);
        output.WriteLine($"one of four validators crashed, 20 s simulated, delays 10-20 ms, base timeout 200 ms: " +
            $"{heightWith} blocks with reputation ({heightWith / 20.0:F1}/s), {heightWithout} without ({heightWithout / 20.0:F1}/s); " +
            $"rounds {with.EngineOf(0)!.Round} vs {without.EngineOf(0)!.Round}");
        Assert.True(heightWithout > 0, "the chain must keep committing without the crashed validator");
        Assert.True(heightWith > 2 * heightWithout, $"reputation should at least double the commit rate ({heightWith} vs {heightWithout})");
    }
}
