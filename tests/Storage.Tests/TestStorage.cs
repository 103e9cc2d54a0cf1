using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage.Tests;

/// <summary>
/// Where a test's store lives across openings: a RocksDB data dir in a temporary folder (removed at the end), or one
/// memory engine that every opening shares (so that a reopened store finds what was committed, as on disk).
/// </summary>
internal sealed class TestStorage : IDisposable
{
    private readonly string _root = System.IO.Directory.CreateTempSubdirectory("shc-storage-").FullName;
    private readonly MemoryEngine? _memory;

    public TestStorage(Engine engine)
    {
        Engine = engine;
        _memory = engine == Engine.Memory ? new MemoryEngine() : null;
    }

    public Engine Engine { get; }

    /// <summary>The RocksDB data dir (with the memory engine, only a name for the store's messages).</summary>
    public string Directory => Path.Combine(_root, "chain");

    public ChainStore Open(GenesisFile genesis, StateCheck stateCheck = StateCheck.Sampled, ulong proofWindow = 0) =>
        _memory is null
            ? ChainStore.Open(Directory, genesis, stateCheck, proofWindow)
            : ChainStore.Open(_memory, genesis, stateCheck, proofWindow);

    /// <summary>
    /// Reads or changes the stored data behind the store's back (no store may be open on it), as a bad disk or a partial
    /// write would change it.
    /// </summary>
    public T WithEngine<T>(Func<IKeyValueEngine, T> use)
    {
        if (_memory is not null)
        {
            return use(_memory);
        }
        using var engine = RocksDbEngine.Open(Directory, ColumnFamilyNames.All);
        return use(engine);
    }

    public void WithEngine(Action<IKeyValueEngine> use) => WithEngine(engine =>
    {
        use(engine);
        return true;
    });

    public void Dispose()
    {
        _memory?.Dispose();
        System.IO.Directory.Delete(_root, recursive: true);
    }
}

/// <summary>Single reads and writes by family name, for tests that change data behind the store's back.</summary>
internal static class EngineEdits
{
    public static byte[]? Get(this IKeyValueEngine engine, string family, byte[] key) => engine.Get(engine.GetFamily(family), key);

    public static void Put(this IKeyValueEngine engine, string family, byte[] key, byte[] value)
    {
        using var batch = engine.CreateWriteBatch();
        batch.Put(engine.GetFamily(family), key, value);
        engine.Write(batch, sync: true);
    }

    public static void Remove(this IKeyValueEngine engine, string family, byte[] key)
    {
        using var batch = engine.CreateWriteBatch();
        batch.Delete(engine.GetFamily(family), key);
        engine.Write(batch, sync: true);
    }
}
