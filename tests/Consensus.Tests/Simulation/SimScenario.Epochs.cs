using ShanghaiChain.Core.Consensus;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>Seeded scenarios with validator-set changes.</summary>
public sealed partial class SimScenario
{
    /// <summary>
    /// The faults of <see cref="FromSeed(int, int?)"/> plus one or two joiners (following nodes with keys outside the
    /// first set), a short epoch length (3 to 6 heights) and one to four changes in a row: joins and removals (at any
    /// position in the set, so validator indices move), power changes, and forced replacements. Every change passes
    /// <see cref="ValidatorSetChange.Check"/>, keeps at least three validators, and keeps the faulty keys (Byzantine or
    /// ever crashed) within the fault bound of every epoch. Some runs cut a single node off across the first boundaries
    /// or crash a joiner; the boundaries often fall during partitions and crashes, since faults last the first second.
    /// </summary>
    public static SimScenario WithEpochsFromSeed(int seed, int? validators = null)
    {
        var basis = FromSeed(seed, validators);
        var rng = new Random(unchecked((seed * 7919) + 17));
        var n = basis.Validators;
        var joiners = 1 + rng.Next(2);
        var length = (ulong)(3 + rng.Next(4));
        var twins = basis.Byzantine == ByzantineBehaviour.Twins ? basis.ByzantineValidators.Count : 0;
        var crashes = basis.Crashes.ToList();
        var faulty = new HashSet<int>(basis.ByzantineValidators.Concat(crashes.Select(c => c.Validator)));
        if (rng.Next(4) == 0)
        {
            var key = n + rng.Next(joiners);
            var at = rng.Next((int)basis.HealAtMs);
            crashes.Add(new CrashFault(key, at, at + 100 + rng.Next(1000), rng.Next(2) == 0));
            faulty.Add(key);
        }
        var partitions = basis.Partitions.ToList();
        var firstJoinerNode = n + twins;
        if (partitions.Count > 0 && rng.Next(2) == 0)
        {
            var p = partitions[0];
            var groupA = p.GroupA.Concat(Enumerable.Range(firstJoinerNode, joiners).Where(_ => rng.Next(2) == 0)).ToList();
            partitions[0] = p with { GroupA = groupA };
        }
        else if (partitions.Count == 0 && rng.Next(2) == 0)
        {
            var node = rng.Next(firstJoinerNode + joiners);
            var from = 50 + rng.Next(300);
            partitions.Add(new PartitionFault([node], from, from + 300 + rng.Next(900)));
        }

        var members = Enumerable.Range(0, n).Select(k => (Key: k, Power: 1UL)).ToList();
        var changes = new List<ValidatorChange>();
        var height = (ulong)(2 + rng.Next((int)(2 * length)));
        var count = 1 + rng.Next(4);
        for (var i = 0; i < count; i++)
        {
            for (var attempt = 0; attempt < 30; attempt++)
            {
                var (next, force, kind) = ProposeChange(rng, members, n + joiners);
                if (next.Count < 3)
                {
                    continue;
                }
                var current = SimKeys.SetOf(basis.Suite, members);
                var set = SimKeys.SetOf(basis.Suite, next);
                var faultyPower = next.Where(m => faulty.Contains(m.Key)).Aggregate(0UL, (sum, m) => sum + m.Power);
                if (ValidatorSetChange.Check(current, set.Validators, force) != ValidatorSetChangeVerdict.Accepted || faultyPower > set.MaxFaultyPower)
                {
                    continue;
                }
                changes.Add(new ValidatorChange(height, next, force, kind));
                members = next;
                break;
            }
            if (changes.Count <= i)
            {
                break;
            }
            // The next change is decided in the next epoch (one change per epoch).
            height = ValidatorChange.LastHeightFor(height, length) + 1 + (ulong)rng.Next((int)length);
        }
        return new SimScenario
        {
            Seed = seed,
            Validators = n,
            Suite = basis.Suite,
            DropRate = basis.DropRate,
            DuplicateRate = basis.DuplicateRate,
            MinDelayMs = basis.MinDelayMs,
            MaxDelayMs = basis.MaxDelayMs,
            Byzantine = basis.Byzantine,
            ByzantineValidators = basis.ByzantineValidators,
            Crashes = crashes,
            Partitions = partitions,
            HealAtMs = basis.HealAtMs,
            Joiners = joiners,
            EpochLength = length,
            Changes = changes,
        };
    }

    private static (List<(int Key, ulong Power)> Next, bool Force, string Kind) ProposeChange(Random rng, List<(int Key, ulong Power)> members, int keys)
    {
        var next = members.ToList();
        var outside = Enumerable.Range(0, keys).Where(k => members.All(m => m.Key != k)).ToList();
        var force = rng.Next(8) == 0;
        switch (rng.Next(4))
        {
            case 0 when outside.Count > 0:
                next.Insert(rng.Next(next.Count + 1), (outside[rng.Next(outside.Count)], 1));
                return (next, force, "join");
            case 1:
                next.RemoveAt(rng.Next(next.Count));
                return (next, force, "remove");
            case 2:
                var i = rng.Next(next.Count);
                var power = next[i].Power == 1 ? 2UL : next[i].Power - 1;
                next[i] = (next[i].Key, power);
                return (next, force, "power");
            case 3 when outside.Count > 0:
                // Replacing a member moves two members' worth of power: refused without force in a set of four.
                next.RemoveAt(rng.Next(next.Count));
                next.Insert(rng.Next(next.Count + 1), (outside[rng.Next(outside.Count)], 1));
                return (next, true, "replace");
            default:
                return ([], false, "none");
        }
    }
}
