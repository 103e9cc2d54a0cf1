namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Misbehaviour scores of peers by node identity. Every malformed or invalid frame costs points and drops the
/// connection; a peer whose score falls to the ban threshold is refused (both ways) for a while, then starts over.
/// Scores live in memory only: a restart forgives, which is harmless because a ban only saves resources, it never
/// decides what is valid.
/// </summary>
public sealed class PeerScores(TimeProvider time)
{
    public const int MalformedPenalty = 40;
    public const int InvalidPenalty = 20;
    public const int BanThreshold = -100;
    public static readonly TimeSpan BanDuration = TimeSpan.FromSeconds(60);

    private readonly object _lock = new();
    private readonly Dictionary<string, (int Score, DateTimeOffset BannedUntil)> _scores = new(StringComparer.Ordinal);

    /// <summary>Lowers a peer's score; returns true when that bans it.</summary>
    public bool Penalize(string identity, int points)
    {
        lock (_lock)
        {
            _scores.TryGetValue(identity, out var entry);
            entry.Score -= points;
            var banned = entry.Score <= BanThreshold;
            if (banned)
            {
                entry = (0, time.GetUtcNow() + BanDuration);
            }
            _scores[identity] = entry;
            return banned;
        }
    }

    public int ScoreOf(string identity)
    {
        lock (_lock)
        {
            return _scores.TryGetValue(identity, out var entry) ? entry.Score : 0;
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
}
