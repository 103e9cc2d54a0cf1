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

/// <summary>
/// A validator-set change decided by the block at <paramref name="DecidedAtHeight"/>: the next set as (key index, voting
/// power) pairs, in set order. Key indices name simulation keys (<see cref="SimKeys"/>), not validator indices.
/// </summary>
public sealed record ValidatorChange(ulong DecidedAtHeight, IReadOnlyList<(int Key, ulong Power)> Next, bool Force, string Kind)
{
    /// <summary>The epoch's last height as the governance contract fixes it: the second boundary after the decision.</summary>
    public static ulong LastHeightFor(ulong decidedAt, ulong epochLength) => (decidedAt / epochLength + 2) * epochLength - 1;

    public override string ToString() =>
        $"{Kind}@{DecidedAtHeight}{(Force ? "!" : "")}->{{{string.Join(",", Next.Select(m => m.Power == 1 ? $"{m.Key}" : $"{m.Key}x{m.Power}"))}}}";
}

/// <summary>One simulated run, fully determined by its fields (which are derived from a seed).</summary>
public sealed partial class SimScenario
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

    /// <summary>
    /// Nodes with keys outside the first set (key indices <see cref="Validators"/> and up, node ids after the twins): they
    /// follow the chain by block sync until a change makes them validators.
    /// </summary>
    public int Joiners { get; init; }

    /// <summary>Epoch boundaries are the multiples of this height (the engine's and the governance rule's).</summary>
    public ulong EpochLength { get; init; } = 1000;

    /// <summary>Validator-set changes, one per epoch, in order: change i ends epoch i + 1.</summary>
    public IReadOnlyList<ValidatorChange> Changes { get; init; } = [];

    /// <summary>True when the run has epochs or followers: nodes then catch up by block sync and change engines.</summary>
    public bool HasEpochs => Changes.Count > 0 || Joiners > 0;

    /// <summary>Number of nodes: validators of the first set, twins, joiners.</summary>
    public int NodeCount => Validators + (Byzantine == ByzantineBehaviour.Twins ? ByzantineValidators.Count : 0) + Joiners;

    /// <summary>The key of node <paramref name="node"/>: validators first, then the twins' keys, then the joiners'.</summary>
    public int KeyOfNode(int node)
    {
        var twins = Byzantine == ByzantineBehaviour.Twins ? ByzantineValidators.Count : 0;
        return node < Validators ? node : node < Validators + twins ? ByzantineValidators[node - Validators] : node - twins;
    }

    /// <summary>The last height of epoch <paramref name="epoch"/> (1-based), or <see cref="ulong.MaxValue"/> for the final epoch.</summary>
    public ulong LastHeightOfEpoch(ulong epoch) =>
        epoch <= (ulong)Changes.Count ? ValidatorChange.LastHeightFor(Changes[(int)epoch - 1].DecidedAtHeight, EpochLength) : ulong.MaxValue;

    /// <summary>The epoch a committed block at <paramref name="height"/> belongs to.</summary>
    public ulong EpochOfHeight(ulong height)
    {
        ulong epoch = 1;
        while (height > LastHeightOfEpoch(epoch))
        {
            epoch++;
        }
        return epoch;
    }

    /// <summary>Members of epoch <paramref name="epoch"/> as (key, power), in set order.</summary>
    public IReadOnlyList<(int Key, ulong Power)> MembersOf(ulong epoch) =>
        epoch <= 1 ? [.. Enumerable.Range(0, Validators).Select(k => (k, 1UL))] : Changes[(int)epoch - 2].Next;

    public override string ToString() =>
        $"seed={Seed} n={Validators} suite={Suite.Name} drop={DropRate:F2} dup={DuplicateRate:F2} delay={MinDelayMs}-{MaxDelayMs}ms " +
        $"byzantine={Byzantine}[{string.Join(",", ByzantineValidators)}] crashes=[{string.Join("; ", Crashes)}] " +
        $"partitions=[{string.Join("; ", Partitions.Select(p => $"{{{string.Join(",", p.GroupA)}}} {p.FromMs}-{p.ToMs}ms"))}] heal={HealAtMs}ms" +
        (HasEpochs ? $" joiners={Joiners} epochLength={EpochLength} changes=[{string.Join("; ", Changes)}]" : "");

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
