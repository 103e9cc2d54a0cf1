namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Misbehaviour scores of peers by node identity. Only frames that fail to decode or to verify cost points (transport
/// failures never do: a peer restarting, pausing or cut off by a partition is not misbehaving); each costs the link,
/// and a peer whose score falls to the ban threshold is refused (both ways) for a while, then starts over. Scores
/// recover by one point every <see cref="RecoveryInterval"/>, so rare faults never add up to a ban. Scores live in
/// memory only: a restart forgives, which is harmless because a ban only saves resources, it never decides what is
/// valid.
/// </summary>
public sealed class PeerScores(TimeProvider time)
{
    public const int MalformedPenalty = 40;
    public const int InvalidPenalty = 20;
    public const int BanThreshold = -100;
    public static readonly TimeSpan BanDuration = TimeSpan.FromSeconds(60);

    /// <summary>A score climbs back towards zero by one point per interval: a full ban's worth in about 17 minutes.</summary>
    public static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(10);

    /// <summary>The reasons of the last penalties are kept, so that a ban is logged with its evidence.</summary>
    public const int EvidenceKept = 4;

    private sealed class Entry
    {
        public double Score;
        public DateTimeOffset Updated;
        public DateTimeOffset BannedUntil;
        public readonly Queue<string> Evidence = new();
    }

    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _scores = new(StringComparer.Ordinal);

    /// <summary>
    /// Lowers a peer's score for <paramref name="reason"/>; returns the penalties that led to a ban when this one bans
    /// it, else null.
    /// </summary>
    public IReadOnlyList<string>? Penalize(string identity, int points, string reason)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var entry = Current(identity, now);
            entry.Score -= points;
            entry.Evidence.Enqueue(reason);
            while (entry.Evidence.Count > EvidenceKept)
            {
                entry.Evidence.Dequeue();
            }
            if (entry.Score > BanThreshold)
            {
                return null;
            }
            var evidence = entry.Evidence.ToList();
            entry.Score = 0;
            entry.Evidence.Clear();
            entry.BannedUntil = now + BanDuration;
            return evidence;
        }
    }

    public int ScoreOf(string identity)
    {
        lock (_lock)
        {
            return _scores.ContainsKey(identity) ? (int)Math.Floor(Current(identity, time.GetUtcNow()).Score) : 0;
        }
    }

    public bool IsBanned(string identity, out DateTimeOffset until)
    {
        lock (_lock)
        {
            until = _scores.TryGetValue(identity, out var entry) ? entry.BannedUntil : default;
            return until > time.GetUtcNow();
        }
    }

    /// <summary>The entry with the recovery since its last update applied.</summary>
    private Entry Current(string identity, DateTimeOffset now)
    {
        if (!_scores.TryGetValue(identity, out var entry))
        {
            _scores[identity] = entry = new Entry { Updated = now };
            return entry;
        }
        if (entry.Score < 0 && now > entry.Updated)
        {
            entry.Score = Math.Min(0, entry.Score + ((now - entry.Updated) / RecoveryInterval));
        }
        entry.Updated = now;
        return entry;
    }
}
