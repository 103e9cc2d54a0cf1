namespace ShanghaiChain.Chaos;

/// <summary>The faults the harness injects (docs/reliability.md lists what each one checks).</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL one validator, restart it after the hold.</summary>
    KillOne,

    /// <summary>SIGKILL f+1 validators at once (the chain must halt, then resume), restart them.</summary>
    KillFPlusOne,

    /// <summary>SIGSTOP one validator for the hold, then SIGCONT.</summary>
    Pause,

    /// <summary>SIGTERM and restart one validator three times in a row.</summary>
    RestartLoop,

    /// <summary>SIGKILL one validator, delete its data dir (keys in config/ stay), restart: it resyncs and sits out a quarantine.</summary>
    WipeData,

    /// <summary>Cut one validator off from all others (blackhole routes in the namespaces).</summary>
    IsolateOne,

    /// <summary>Split the validators in two halves (2|2 for four): no side has a quorum.</summary>
    SplitHalves,

    /// <summary>One validator's link delays and drops packets (netem, or a token bucket where netem is absent).</summary>
    DegradedLink,

    /// <summary>Restart one validator with its wall clock a few seconds off (libfaketime), and back.</summary>
    ClockSkew,

    /// <summary>Fill the tmpfs under one validator's data dir; it must stop cleanly, then restart and catch up once freed.</summary>
    DiskFull,
}

/// <summary>One planned fault: its kind, the validators it hits, how long it is held, and a kind-specific magnitude.</summary>
internal sealed record PlannedFault(int Number, FaultKind Kind, IReadOnlyList<int> Targets, TimeSpan Hold, int Magnitude)
{
    public override string ToString() =>
        $"#{Number} {Kind} on [{string.Join(',', Targets)}] for {Hold.TotalSeconds:F1} s" + (Magnitude != 0 ? $" (magnitude {Magnitude})" : "");
}

/// <summary>
/// Draws the faults from the seed alone, so a seed replays the same schedule (the timing of the nodes around it still
/// varies from run to run). The short mode runs every available kind once in a seeded order; the long mode draws kinds
/// round-robin over seeded permutations until its time is up, so every kind gets its share.
/// </summary>
internal sealed class FaultSchedule(int seed, int validators, IReadOnlyCollection<FaultKind> available, bool longMode)
{
    private readonly Random _random = new(seed);
    private readonly Queue<FaultKind> _round = new();
    private int _number;

    /// <summary>The number of faults in one pass over every available kind (the short mode's whole schedule).</summary>
    public int KindsPerRound => available.Count;

    public PlannedFault Next(int? tmpfsNode)
    {
        if (_round.Count == 0)
        {
            foreach (var kind in available.OrderBy(_ => _random.Next()))
            {
                _round.Enqueue(kind);
            }
        }
        var next = _round.Dequeue();
        var holdMs = longMode ? _random.Next(3_000, 12_000) : _random.Next(2_000, 4_000);
        var one = _random.Next(validators);
        var f = (validators - 1) / 3;
        IReadOnlyList<int> targets = next switch
        {
            FaultKind.KillFPlusOne => [.. Enumerable.Range(0, validators).OrderBy(_ => _random.Next()).Take(f + 1).Order()],
            FaultKind.SplitHalves => [.. Enumerable.Range(0, validators).OrderBy(_ => _random.Next()).Take(validators / 2).Order()],
            FaultKind.DiskFull => [tmpfsNode ?? one],
            _ => [one],
        };
        var magnitude = next switch
        {
            // Clock offset in seconds, either way; the node's allowed drift for a block timestamp is smaller than some of these.
            FaultKind.ClockSkew => _random.Next(2, 6) * (_random.Next(2) == 0 ? -1 : 1),
            // Link delay in ms.
            FaultKind.DegradedLink => _random.Next(40, 200),
            FaultKind.RestartLoop => 3,
            _ => 0,
        };
        if (next == FaultKind.ClockSkew)
        {
            // The skewed incarnation runs under load for a while, not only across one hold.
            holdMs += 5_000;
        }
        return new PlannedFault(++_number, next, targets, TimeSpan.FromMilliseconds(holdMs), magnitude);
    }
}
