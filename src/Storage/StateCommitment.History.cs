using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

// Account tries of older heights, rebuilt from the flushed trie and the journal (docs/state.md §3), shared through
// leases: a rebuilt trie is cached and handed to every caller asking for the same height, built once however many ask
// at once, and released when the cache and every lease have let go of it.
internal sealed partial class StateCommitment<THasher>
{
    // A rebuild replays at most this many account changes (each stays in memory with the rebuilt trie); a height further
    // from the flushed trie is not served.
    private const long MaxReplayedChanges = 500_000;

    // Rebuilt tries kept for further proofs at the same heights (light clients and relays ask in bursts).
    private const int CachedOverlays = 2;

    // Proofs through a rebuilt trie between two releases of the nodes they loaded from the snapshot. A release walks
    // every node in memory (the replayed ones too, up to a few hundred thousand), so it is rare: the loaded nodes it
    // drops, a few per proof, cost less memory than walking more often costs time.
    private const int OverlayUsesPerRelease = 16_384;

    // Guarded by _overlays: the cache (most recent first), the rebuilds under way, disposal.
    private readonly List<Overlay> _overlays = [];
    private readonly Dictionary<(ulong Height, Hash32 Root), Task<Overlay>> _building = [];
    private bool _disposed;

    // One rebuild at a time: a rebuild is CPU-bound, and a burst of requests for many heights must not take every core.
    private readonly SemaphoreSlim _buildGate = new(1, 1);

    // A cached rebuilt trie is moved forward to a later height (rather than rebuilt from the flushed trie) when it is
    // at most this many blocks below it: a relay or light client following the chain asks height after height.
    private const ulong MaxAdvanceBlocks = 16;

    private long _rebuilds, _advances;

    /// <summary>Rebuilds from the flushed trie and moves of a rebuilt trie to a later height, so far (for tests).</summary>
    public (long Rebuilds, long Advances) HistoricalWork => (Interlocked.Read(ref _rebuilds), Interlocked.Read(ref _advances));

    public IHistoricalState? TryLeaseHistorical(ulong height, Hash32 root)
    {
        lock (_overlays)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var index = _overlays.FindIndex(o => o.Height == height && o.Root == root);
            if (index < 0)
            {
                return null;
            }
            var hit = _overlays[index];
            _overlays.RemoveAt(index);
            _overlays.Insert(0, hit);
            // In the cache, so the cache's own reference keeps it alive: this one cannot fail.
            hit.Acquire();
            return new Lease(hit);
        }
    }

    public IHistoricalState LeaseHistorical(ulong height, Hash32 root, IKeyValueSnapshot snapshot)
    {
        IKeyValueSnapshot? owned = snapshot;
        try
        {
            while (true)
            {
                Task<Overlay>? joined = null;
                TaskCompletionSource<Overlay>? mine = null;
                lock (_overlays)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    if (TryLeaseHistorical(height, root) is { } cached)
                    {
                        return cached;
                    }
                    if (!_building.TryGetValue((height, root), out joined))
                    {
                        mine = new TaskCompletionSource<Overlay>(TaskCreationOptions.RunContinuationsAsynchronously);
                        _building[(height, root)] = mine.Task;
                    }
                }
                if (mine is not null)
                {
                    // The rebuild owns the snapshot from here, and comes back with a reference for this caller.
                    var forBuild = owned!;
                    owned = null;
                    return new Lease(Build(height, root, forBuild, mine));
                }
                // Another caller is rebuilding this height: its result (or its failure) is this caller's too.
                var overlay = joined!.GetAwaiter().GetResult();
                lock (_overlays)
                {
                    if (overlay.TryAcquire(height, root))
                    {
                        return new Lease(overlay);
                    }
                }
                // Evicted by rebuilds of other heights before this caller could take it: again, with this caller's
                // own snapshot (taken with its window check, so it still holds what a rebuild needs).
            }
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private Overlay Build(ulong height, Hash32 root, IKeyValueSnapshot snapshot, TaskCompletionSource<Overlay> completion)
    {
        Overlay overlay;
        try
        {
            _buildGate.Wait();
            try
            {
                lock (_overlays)
                {
                    if (_disposed)
                    {
                        snapshot.Dispose();
                        throw new ObjectDisposedException(GetType().Name);
                    }
                }
                // Each disposes the snapshot or hands it on; BuildOverlay disposes it when it fails.
                overlay = TryAdvance(height, root, snapshot) ?? BuildOverlay(height, root, snapshot);
            }
            finally
            {
                _buildGate.Release();
            }
        }
        catch (Exception ex)
        {
            lock (_overlays)
            {
                _building.Remove((height, root));
            }
            completion.SetException(ex);
            throw;
        }
        lock (_overlays)
        {
            _building.Remove((height, root));
            if (_disposed)
            {
                overlay.Release();
                var disposed = new ObjectDisposedException(GetType().Name);
                completion.SetException(disposed);
                throw disposed;
            }
            // Created with one reference, the cache's; one more for the caller that built it.
            overlay.Acquire();
            _overlays.Insert(0, overlay);
            while (_overlays.Count > CachedOverlays)
            {
                var evicted = _overlays[^1];
                _overlays.RemoveAt(_overlays.Count - 1);
                evicted.Release();
            }
        }
        // Each waiter takes its own reference; one that comes after an eviction rebuilds with its own snapshot.
        completion.SetResult(overlay);
        return overlay;
    }

    // A cached rebuilt trie a few blocks below the height, that nobody holds and whose snapshot is recent (it pins the
    // data of its time on disk), taken out of the cache and moved forward through the journal read on the caller's
    // snapshot. Null (the snapshot untouched) when there is none or the move fails; a failed move drops that trie.
    private Overlay? TryAdvance(ulong height, Hash32 root, IKeyValueSnapshot snapshot)
    {
        Overlay? candidate = null;
        lock (_overlays)
        {
            var head = Volatile.Read(ref _height);
            foreach (var overlay in _overlays)
            {
                if (overlay.Height < height && height - overlay.Height <= MaxAdvanceBlocks && overlay.BuiltAtHead + _proofWindow >= head &&
                    (candidate is null || overlay.Height > candidate.Height))
                {
                    candidate = overlay;
                }
            }
            if (candidate is null || !candidate.TryTake())
            {
                return null;
            }
            // The cache's reference is now this rebuild's.
            _overlays.Remove(candidate);
        }
        try
        {
            var replayed = candidate.Replayed;
            Replay(candidate.Trie, candidate.Height, height, snapshot, ref replayed);
            if (candidate.Trie.ComputeRoot() != root)
            {
                throw new TrieException($"the state moved forward to height {height} does not have the recorded root");
            }
            candidate.MoveTo(height, root, replayed);
            snapshot.Dispose();
            Interlocked.Increment(ref _advances);
            return candidate;
        }
        catch (TrieException)
        {
            // Part-way moved: no longer the state of any height.
            candidate.Release();
            return null;
        }
    }

    // The trie of an older height: the flushed trie on the snapshot, moved forward or backward through the journal.
    private Overlay BuildOverlay(ulong height, Hash32 root, IKeyValueSnapshot snapshot)
    {
        Interlocked.Increment(ref _rebuilds);
        try
        {
            if (snapshot.Get(_families.Metadata, StoreKeys.StateTrieFlushed) is not { Length: 8 } flushedRaw)
            {
                throw new TrieException("the store has no flushed state trie");
            }
            var flushed = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(flushedRaw);
            var trie = new MerklePatriciaTrie<THasher>(new NodeStore(snapshot, _families.Nodes), TrieKeyMode.Secure, RootAt(flushed, snapshot));
            long replayed = 0;
            Replay(trie, flushed, height, snapshot, ref replayed);
            var rebuilt = trie.ComputeRoot();
            if (rebuilt != root)
            {
                throw new TrieException($"the state rebuilt for height {height} has root {rebuilt}, the block recorded {root}");
            }
            return new Overlay(height, root, trie, snapshot, Volatile.Read(ref _height), replayed);
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
    }

    // Moves a trie from the state of height `from` to that of `to` through the journal read on `read`: forward through
    // the "after" sides of from+1..to, or backward through the "before" sides of from..to+1. Counts the replayed changes
    // against the cap; a missing or malformed record or the cap ends it with a TrieException (the trie then part-way).
    private void Replay(MerklePatriciaTrie<THasher> trie, ulong from, ulong to, IKeyValueReader read, ref long replayed)
    {
        var forward = to >= from;
        for (var block = forward ? from + 1 : from; forward ? block <= to : block > to; block = forward ? block + 1 : block - 1)
        {
            var record = read.Get(_families.Journal, StoreKeys.Height(block))
                ?? throw new TrieException($"the state journal of block {block} is no longer kept");
            if (!StateCommitment.TryDecodeJournal(record, forward, out var updates, out var current))
            {
                throw new TrieException($"the state journal of block {block} is malformed");
            }
            replayed += updates.Length;
            if (replayed > MaxReplayedChanges)
            {
                throw new TrieException($"more than {MaxReplayedChanges} account changes lie between height {to} and the stored trie");
            }
            if (!forward)
            {
                // Backwards, the earliest "before" of an account must win (a record names each account once, but
                // the replay does not rely on it).
                Array.Reverse(updates);
                Array.Reverse(current);
            }
            trie.Update(updates, null, current);
        }
    }

    // Heights below the proof window are no longer served: their rebuilt tries (and the snapshots that pin old data on
    // disk) go as soon as no lease holds them.
    private void EvictHistoricalBelow(ulong lowest)
    {
        lock (_overlays)
        {
            for (var i = _overlays.Count - 1; i >= 0; i--)
            {
                if (_overlays[i].Height < lowest)
                {
                    _overlays[i].Release();
                    _overlays.RemoveAt(i);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_overlays)
        {
            _disposed = true;
        }
        // A rebuild under way reads the database: wait for it (later ones see the flag and stop before reading).
        _buildGate.Wait();
        try
        {
            lock (_overlays)
            {
                foreach (var overlay in _overlays)
                {
                    overlay.Release();
                }
                _overlays.Clear();
            }
        }
        finally
        {
            _buildGate.Release();
        }
    }

    /// <summary>
    /// A rebuilt trie and the snapshot its unchanged nodes are read from, alive while referenced (by the cache and by
    /// leases). Its lock guards the reference count and every use of the trie, which is not thread-safe.
    /// </summary>
    private sealed class Overlay(ulong height, Hash32 root, MerklePatriciaTrie<THasher> trie, IKeyValueSnapshot snapshot, ulong builtAtHead, long replayed)
    {
        private int _references = 1;
        private int _usesSinceRelease;

        // Changed only by MoveTo, while out of the cache and held by nobody else.
        public ulong Height { get; private set; } = height;

        public Hash32 Root { get; private set; } = root;

        /// <summary>The head when the snapshot was taken: how old the data it pins on disk is.</summary>
        public ulong BuiltAtHead => builtAtHead;

        /// <summary>Account changes replayed into the trie since it was read from the flushed trie.</summary>
        public long Replayed { get; private set; } = replayed;

        /// <summary>The trie, for a rebuild that holds the only reference.</summary>
        public MerklePatriciaTrie<THasher> Trie => trie;

        // Set while a rebuild moves the trie to another height: nobody may take a reference meanwhile.
        private bool _taken;

        /// <summary>Takes the cache's reference for a move, when nobody else holds one.</summary>
        public bool TryTake()
        {
            lock (this)
            {
                if (_references != 1 || _taken)
                {
                    return false;
                }
                _taken = true;
                return true;
            }
        }

        public void MoveTo(ulong newHeight, Hash32 newRoot, long totalReplayed)
        {
            lock (this)
            {
                Height = newHeight;
                Root = newRoot;
                Replayed = totalReplayed;
                _taken = false;
            }
        }

        public void Acquire()
        {
            lock (this)
            {
                _references++;
            }
        }

        /// <summary>
        /// A reference for a caller that waited for this trie to be rebuilt for <paramref name="height"/>: refused when
        /// it has been released, is being moved, or was moved to another height meanwhile.
        /// </summary>
        public bool TryAcquire(ulong height, Hash32 root)
        {
            lock (this)
            {
                if (_references == 0 || _taken || Height != height || Root != root)
                {
                    return false;
                }
                _references++;
                return true;
            }
        }

        public void Release()
        {
            lock (this)
            {
                if (--_references == 0)
                {
                    snapshot.Dispose();
                }
            }
        }

        public T Use<T>(Func<MerklePatriciaTrie<THasher>, T> read)
        {
            lock (this)
            {
                // Leases keep a reference, so a used overlay is never released; the check guards misuse after disposal.
                ObjectDisposedException.ThrowIf(_references == 0, this);
                var result = read(trie);
                if (++_usesSinceRelease >= OverlayUsesPerRelease)
                {
                    // Nodes the proofs loaded from the snapshot leave memory again; the replayed ones stay.
                    trie.ReleaseCache(CachedLevels);
                    _usesSinceRelease = 0;
                }
                return result;
            }
        }
    }

    private sealed class Lease(Overlay overlay) : IHistoricalState
    {
        private int _disposed;

        public (byte[][] Nodes, byte[]? Leaf) Prove(Address address)
        {
            var key = address.ToArray();
            return overlay.Use(trie => (trie.GetProof(key), trie.TryGet(key, out var leaf) ? leaf.ToArray() : null));
        }

        public byte[]? ReadLeaf(Address address)
        {
            var key = address.ToArray();
            return overlay.Use(trie => trie.TryGet(key, out var leaf) ? leaf.ToArray() : null);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                overlay.Release();
            }
        }
    }
}
