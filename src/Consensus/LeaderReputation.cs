namespace ShanghaiChain.Consensus;

/// <summary>
/// Leader choice with reputation. The leader of round r rotates over the validators that are not excluded, where
/// the excluded set is a deterministic function of the committed chain up to the last committed block whose round
/// is at most r - lag, so every node that has committed that far agrees on the leader. A validator is excluded
/// while a round it led left a gap (no committed block) in the last <c>window</c> committed blocks; at most the
/// faulty-power budget is ever excluded, so the rotation keeps an honest majority.
/// </summary>
internal sealed class LeaderReputation
{
    // Longest run of empty rounds between two committed blocks that is examined; longer gaps come from partitions,
    // during which blaming individual leaders says nothing.
    private const int MaxGapRounds = 64;

    private readonly int _validatorCount;
    private readonly ulong[] _powers;
    private readonly ulong _maxFaultyPower;
    private readonly bool _enabled;
    private readonly int _window;
    private readonly ulong _lag;
    private readonly List<Entry> _history = [];
    private static readonly int[] NoExclusions = [];

    public LeaderReputation(IReadOnlyList<ulong> powers, ulong maxFaultyPower, bool enabled, int window, int lag)
    {
        _validatorCount = powers.Count;
        _powers = [.. powers];
        _maxFaultyPower = maxFaultyPower;
        _enabled = enabled;
        _window = Math.Max(2, window);
        _lag = (ulong)Math.Max(1, lag);
    }

    /// <summary>Validators currently skipped for leadership, as of the latest committed block.</summary>
    public IReadOnlyList<int> CurrentExclusions => _history.Count == 0 ? NoExclusions : _history[^1].Excluded;

    public int LeaderOf(ulong round)
    {
        var excluded = _enabled ? ExclusionsFor(round) : NoExclusions;
        if (excluded.Length == 0)
        {
            return (int)(round % (ulong)_validatorCount);
        }
        var active = _validatorCount - excluded.Length;
        var k = (int)(round % (ulong)active);
        for (var i = 0; i < _validatorCount; i++)
        {
            if (Array.IndexOf(excluded, i) >= 0)
            {
                continue;
            }
            if (k-- == 0)
            {
                return i;
            }
        }
        return (int)(round % (ulong)_validatorCount);
    }

    /// <summary>Records the next committed block (in chain order) and computes the exclusions that follow from it.</summary>
    public void OnCommitted(ulong round, int proposer)
    {
        if (_history.Count > 0 && round <= _history[^1].Round)
        {
            return;
        }
        _history.Add(new Entry(round, proposer, NoExclusions));
        if (_enabled)
        {
            _history[^1] = _history[^1] with { Excluded = ComputeExclusions() };
        }
        if (_history.Count > 4 * _window)
        {
            _history.RemoveRange(0, _history.Count - 2 * _window);
        }
    }

    private int[] ExclusionsFor(ulong round)
    {
        if (round < _lag)
        {
            return NoExclusions;
        }
        var limit = round - _lag;
        for (var i = _history.Count - 1; i >= 0; i--)
        {
            if (_history[i].Round <= limit)
            {
                return _history[i].Excluded;
            }
        }
        return NoExclusions;
    }

    private int[] ComputeExclusions()
    {
        // Most recent failures first, so the budget keeps the freshest evidence.
        var blamed = new List<int>();
        var start = Math.Max(1, _history.Count - _window + 1);
        for (var i = _history.Count - 1; i >= start; i--)
        {
            var low = _history[i - 1].Round;
            var high = _history[i].Round;
            if (high - low - 1 > MaxGapRounds)
            {
                continue;
            }
            for (var r = high - 1; r > low; r--)
            {
                var leader = LeaderOf(r);
                if (!blamed.Contains(leader))
                {
                    blamed.Add(leader);
                }
            }
        }
        if (blamed.Count == 0)
        {
            return NoExclusions;
        }
        var kept = new List<int>();
        ulong power = 0;
        foreach (var v in blamed)
        {
            if (power + _powers[v] <= _maxFaultyPower)
            {
                kept.Add(v);
                power += _powers[v];
            }
        }
        kept.Sort();
        return [.. kept];
    }

    private readonly record struct Entry(ulong Round, int Proposer, int[] Excluded);
}
