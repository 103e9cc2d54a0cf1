namespace ShanghaiChain.Storage.Engines;

/// <summary>
/// A column family of one engine: a key space of its own, sorted bytewise (unsigned, a shorter key before its
/// extensions). Only the engine that handed it out accepts it.
/// </summary>
public abstract class KeyValueFamily
{
    // Engines live in this assembly: a family always belongs to one of them.
    private protected KeyValueFamily(string name) => Name = name;

    public string Name { get; }

    public override string ToString() => Name;
}

/// <summary>Reads of column families: the live engine, or a snapshot of it.</summary>
public interface IKeyValueReader
{
    /// <summary>The value of <paramref name="key"/>, or null when absent. The array is the caller's to keep or change.</summary>
    byte[]? Get(KeyValueFamily family, ReadOnlySpan<byte> key);

    /// <summary>Whether <paramref name="key"/> is present; cheaper than reading its value when absent keys are common.</summary>
    bool ContainsKey(KeyValueFamily family, ReadOnlySpan<byte> key);

    /// <summary>
    /// Reads every key of <paramref name="keys"/> into the same position of <paramref name="values"/> (null: absent), in
    /// batched reads: the cheap way to read a block's worth of keys.
    /// </summary>
    void MultiGet(KeyValueFamily family, byte[][] keys, byte[]?[] values);

    /// <summary>
    /// The entries whose keys start with <paramref name="prefix"/> (empty: all of the family), in key order, as they were
    /// when the enumeration started. Dispose the enumerator (foreach does) to release what it holds.
    /// </summary>
    IEnumerable<KeyValuePair<byte[], byte[]>> Scan(KeyValueFamily family, byte[] prefix);
}

/// <summary>A consistent read view of every family at one moment, unaffected by later writes, until disposed.</summary>
public interface IKeyValueSnapshot : IKeyValueReader, IDisposable;

/// <summary>Puts and deletes over any families, applied together by <see cref="IKeyValueEngine.Write"/>, in the order added.</summary>
public interface IKeyValueWriteBatch : IDisposable
{
    /// <summary>Number of operations added so far.</summary>
    int Count { get; }

    void Put(KeyValueFamily family, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    void Delete(KeyValueFamily family, ReadOnlySpan<byte> key);

    /// <summary>Deletes every key from <paramref name="start"/> (included) to <paramref name="end"/> (excluded).</summary>
    void DeleteRange(KeyValueFamily family, ReadOnlySpan<byte> start, ReadOnlySpan<byte> end);
}

/// <summary>
/// A sorted key-value store with named column families, atomic write batches and snapshots: what the chain store is
/// built on (docs/storage.md, "Storage engines"). Reads are thread-safe; writes are applied one at a time.
/// </summary>
public interface IKeyValueEngine : IKeyValueReader, IDisposable
{
    /// <summary>The family named <paramref name="name"/>.</summary>
    KeyValueFamily GetFamily(string name);

    /// <summary>An empty batch for this engine.</summary>
    IKeyValueWriteBatch CreateWriteBatch();

    /// <summary>
    /// Applies <paramref name="batch"/> all or nothing. With <paramref name="sync"/>, the write is durable (on disk, through
    /// an fsync) before this returns. Throws <see cref="StorageEngineException"/> when the write fails.
    /// </summary>
    void Write(IKeyValueWriteBatch batch, bool sync);

    /// <summary>A snapshot of every family as of now; the caller disposes it.</summary>
    IKeyValueSnapshot CreateSnapshot();
}

/// <summary>An engine could not carry out an operation (a write that failed on disk, or a fault injected by a test).</summary>
public sealed class StorageEngineException(string message, Exception? inner = null) : Exception(message, inner);
