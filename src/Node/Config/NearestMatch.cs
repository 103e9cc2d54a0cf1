namespace ShanghaiChain.Node.Config;

/// <summary>"Did you mean …?" for a mistyped command, option or configuration key: the closest known name by edit distance.</summary>
public static class NearestMatch
{
    /// <summary>
    /// The candidate closest to <paramref name="typed"/>, if it is close enough to be a typo (at most a third of the
    /// typed name's letters differ, and at most three), else null. Case-insensitive.
    /// </summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        var limit = Math.Clamp(typed.Length / 3, 1, 3);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance || (distance == bestDistance && best is not null && string.CompareOrdinal(candidate, best) < 0))
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        // A prefix of a longer name ("val" for "validators") is as good a guess as a typo.
        var prefix = candidates.Where(c => typed.Length >= 3 && c.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).ToList();
        if (bestDistance > limit && prefix.Count == 1)
        {
            return prefix[0];
        }
        return bestDistance <= limit ? best : null;
    }

    /// <summary>A suffix for an error message: " (did you mean 'x'?)" or nothing.</summary>
    public static string Hint(string typed, IEnumerable<string> candidates) =>
        Find(typed, candidates) is { } match ? $"; did you mean '{match}'?" : "";

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
