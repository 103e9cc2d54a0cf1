using System.Collections.Immutable;

namespace ShanghaiChain.Storage.Engines;

/// <summary>
/// An engine in memory, for deterministic tests: sorted families, snapshots, batches applied all or nothing, and
/// <see cref="FailWrite"/> to make chosen writes fail. The data lives as long as this object, so a store opened again
/// on the same engine finds what was committed, as after a crash of the process that held it.
/// </summary>
public sealed class MemoryEngine : IKeyValueEngine
{
    private static readonly EntryOrder Order = new();
    private static readonly ImmutableSortedSet<KeyValuePair<byte[], byte[]>> EmptyFamily = ImmutableSortedSet.Create<KeyValuePair<byte[], byte[]>>(Order);

    private readonly Dictionary<string, Family> _families = [];
    private readonly Lock _writeLock = new();
    // One immutable set per family (by Family.Index), and the array replaced as a whole by each write: whoever reads the
    // array sees one committed state of every family, which is all a snapshot is.
    private ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] _data = [];
    private long _writes;
    private volatile bool _disposed;

    /// <summary>
    /// Fault injection: asked before each write with the number of writes applied so far; when it returns true the write
    /// throws <see cref="StorageEngineException"/> and applies nothing, as a write that failed on disk.
    /// </summary>
    public Func<long, bool>? FailWrite { get; set; }

    /// <summary>Writes applied so far.</summary>
    public long WritesApplied => Interlocked.Read(ref _writes);

    /// <summary>The family named <paramref name="name"/>, created empty when first asked for (as in a new database).</summary>
    public KeyValueFamily GetFamily(string name)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_families.TryGetValue(name, out var family))
            {
                family = new Family(this, name, _families.Count);
                _families.Add(name, family);
                Volatile.Write(ref _data, [.. _data, EmptyFamily]);
            }
            return family;
        }
    }

    public byte[]? Get(KeyValueFamily family, ReadOnlySpan<byte> key) => Get(Current(), family, key);

    public bool ContainsKey(KeyValueFamily family, ReadOnlySpan<byte> key) => ContainsKey(Current(), family, key);

    public void MultiGet(KeyValueFamily family, byte[][] keys, byte[]?[] values) => MultiGet(Current(), family, keys, values);

    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(KeyValueFamily family, byte[] prefix) => Scan(Current(), family, prefix);

    public IKeyValueWriteBatch CreateWriteBatch() => new Batch(this);

    /// <summary>Applies the batch all or nothing; <paramref name="sync"/> has no meaning in memory (nothing outlives the process).</summary>
    public void Write(IKeyValueWriteBatch batch, bool sync)
    {
        if (batch is not Batch own || own.Engine != this)
        {
            throw new ArgumentException("the batch was created by another engine", nameof(batch));
        }
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (FailWrite?.Invoke(_writes) == true)
            {
                throw new StorageEngineException($"injected fault: write {_writes + 1} failed");
            }
            var data = (ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[])_data.Clone();
            var changed = new ImmutableSortedSet<KeyValuePair<byte[], byte[]>>.Builder?[data.Length];
            foreach (var operation in own.Operations)
            {
                var family = changed[operation.Family] ??= data[operation.Family].ToBuilder();
                Apply(family, operation);
            }
            for (var i = 0; i < data.Length; i++)
            {
                if (changed[i] is { } family)
                {
                    data[i] = family.ToImmutable();
                }
            }
            Volatile.Write(ref _data, data);
            Interlocked.Increment(ref _writes);
        }
    }

    public IKeyValueSnapshot CreateSnapshot() => new MemorySnapshot(this, Current());

    /// <summary>Drops the data; the engine cannot be used afterwards.</summary>
    public void Dispose()
    {
        lock (_writeLock)
        {
            _disposed = true;
            Volatile.Write(ref _data, []);
        }
    }

    private ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] Current()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Volatile.Read(ref _data);
    }

    private int Index(KeyValueFamily family) =>
        family is Family own && own.Engine == this ? own.Index : throw new ArgumentException($"the family {family} belongs to another engine", nameof(family));

    // A family created after a snapshot was taken is empty in it.
    private ImmutableSortedSet<KeyValuePair<byte[], byte[]>> Entries(ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] data, KeyValueFamily family)
    {
        var index = Index(family);
        return index < data.Length ? data[index] : EmptyFamily;
    }

    // Values are copied out, as RocksDB hands out fresh arrays: callers may reuse what they read (the trie re-encodes
    // nodes into arrays it owns), and nothing they do may reach the stored bytes.
    private byte[]? Get(ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] data, KeyValueFamily family, ReadOnlySpan<byte> key) =>
        Entries(data, family).TryGetValue(new(key.ToArray(), []), out var entry) ? [.. entry.Value] : null;

    private bool ContainsKey(ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] data, KeyValueFamily family, ReadOnlySpan<byte> key) =>
        Entries(data, family).Contains(new(key.ToArray(), []));

    private void MultiGet(ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] data, KeyValueFamily family, byte[][] keys, byte[]?[] values)
    {
        if (values.Length < keys.Length)
        {
            throw new ArgumentException($"{values.Length} places for the values of {keys.Length} keys", nameof(values));
        }
        for (var i = 0; i < keys.Length; i++)
        {
            values[i] = Get(data, family, keys[i]);
        }
    }

    private IEnumerable<KeyValuePair<byte[], byte[]>> Scan(ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] data, KeyValueFamily family, byte[] prefix)
    {
        var entries = Entries(data, family);
        return ScanFrom(entries, prefix);

        static IEnumerable<KeyValuePair<byte[], byte[]>> ScanFrom(ImmutableSortedSet<KeyValuePair<byte[], byte[]>> entries, byte[] prefix)
        {
            for (var i = Seek(entries.IndexOf(new(prefix, []))); i < entries.Count; i++)
            {
                var (key, value) = entries[i];
                if (!key.AsSpan().StartsWith(prefix))
                {
                    yield break;
                }
                yield return new([.. key], [.. value]);
            }
        }
    }

    // IndexOf gives the position of an entry, or the complement of where it would go: the first entry at or after it.
    private static int Seek(int indexOf) => indexOf >= 0 ? indexOf : ~indexOf;

    private static void Apply(ImmutableSortedSet<KeyValuePair<byte[], byte[]>>.Builder family, Operation operation)
    {
        var entry = new KeyValuePair<byte[], byte[]>(operation.Key, operation.Value ?? []);
        switch (operation.Kind)
        {
            case OperationKind.Put:
                // The set compares keys only: the old entry must leave before the new value can enter.
                family.Remove(entry);
                family.Add(entry);
                break;
            case OperationKind.Delete:
                family.Remove(entry);
                break;
            case OperationKind.DeleteRange:
                var end = operation.Value!;
                for (var i = Seek(family.IndexOf(entry)); i < family.Count && family[i].Key.AsSpan().SequenceCompareTo(end) < 0;)
                {
                    // Removing shifts the next entry to index i.
                    family.Remove(family[i]);
                }
                break;
        }
    }

    private sealed class EntryOrder : IComparer<KeyValuePair<byte[], byte[]>>
    {
        // Unsigned bytewise, a key before its extensions: RocksDB's default order.
        public int Compare(KeyValuePair<byte[], byte[]> x, KeyValuePair<byte[], byte[]> y) => x.Key.AsSpan().SequenceCompareTo(y.Key);
    }

    private sealed class Family(MemoryEngine engine, string name, int index) : KeyValueFamily(name)
    {
        public MemoryEngine Engine => engine;

        public int Index => index;
    }

    private enum OperationKind
    {
        Put,
        Delete,
        DeleteRange,
    }

    // Value: the value of a put, the end of a range.
    private readonly record struct Operation(OperationKind Kind, int Family, byte[] Key, byte[]? Value);

    private sealed class Batch(MemoryEngine engine) : IKeyValueWriteBatch
    {
        private readonly List<Operation> _operations = [];

        public MemoryEngine Engine => engine;

        public IReadOnlyList<Operation> Operations => _operations;

        public int Count => _operations.Count;

        public void Put(KeyValueFamily family, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
            _operations.Add(new(OperationKind.Put, engine.Index(family), key.ToArray(), value.ToArray()));

        public void Delete(KeyValueFamily family, ReadOnlySpan<byte> key) =>
            _operations.Add(new(OperationKind.Delete, engine.Index(family), key.ToArray(), null));

        public void DeleteRange(KeyValueFamily family, ReadOnlySpan<byte> start, ReadOnlySpan<byte> end) =>
            _operations.Add(new(OperationKind.DeleteRange, engine.Index(family), start.ToArray(), end.ToArray()));

        public void Dispose() => _operations.Clear();
    }

    private sealed class MemorySnapshot(MemoryEngine engine, ImmutableSortedSet<KeyValuePair<byte[], byte[]>>[] data) : IKeyValueSnapshot
    {
        public byte[]? Get(KeyValueFamily family, ReadOnlySpan<byte> key) => engine.Get(data, family, key);

        public bool ContainsKey(KeyValueFamily family, ReadOnlySpan<byte> key) => engine.ContainsKey(data, family, key);

        public void MultiGet(KeyValueFamily family, byte[][] keys, byte[]?[] values) => engine.MultiGet(data, family, keys, values);

        public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(KeyValueFamily family, byte[] prefix) => engine.Scan(data, family, prefix);

        // Holds nothing but references to immutable sets.
        public void Dispose()
        {
        }
    }
}
