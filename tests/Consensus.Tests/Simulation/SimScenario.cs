using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>What a Byzantine validator does on top of running the normal engine.</summary>
public enum ByzantineBehaviour
{
    None,
    /// <summary>Two nodes share one validator key (and so equivocate as leader and as voter).</summary>
    Twins,
    /// <summary>As leader, sends one block to half of the validators and another block to the rest.</summary>
    EquivocatingLeader,
    /// <summary>Every vote is doubled by a vote for another block, sent to half of the validators.</summary>
    ConflictingVotes,
    /// <summary>Never sends its votes.</summary>
    WithholdVotes,
    /// <summary>Corrupts the signature of half of its messages.</summary>
    BadSignatures,
    /// <summary>Also sends validly signed votes, timeouts and proposals for absurdly high rounds.</summary>
    AbsurdRounds,
}

/// <summary>A crash of one validator, with an optional restart from its saved record or from an empty data dir.</summary>
public sealed record CrashFault(int Validator, long AtMs, long? RestartAtMs, bool RestartFromEmptyDataDir);

/// <summary>A network split between two groups of nodes (by node id) during [FromMs, ToMs).</summary>
public sealed record PartitionFault(IReadOnlyList<int> GroupA, long FromMs, long ToMs);

/// <summary>One simulated run, fully determined by its fields (which are derived from a seed).</summary>
public sealed class SimScenario
{
    public required int Seed { get; init; }

    public int Validators { get; init; } = 4;

    public CryptoSuite Suite { get; init; } = CryptoSuite.Ed25519Sha256;

    public double DropRate { get; init; }

    public double DuplicateRate { get; init; }

    public long MinDelayMs { get; init; } = 1;

    public long MaxDelayMs { get; init; } = 20;

    public ByzantineBehaviour Byzantine { get; init; }

    /// <summary>Validators that are Byzantine (for twins: the validators that get a second node).</summary>
    public IReadOnlyList<int> ByzantineValidators { get; init; } = [];

    public IReadOnlyList<CrashFault> Crashes { get; init; } = [];

    public IReadOnlyList<PartitionFault> Partitions { get; init; } = [];

    /// <summary>When all faults of the network (partitions, message loss) end.</summary>
    public long HealAtMs { get; init; } = 2000;

    /// <summary>Liveness bound: every honest running node must commit a new block within this time after healing.</summary>
    public long LivenessBoundMs { get; init; } = 30_000;

    /// <summary>Stop early once every honest running node committed this many blocks after healing.</summary>
    public int CommitsAfterHeal { get; init; } = 3;

    /// <summary>Hard end of the run; by default healing plus the liveness bound.</summary>
    public long? EndAtMs { get; init; }

    public bool LeaderReputation { get; init; } = true;

    public long BaseTimeoutMs { get; init; } = 200;

    public long MaxTimeoutMs { get; init; } = 1600;

    public long QuarantineMs { get; init; } = 5000;

    /// <summary>Deliberately broken engine for checker tests: commit on a single QC.</summary>
    public bool UnsafeCommitOnSingleQc { get; init; }

    /// <summary>Check liveness (off for runs that are meant to exceed the fault bound).</summary>
    public bool CheckLiveness { get; init; } = true;

    public int FaultyBudget => (Validators - 1) / 3;

    public override string ToString() =>
        $"seed={Seed} n={Validators} suite={Suite.Name} drop={DropRate:F2} dup={DuplicateRate:F2} delay={MinDelayMs}-{MaxDelayMs}ms " +
        $"byzantine={Byzantine}[{string.Join(",", ByzantineValidators)}] crashes=[{string.Join("; ", Crashes)}] " +
        $"partitions=[{string.Join("; ", Partitions.Select(p => $"{{{string.Join(",", p.GroupA)}}} {p.FromMs}-{p.ToMs}ms"))}] heal={HealAtMs}ms";

    /// <summary>Derives a random but bounded scenario (at most f faulty validators) from a seed.</summary>
    public static SimScenario FromSeed(int seed) => FromSeed(seed, null);

    /// <summary>As <see cref="FromSeed(int)"/> with a fixed validator count (4 or 7 when null: mostly 4).</summary>
    public static SimScenario FromSeed(int seed, int? validators)
    {
        var rng = new Random(seed);
        var n = rng.Next(10) < 8 ? 4 : 7;
        n = validators ?? n;
        var f = (n - 1) / 3;
        var heal = 400 + rng.Next(700);
        var faulty = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(f).ToList();
        var byzantine = ByzantineBehaviour.None;
        var byzantineValidators = new List<int>();
        var crashes = new List<CrashFault>();
        var nodeCount = n;
        switch (rng.Next(4))
        {
            case 0:
                break;
            case 1:
                byzantine = (ByzantineBehaviour)(1 + rng.Next(6));
                byzantineValidators.AddRange(faulty);
                if (f >= 2 && rng.Next(2) == 0)
                {
                    // Mixed faults: the last faulty validator crashes (and may restart) instead.
                    var crashed = byzantineValidators[^1];
                    byzantineValidators.RemoveAt(byzantineValidators.Count - 1);
                    var at = rng.Next(heal);
                    crashes.Add(new CrashFault(crashed, at, rng.Next(2) == 0 ? null : at + 100 + rng.Next(1000), rng.Next(2) == 0));
                }
                break;
            default:
                foreach (var v in faulty)
                {
                    var at = rng.Next(heal);
                    long? restart = rng.Next(3) == 0 ? null : at + 100 + rng.Next(1000);
                    crashes.Add(new CrashFault(v, at, restart, rng.Next(2) == 0));
                }
                break;
        }
        if (byzantine == ByzantineBehaviour.Twins)
        {
            nodeCount += byzantineValidators.Count;
        }
        var partitions = new List<PartitionFault>();
        if (rng.Next(2) == 0)
        {
            var nodes = Enumerable.Range(0, nodeCount).OrderBy(_ => rng.Next()).ToList();
            var split = rng.Next(3) switch { 0 => 1, 1 => nodeCount / 2, _ => 1 + rng.Next(nodeCount - 1) };
            var from = rng.Next(heal / 2);
            var to = from + 200 + rng.Next(heal - from);
            partitions.Add(new PartitionFault(nodes.Take(split).ToList(), from, Math.Min(to, heal)));
        }
        var lossy = rng.Next(3) != 0;
        return new SimScenario
        {
            Seed = seed,
            Validators = n,
            DropRate = lossy ? rng.NextDouble() * 0.2 : 0,
            DuplicateRate = lossy ? rng.NextDouble() * 0.1 : 0,
            MinDelayMs = 1,
            MaxDelayMs = 10 + rng.Next(30),
            Byzantine = byzantine,
            ByzantineValidators = byzantineValidators,
            Crashes = crashes,
            Partitions = partitions,
            HealAtMs = heal,
        };
    }
}
