using ShanghaiChain.Consensus.Tests.Simulation;
using Xunit.Abstractions;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>The invariant checker must be able to fail: broken engines and too many Byzantine keys are caught.</summary>
public class CheckerTests(ITestOutputHelper output)
{
    [Fact]
    public void Checker_reports_an_engine_that_commits_on_a_single_QC()
    {
        var scenario = new SimScenario { Seed = 7, UnsafeCommitOnSingleQc = true, MaxDelayMs = 20, HealAtMs = 500 };
        var violations = new Simulator(scenario).Run().Violations;
        output.WriteLine(string.Join(Environment.NewLine, violations));
        Assert.Contains(violations, v => v.Contains("without a certified two-chain", StringComparison.Ordinal));
    }

    [Fact]
    public void Checker_reports_disagreement_when_twins_hold_more_than_a_third_of_the_power()
    {
        // Validators 0 and 1 run twice (nodes 4 and 5): half of the power is Byzantine. Each side of the partition
        // holds three distinct keys, a quorum, so honest validators 2 and 3 commit different blocks.
        var scenario = TwinsPartition(byzantine: [0, 1], groupA: [0, 1, 2]);
        var violations = new Simulator(scenario).Run().Violations;
        output.WriteLine(string.Join(Environment.NewLine, violations));
        Assert.Contains(violations, v => v.Contains("agreement", StringComparison.Ordinal));
    }

    [Fact]
    public void Twins_within_the_fault_bound_cannot_split_the_honest_nodes()
    {
        // The same attack with one twin (a quarter of the power): neither side has a quorum of distinct keys.
        var scenario = TwinsPartition(byzantine: [0], groupA: [0, 1, 2]);
        var checker = new Simulator(scenario).Run();
        Assert.Empty(checker.Violations);
        Assert.True(checker.HighestCommittedHeight > 0);
    }

    [Fact]
    public void Conflicting_votes_become_verified_evidence()
    {
        var found = 0;
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var scenario = new SimScenario
            {
                Seed = seed,
                Byzantine = ByzantineBehaviour.ConflictingVotes,
                ByzantineValidators = [seed % 4],
                MaxDelayMs = 20,
                HealAtMs = 500,
            };
            var checker = new Simulator(scenario).Run();
            Assert.Empty(checker.Violations);
            found += checker.EvidenceCount;
        }
        Assert.True(found > 0, "no equivocation evidence was produced");
    }

    private static SimScenario TwinsPartition(int[] byzantine, int[] groupA) => new()
    {
        Seed = 11,
        Validators = 4,
        Byzantine = ByzantineBehaviour.Twins,
        ByzantineValidators = byzantine,
        MaxDelayMs = 10,
        Partitions = [new PartitionFault(groupA, 0, 3000)],
        HealAtMs = 3000,
        EndAtMs = 6000,
        CheckLiveness = false,
    };
}
