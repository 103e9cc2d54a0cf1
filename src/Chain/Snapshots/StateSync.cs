using System.Diagnostics;
using Google.Protobuf;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Snapshots;

/// <summary>No source serves the snapshot any more (they replaced it, or went away): not a fault of anyone's.</summary>
public sealed class SnapshotUnavailableException(string message) : Exception(message);

/// <summary>A snapshot a source offers: its height, state root and chunk count.</summary>
public sealed record SnapshotOfferInfo(ulong Height, Hash32 StateRoot, int ChunkCount);

/// <summary>
/// Somewhere snapshots come from (a peer, in the node). Nothing it sends is trusted: <see cref="StateSync"/> checks the
/// manifest and its certificate, every chunk's hash and the rebuilt root.
/// </summary>
public interface ISnapshotSource
{
    /// <summary>How the source is named in logs and errors.</summary>
    string Name { get; }

    Task<IReadOnlyList<SnapshotOfferInfo>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The serialized manifest of the snapshot at <paramref name="height"/>.</summary>
    Task<byte[]> GetManifestAsync(ulong height, CancellationToken cancellationToken);

    Task<byte[]> GetChunkAsync(ulong height, int index, CancellationToken cancellationToken);

    /// <summary>Told when the source failed or sent something invalid (a peer's connection is then dropped).</summary>
    void Failed(Exception error);
}

/// <summary>Where a state sync is: the snapshot's height, chunks restored of all, bytes downloaded.</summary>
public sealed record StateSyncProgress(ulong Height, int ChunksDone, int ChunkCount, long Bytes);

/// <summary>What a state sync restored.</summary>
public sealed record StateSyncResult(ulong Height, Hash32 StateRoot, int Chunks, long Bytes, long Accounts, long Slots, TimeSpan Elapsed);

/// <summary>
/// Restores a new node's store from a snapshot its peers offer (docs/operations.md, "State sync"): asks every source
/// what it offers, takes the newest snapshot, fetches its manifest from a source that offers it and checks it
/// (<see cref="SnapshotManifests.Check"/>, <see cref="SnapshotTrust.Verify"/>, the offered root), then downloads the
/// chunks from all the sources that served the same manifest, several at a time, checks each against the manifest's
/// hash before it is used (a source that sends a wrong one is dropped for this sync and told, and the chunk is fetched
/// from another) and restores them in order through <see cref="SnapshotRestore"/>, whose completion checks the certified
/// root (a manifest whose chunks do not rebuild it gets its sources dropped). A snapshot that fails is deleted and the
/// next one tried; null when no source offers a usable one (the node then syncs blocks from genesis).
/// </summary>
public sealed class StateSync(GenesisFile genesis, Hash32? trustedHash, Action<string> log)
{
    /// <summary>Chunks fetched ahead of the one being restored.</summary>
    public const int Window = 6;

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How many times the sources are asked again for offers after every snapshot offered failed.</summary>
    public const int Rounds = 3;

    public async Task<StateSyncResult?> RunAsync(IReadOnlyList<ISnapshotSource> sources, string directory, IProgress<StateSyncProgress>? progress,
        CancellationToken cancellationToken)
    {
        var live = new List<ISnapshotSource>(sources);
        var tried = new HashSet<(ulong, Hash32)>();
        for (var round = 0; round < Rounds; round++)
        {
            // Asked again each round: a peer replaces its snapshots as it commits, and one may vanish mid-download.
            var offers = await Task.WhenAll(live.ToList().Select(s => AskAsync(s, cancellationToken))).ConfigureAwait(false);
            var candidates = offers.SelectMany(o => o.Offers.Select(offer => (o.Source, offer)))
                .GroupBy(o => (o.offer.Height, o.offer.StateRoot))
                .Where(g => !tried.Contains(g.Key))
                .OrderByDescending(g => g.Key.Height)
                .ToList();
            if (candidates.Count == 0)
            {
                log(round == 0 ? "no peer offers a snapshot" : "no peer offers another snapshot");
                return null;
            }
            foreach (var candidate in candidates)
            {
                var offering = candidate.Select(c => c.Source).Where(live.Contains).ToList();
                if (offering.Count == 0)
                {
                    continue;
                }
                tried.Add(candidate.Key);
                log($"trying the snapshot of height {candidate.Key.Height} (state root {candidate.Key.StateRoot}), offered by {offering.Count} peer(s)");
                var result = await RestoreAsync(candidate.Key.Height, candidate.Key.StateRoot, offering, live, directory, progress, cancellationToken).ConfigureAwait(false);
                if (result is not null)
                {
                    return result;
                }
            }
        }
        log("no offered snapshot could be restored");
        return null;
    }

    private static async Task<(ISnapshotSource Source, IReadOnlyList<SnapshotOfferInfo> Offers)> AskAsync(ISnapshotSource source, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AskTimeout);
        try
        {
            return (source, await source.ListAsync(timeout.Token).ConfigureAwait(false));
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A peer that does not answer (or runs a node without snapshots) offers nothing.
            return (source, []);
        }
    }

    private async Task<StateSyncResult?> RestoreAsync(ulong height, Hash32 offeredRoot, List<ISnapshotSource> offering, List<ISnapshotSource> live,
        string directory, IProgress<StateSyncProgress>? progress, CancellationToken cancellationToken)
    {
        // Every offering source's manifest, grouped by its bytes: chunks are fetched only from sources that vouch for the
        // manifest in use, so a chunk that misses its hash is the fault of the source that sent it, never of another's
        // manifest. The largest group is tried first.
        var groups = new Dictionary<Hash32, (VerifiedManifest Manifest, List<ISnapshotSource> Sources)>();
        foreach (var source in offering)
        {
            try
            {
                var bytes = await source.GetManifestAsync(height, cancellationToken).ConfigureAwait(false);
                var key = genesis.Suite.Hash(bytes);
                if (groups.TryGetValue(key, out var group))
                {
                    group.Sources.Add(source);
                    continue;
                }
                var checkedManifest = SnapshotManifests.Check(genesis, SnapshotManifest.Parser.ParseFrom(bytes));
                if (checkedManifest.StateRoot != offeredRoot || checkedManifest.Height != height)
                {
                    throw new SnapshotException($"its manifest is of height {checkedManifest.Height} and root {checkedManifest.StateRoot}, not the offered ones");
                }
                SnapshotTrust.Verify(genesis, checkedManifest, trustedHash);
                groups[key] = (checkedManifest, [source]);
            }
            catch (Exception ex) when (ex is SnapshotException or InvalidProtocolBufferException)
            {
                Drop(source, live, [], $"its manifest of the snapshot at {height} was refused: {ex.Message}", ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Unreachable, or the snapshot is gone: not the peer's fault.
                log($"{source.Name} did not serve the manifest of the snapshot at {height}: {ex.Message}");
            }
        }
        foreach (var (manifest, sources) in groups.Values.OrderByDescending(g => g.Sources.Count))
        {
            var clock = Stopwatch.StartNew();
            DeleteDirectory(directory);
            var pool = new List<ISnapshotSource>(sources);
            try
            {
                using var restore = SnapshotRestore.Begin(directory, genesis, manifest);
                var downloaded = await DownloadAsync(manifest, restore, pool, live, progress, cancellationToken).ConfigureAwait(false);
                var root = restore.Complete();
                return new StateSyncResult(height, root, restore.ChunkCount, downloaded, restore.Accounts, restore.Slots, clock.Elapsed);
            }
            catch (SnapshotUnavailableException ex)
            {
                DeleteDirectory(directory);
                log(ex.Message);
            }
            catch (SnapshotException ex)
            {
                // Only the root is certified: a manifest whose chunks do not decode or do not rebuild it is the fault of
                // every source that served that manifest.
                DeleteDirectory(directory);
                foreach (var source in sources)
                {
                    Drop(source, live, [], $"the snapshot at {height} it served does not restore: {ex.Message}", ex);
                }
            }
            catch
            {
                DeleteDirectory(directory);
                throw;
            }
        }
        return null;
    }

    private async Task<long> DownloadAsync(VerifiedManifest manifest, SnapshotRestore restore, List<ISnapshotSource> pool, List<ISnapshotSource> live,
        IProgress<StateSyncProgress>? progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var count = manifest.ChunkHashes.Count;
        var inFlight = new Dictionary<int, Task<byte[]>>();
        var next = 0;
        long bytes = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                for (; next < count && next < i + Window; next++)
                {
                    inFlight[next] = FetchAsync(manifest, next, pool, live, stop.Token);
                }
                var chunk = await inFlight[i].ConfigureAwait(false);
                inFlight.Remove(i);
                restore.Add(chunk);
                bytes += chunk.Length;
                progress?.Report(new StateSyncProgress(manifest.Height, i + 1, count, bytes));
            }
            return bytes;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var task in inFlight.Values)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Fetches abandoned with this snapshot: whatever they ended with no longer matters.
                }
            }
        }
    }

    private int _turn;

    private async Task<byte[]> FetchAsync(VerifiedManifest manifest, int index, List<ISnapshotSource> pool, List<ISnapshotSource> live, CancellationToken cancellationToken)
    {
        while (true)
        {
            ISnapshotSource source;
            lock (pool)
            {
                if (pool.Count == 0)
                {
                    throw new SnapshotUnavailableException($"no peer serves the snapshot at {manifest.Height} any more (chunk {index} was still missing)");
                }
                source = pool[(int)((uint)Interlocked.Increment(ref _turn) % (uint)pool.Count)];
            }
            try
            {
                var chunk = await source.GetChunkAsync(manifest.Height, index, cancellationToken).ConfigureAwait(false);
                if (chunk.Length <= SnapshotChunks.MaxBytes && genesis.Suite.Hash(chunk) == manifest.ChunkHashes[index])
                {
                    return chunk;
                }
                Drop(source, live, pool, $"it sent chunk {index} of the snapshot at {manifest.Height} with a hash the manifest does not list",
                    new SnapshotException($"chunk {index} does not have the manifest's hash"));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Unreachable, or the snapshot was replaced by a newer one: fetched from the others, and the source stays
                // a candidate for the next snapshot.
                lock (pool)
                {
                    pool.Remove(source);
                }
                log($"{source.Name} did not serve chunk {index} of the snapshot at {manifest.Height}: {ex.Message}");
            }
        }
    }

    private void Drop(ISnapshotSource source, List<ISnapshotSource> live, List<ISnapshotSource> pool, string why, Exception error)
    {
        lock (pool)
        {
            pool.Remove(source);
        }
        lock (live)
        {
            if (!live.Remove(source))
            {
                return;
            }
        }
        log($"dropped {source.Name} for this state sync: {why}");
        source.Failed(error);
    }

    private static void DeleteDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
