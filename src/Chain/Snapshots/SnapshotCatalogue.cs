using System.Collections.Concurrent;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Chain.Snapshots;

/// <summary>
/// The snapshot files a node offers its peers: the <c>*.shcsnap</c> files in its snapshots folder (written by
/// <c>snapshot create</c> or by the node every <c>state.snapshot_interval</c> blocks), newest height first. Each file is
/// opened and checked once (its digest included) and then served by position; a file that does not check is skipped
/// and reported once. Files are re-listed at most every two seconds.
/// </summary>
public sealed class SnapshotCatalogue(string directory, Action<string>? onBadFile = null)
{
    /// <summary>How many snapshots are offered (the newest).</summary>
    public const int MaxOffered = 4;

    private readonly ConcurrentDictionary<string, (DateTime Written, SnapshotFileIndex? Index)> _files = new();
    private IReadOnlyList<SnapshotFileIndex> _offered = [];
    private DateTime _listedAt = DateTime.MinValue;
    private readonly SemaphoreSlim _listing = new(1, 1);

    public string Directory => directory;

    /// <summary>The offered snapshots, newest first.</summary>
    public async Task<IReadOnlyList<SnapshotFileIndex>> ListAsync(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _listedAt < TimeSpan.FromSeconds(2))
        {
            return _offered;
        }
        await _listing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var found = new List<SnapshotFileIndex>();
            var paths = System.IO.Directory.Exists(directory) ? System.IO.Directory.GetFiles(directory, "*" + SnapshotFile.Extension) : [];
            foreach (var path in paths)
            {
                var written = File.GetLastWriteTimeUtc(path);
                if (!_files.TryGetValue(path, out var known) || known.Written != written)
                {
                    SnapshotFileIndex? index = null;
                    try
                    {
                        index = await SnapshotFile.OpenAsync(path, checkDigest: true, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is SnapshotException or IOException or UnauthorizedAccessException)
                    {
                        onBadFile?.Invoke($"snapshot {path} is not offered: {ex.Message}");
                    }
                    known = (written, index);
                    _files[path] = known;
                }
                if (known.Index is { } ok)
                {
                    found.Add(ok);
                }
            }
            foreach (var gone in _files.Keys.Except(paths).ToList())
            {
                _files.TryRemove(gone, out _);
            }
            _offered = [.. found.OrderByDescending(f => f.Manifest.Height).Take(MaxOffered)];
            _listedAt = DateTime.UtcNow;
            return _offered;
        }
        finally
        {
            _listing.Release();
        }
    }

    /// <summary>The offered snapshot of <paramref name="height"/>, or null.</summary>
    public async Task<SnapshotFileIndex?> FindAsync(ulong height, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(f => f.Manifest.Height == height);
}
