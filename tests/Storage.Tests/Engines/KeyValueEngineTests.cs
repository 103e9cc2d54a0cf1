using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage.Tests.Engines;

/// <summary>What the store relies on from an engine, checked on each: the memory engine must behave as RocksDB does.</summary>
public sealed class KeyValueEngineTests : IDisposable
{
    private const string First = "first";
    private const string Second = "second";

    private readonly string _dir = Directory.CreateTempSubdirectory("shc-engine-").FullName;
    private readonly List<IKeyValueEngine> _engines = [];

    public void Dispose()
    {
        foreach (var engine in _engines)
        {
            engine.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private IKeyValueEngine Open(Engine kind)
    {
        IKeyValueEngine engine = kind == Engine.RocksDb ? RocksDbEngine.Open(Path.Combine(_dir, "db"), [First, Second]) : new MemoryEngine();
        _engines.Add(engine);
        return engine;
    }

    private static void Write(IKeyValueEngine engine, Action<IKeyValueWriteBatch> fill)
    {
        using var batch = engine.CreateWriteBatch();
        fill(batch);
        engine.Write(batch, sync: true);
    }

    private static byte[][] Keys(IEnumerable<KeyValuePair<byte[], byte[]>> entries) => [.. entries.Select(e => e.Key)];

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Reads_see_written_values_in_their_own_family_and_hand_out_copies(Engine kind)
    {
        var engine = Open(kind);
        var (first, second) = (engine.GetFamily(First), engine.GetFamily(Second));
        Write(engine, batch =>
        {
            batch.Put(first, [1], [10]);
            batch.Put(second, [1], [20]);
        });
        Assert.Equal([10], engine.Get(first, [1]));
        Assert.Equal([20], engine.Get(second, [1]));
        Assert.Null(engine.Get(first, [2]));
        Assert.True(engine.ContainsKey(first, [1]));
        Assert.False(engine.ContainsKey(first, [2]));
        engine.Get(first, [1])![0] = 99;
        Assert.Equal([10], engine.Get(first, [1]));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_batch_is_invisible_until_written_then_applies_its_operations_in_order(Engine kind)
    {
        var engine = Open(kind);
        var family = engine.GetFamily(First);
        Write(engine, batch => batch.Put(family, [1], [1]));
        using var batch = engine.CreateWriteBatch();
        batch.Put(family, [1], [2]);
        batch.Delete(family, [1]);
        batch.Put(family, [2], [2]);
        batch.DeleteRange(family, [2], [3]);
        batch.Put(family, [3], [3]);
        batch.Put(family, [3], [4]);
        Assert.Equal(6, batch.Count);
        Assert.Equal([1], engine.Get(family, [1]));
        Assert.Null(engine.Get(family, [3]));
        engine.Write(batch, sync: true);
        Assert.Null(engine.Get(family, [1]));
        Assert.Null(engine.Get(family, [2]));
        Assert.Equal([4], engine.Get(family, [3]));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Scans_run_in_unsigned_bytewise_order_within_their_prefix(Engine kind)
    {
        var engine = Open(kind);
        var family = engine.GetFamily(First);
        byte[][] keys = [[0xff], [0x01, 0x00], [0x80], [0x01], [0x7f, 0xff], [0x01, 0xff, 0x00], [0x02]];
        Write(engine, batch =>
        {
            foreach (var key in keys)
            {
                batch.Put(family, key, key);
            }
        });
        Assert.Equal([[0x01], [0x01, 0x00], [0x01, 0xff, 0x00], [0x02], [0x7f, 0xff], [0x80], [0xff]], Keys(engine.Scan(family, [])));
        Assert.Equal([[0x01], [0x01, 0x00], [0x01, 0xff, 0x00]], Keys(engine.Scan(family, [0x01])));
        Assert.Equal([[0x01, 0xff, 0x00]], Keys(engine.Scan(family, [0x01, 0xff])));
        Assert.Empty(engine.Scan(family, [0x03]));
        Assert.All(engine.Scan(family, []), entry => Assert.Equal(entry.Key, entry.Value));
        Assert.Empty(engine.Scan(engine.GetFamily(Second), []));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_range_delete_takes_its_start_and_stops_before_its_end(Engine kind)
    {
        var engine = Open(kind);
        var family = engine.GetFamily(First);
        Write(engine, batch =>
        {
            for (byte i = 0; i < 6; i++)
            {
                batch.Put(family, [0, i], [i]);
            }
            batch.Put(family, [0, 2, 0], [0]);
        });
        Write(engine, batch => batch.DeleteRange(family, [0, 2], [0, 4]));
        Assert.Equal([[0, 0], [0, 1], [0, 4], [0, 5]], Keys(engine.Scan(family, [])));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_snapshot_keeps_reading_every_family_as_it_was_when_taken(Engine kind)
    {
        var engine = Open(kind);
        var (first, second) = (engine.GetFamily(First), engine.GetFamily(Second));
        Write(engine, batch =>
        {
            batch.Put(first, [1], [1]);
            batch.Put(first, [2], [2]);
            batch.Put(second, [1], [1]);
        });
        using var snapshot = engine.CreateSnapshot();
        Write(engine, batch =>
        {
            batch.Put(first, [1], [9]);
            batch.DeleteRange(first, [2], [3]);
            batch.Put(first, [3], [3]);
            batch.Delete(second, [1]);
        });
        Assert.Equal([1], snapshot.Get(first, [1]));
        Assert.Equal([2], snapshot.Get(first, [2]));
        Assert.False(snapshot.ContainsKey(first, [3]));
        Assert.True(snapshot.ContainsKey(second, [1]));
        Assert.Equal([[1], [2]], Keys(snapshot.Scan(first, [])));
        var values = new byte[]?[3];
        snapshot.MultiGet(first, [[1], [2], [3]], values);
        Assert.Equal([[1], [2], null], values);
        Assert.Equal([9], engine.Get(first, [1]));
        Assert.Null(engine.Get(second, [1]));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_scan_sees_the_family_as_it_was_when_it_started(Engine kind)
    {
        var engine = Open(kind);
        var family = engine.GetFamily(First);
        Write(engine, batch =>
        {
            batch.Put(family, [1], [1]);
            batch.Put(family, [3], [3]);
        });
        var seen = new List<byte[]>();
        foreach (var (key, _) in engine.Scan(family, []))
        {
            seen.Add(key);
            if (seen.Count == 1)
            {
                Write(engine, batch =>
                {
                    batch.Put(family, [2], [2]);
                    batch.Delete(family, [3]);
                });
            }
        }
        Assert.Equal([[1], [3]], seen);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void MultiGet_answers_each_key_at_its_position_across_many_batched_reads(Engine kind)
    {
        var engine = Open(kind);
        var family = engine.GetFamily(First);
        // More keys than one chunk of RocksDB's parallel reads, every third one absent.
        var keys = Enumerable.Range(0, 3_000).Select(i => BitConverter.GetBytes(i)).ToArray();
        Write(engine, batch =>
        {
            for (var i = 0; i < keys.Length; i++)
            {
                if (i % 3 != 0)
                {
                    batch.Put(family, keys[i], [(byte)i]);
                }
            }
        });
        var values = new byte[]?[keys.Length];
        engine.MultiGet(family, keys, values);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(i % 3 == 0 ? null : [(byte)i], values[i]);
        }
    }
}
