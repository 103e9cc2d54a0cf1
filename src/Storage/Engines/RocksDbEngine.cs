using RocksDbSharp;

namespace ShanghaiChain.Storage.Engines;

/// <summary>
/// The engine on disk: one RocksDB database with a column family per store family. The only place RocksDB's types
/// appear; the rest of the store sees <see cref="IKeyValueEngine"/>.
/// </summary>
internal sealed partial class RocksDbEngine : IKeyValueEngine
{
    private readonly RocksDb _db;
    private readonly Dictionary<string, Family> _families;
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private readonly WriteOptions _write = new();
    private int _disposed;

    private RocksDbEngine(RocksDb db, IReadOnlyList<string> familyNames)
    {
        _db = db;
        _families = familyNames.ToDictionary(name => name, name => new Family(this, name, db.GetColumnFamily(name)));
    }

    /// <summary>
    /// Opens the database in <paramref name="directory"/> with the families <paramref name="familyNames"/>, creating it
    /// when the folder is missing or empty. Throws <see cref="StoreException"/>, saying why, for a folder that holds
    /// something else, a database in use, of other families, or corrupt; never changes such a folder.
    /// </summary>
    public static RocksDbEngine Open(string directory, IReadOnlyList<string> familyNames)
    {
        var isNew = !Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any();
        if (!isNew && !File.Exists(Path.Combine(directory, "CURRENT")))
        {
            throw new StoreException($"{directory} is not empty and is not a ShanghaiChain data dir (no RocksDB CURRENT file); refusing to touch it");
        }
        Directory.CreateDirectory(directory);
        var options = CreateDbOptions(isNew);
        var families = CreateColumnFamilies(familyNames);
        try
        {
            return new RocksDbEngine(RocksDb.Open(options, directory, families), familyNames);
        }
        catch (RocksDbException ex) when (ex.Message.Contains("column family", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException($"the data dir {directory} was written by an incompatible version of the node ({ex.Message}); " +
                $"this node reads schema version {ChainStore.SchemaVersion}", ex);
        }
        catch (RocksDbException ex) when (ex.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException($"the data dir {directory} is in use by another process (is a node already running with this home?)", ex);
        }
        catch (RocksDbException ex)
        {
            throw new StoreException($"cannot open the data dir {directory}: it is corrupt or incomplete ({ex.Message}). " +
                "Restore it from a backup or remove it to resync; the node will not reset it by itself.", ex);
        }
    }

    /// <summary>
    /// Throws <see cref="StoreException"/> when a process holds the database in <paramref name="directory"/> open (its
    /// RocksDB lock is taken); any other state of the folder (missing, empty, corrupt) is not this check's business. Used
    /// by commands that remove or replace a stopped node's data dir. The open replays the write-ahead log like any open.
    /// </summary>
    public static void ThrowIfInUse(string directory)
    {
        if (!File.Exists(Path.Combine(directory, "LOCK")) || !File.Exists(Path.Combine(directory, "CURRENT")))
        {
            return;
        }
        try
        {
            var options = new DbOptions();
            var names = RocksDb.ListColumnFamilies(options, directory);
            using var db = RocksDb.Open(options, directory, CreateColumnFamilies([.. names]));
        }
        catch (RocksDbException ex) when (ex.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException($"the data dir {directory} is in use by another process (is a node already running with this home?)", ex);
        }
        catch (RocksDbException)
        {
            // Damaged: removing it is what the operator asked for.
        }
    }

    public KeyValueFamily GetFamily(string name) =>
        _families.TryGetValue(name, out var family) ? family : throw new ArgumentException($"no column family '{name}' in this database", nameof(name));

    public byte[]? Get(KeyValueFamily family, ReadOnlySpan<byte> key) => Get(Handle(family), key, null);

    public bool ContainsKey(KeyValueFamily family, ReadOnlySpan<byte> key) => ContainsKey(Handle(family), key, null);

    public void MultiGet(KeyValueFamily family, byte[][] keys, byte[]?[] values) => MultiGet(Handle(family), keys, values, null);

    // The family is resolved here, not at the first MoveNext of the iterator, so a wrong one fails where it is passed.
    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(KeyValueFamily family, byte[] prefix) => Scan(Handle(family), prefix, null);

    public IKeyValueWriteBatch CreateWriteBatch() => new Batch(this);

    public void Write(IKeyValueWriteBatch batch, bool sync)
    {
        if (batch is not Batch own || own.Engine != this)
        {
            throw new ArgumentException("the batch was created by another engine", nameof(batch));
        }
        DisablePerfCounters();
        try
        {
            _db.Write(own.Inner, sync ? _syncWrite : _write);
        }
        catch (RocksDbException ex)
        {
            throw new StorageEngineException(ex.Message, ex);
        }
    }

    public IKeyValueSnapshot CreateSnapshot() => new RocksDbSnapshot(this, _db.CreateSnapshot());

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _db.Dispose();
        }
    }

    private ColumnFamilyHandle Handle(KeyValueFamily family) =>
        family is Family own && own.Engine == this ? own.Handle : throw new ArgumentException($"the family {family} belongs to another engine", nameof(family));

    private byte[]? Get(ColumnFamilyHandle family, ReadOnlySpan<byte> key, ReadOptions? read)
    {
        DisablePerfCounters();
        return _db.Get(key, family, read);
    }

    private bool ContainsKey(ColumnFamilyHandle family, ReadOnlySpan<byte> key, ReadOptions? read)
    {
        DisablePerfCounters();
        return _db.HasKey(key, family, read);
    }

    // The iterator is created at the first MoveNext; RocksDB reads it on an implicit snapshot of that moment.
    private IEnumerable<KeyValuePair<byte[], byte[]>> Scan(ColumnFamilyHandle family, byte[] prefix, ReadOptions? read)
    {
        DisablePerfCounters();
        using var it = read is null ? _db.NewIterator(family) : _db.NewIterator(family, read);
        if (prefix.Length == 0)
        {
            it.SeekToFirst();
        }
        else
        {
            it.Seek(prefix);
        }
        for (; it.Valid(); it.Next())
        {
            var key = it.Key();
            if (!key.AsSpan().StartsWith(prefix))
            {
                yield break;
            }
            yield return new(key, it.Value());
        }
    }

    // Chunks keep MultiGet's per-call arrays below the large object heap, whose growth triggers full collections.
    private const int MultiGetChunk = 1024;

    /// <summary>
    /// A block's worth of keys is read in chunks on all cores: a lookup is mostly CPU work (filters, index and block
    /// searches, copies) and RocksDB's reads are thread-safe. At a million accounts this took a 10,000-account block's
    /// flat reads from about 60 to 40 ms on two cores (docs/state.md §6).
    /// </summary>
    private void MultiGet(ColumnFamilyHandle family, byte[][] keys, byte[]?[] values, ReadOptions? read)
    {
        if (values.Length < keys.Length)
        {
            throw new ArgumentException($"{values.Length} places for the values of {keys.Length} keys", nameof(values));
        }
        var chunks = (keys.Length + MultiGetChunk - 1) / MultiGetChunk;
        if (chunks > 1)
        {
            Parallel.For(0, chunks, chunk => ReadChunk(family, keys, read, values, chunk * MultiGetChunk));
        }
        else if (chunks == 1)
        {
            ReadChunk(family, keys, read, values, 0);
        }
    }

    private void ReadChunk(ColumnFamilyHandle family, byte[][] keys, ReadOptions? read, byte[]?[] values, int start)
    {
        DisablePerfCounters();
        var count = Math.Min(MultiGetChunk, keys.Length - start);
        var chunk = keys[start..(start + count)];
        var families = new ColumnFamilyHandle[count];
        Array.Fill(families, family);
        var found = read is null ? _db.MultiGet(chunk, families) : _db.MultiGet(chunk, families, read);
        for (var i = 0; i < count; i++)
        {
            values[start + i] = found[i].Value;
        }
    }

    // RocksDB counts every key comparison in a thread-local perf context unless told not to (a few per cent of a block's
    // commit). The setting is per thread, and reads run on the committing thread, pool threads and API threads alike,
    // so each thread turns it off once, at its first use of the database.
    [ThreadStatic]
    private static bool _perfCountersOff;

    private static void DisablePerfCounters()
    {
        if (!_perfCountersOff)
        {
            Native.Instance.rocksdb_set_perf_level(PerfLevel.Disable);
            _perfCountersOff = true;
        }
    }

    private sealed class Family(RocksDbEngine engine, string name, ColumnFamilyHandle handle) : KeyValueFamily(name)
    {
        public RocksDbEngine Engine => engine;

        public ColumnFamilyHandle Handle => handle;
    }

    private sealed class Batch(RocksDbEngine engine) : IKeyValueWriteBatch
    {
        public RocksDbEngine Engine => engine;

        public WriteBatch Inner { get; } = new();

        public int Count => Inner.Count();

        public void Put(KeyValueFamily family, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Inner.Put(key, value, engine.Handle(family));

        public void Delete(KeyValueFamily family, ReadOnlySpan<byte> key) => Inner.Delete(key, engine.Handle(family));

        public unsafe void DeleteRange(KeyValueFamily family, ReadOnlySpan<byte> start, ReadOnlySpan<byte> end)
        {
            var handle = engine.Handle(family);
            fixed (byte* from = start, to = end)
            {
                Inner.DeleteRange(from, (ulong)start.Length, to, (ulong)end.Length, handle);
            }
        }

        public void Dispose() => Inner.Dispose();
    }

    private sealed class RocksDbSnapshot(RocksDbEngine engine, Snapshot snapshot) : IKeyValueSnapshot
    {
        private readonly ReadOptions _read = new ReadOptions().SetSnapshot(snapshot);
        private int _disposed;

        public byte[]? Get(KeyValueFamily family, ReadOnlySpan<byte> key) => engine.Get(engine.Handle(family), key, _read);

        public bool ContainsKey(KeyValueFamily family, ReadOnlySpan<byte> key) => engine.ContainsKey(engine.Handle(family), key, _read);

        public void MultiGet(KeyValueFamily family, byte[][] keys, byte[]?[] values) => engine.MultiGet(engine.Handle(family), keys, values, _read);

        public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(KeyValueFamily family, byte[] prefix) => engine.Scan(engine.Handle(family), prefix, _read);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                snapshot.Dispose();
            }
        }
    }
}
