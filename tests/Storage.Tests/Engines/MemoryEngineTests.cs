using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage.Tests.Engines;

/// <summary>What only the memory engine has: the fault hook, families made on first use, and ownership of its batches.</summary>
public sealed class MemoryEngineTests
{
    [Fact]
    public void A_failed_write_applies_nothing_and_the_writes_after_it_apply_again()
    {
        using var engine = new MemoryEngine();
        var (first, second) = (engine.GetFamily("first"), engine.GetFamily("second"));
        using (var batch = engine.CreateWriteBatch())
        {
            batch.Put(first, [1], [1]);
            engine.Write(batch, sync: true);
        }
        var asked = new List<long>();
        engine.FailWrite = writes =>
        {
            asked.Add(writes);
            return writes == 1;
        };
        using (var failing = engine.CreateWriteBatch())
        {
            failing.Put(first, [1], [2]);
            failing.Put(second, [1], [2]);
            failing.DeleteRange(first, [0], [9]);
            var error = Assert.Throws<StorageEngineException>(() => engine.Write(failing, sync: true));
            Assert.Contains("injected fault", error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(1, engine.WritesApplied);
        Assert.Equal([1], engine.Get(first, [1]));
        Assert.Null(engine.Get(second, [1]));

        engine.FailWrite = null;
        using (var next = engine.CreateWriteBatch())
        {
            next.Put(second, [1], [3]);
            engine.Write(next, sync: true);
        }
        Assert.Equal(2, engine.WritesApplied);
        Assert.Equal([3], engine.Get(second, [1]));
        Assert.Equal([1L], asked);
    }

    [Fact]
    public void A_family_is_made_empty_on_first_use_and_is_empty_in_snapshots_taken_before()
    {
        using var engine = new MemoryEngine();
        var first = engine.GetFamily("first");
        using var before = engine.CreateSnapshot();
        var late = engine.GetFamily("late");
        Assert.Same(late, engine.GetFamily("late"));
        using (var batch = engine.CreateWriteBatch())
        {
            batch.Put(late, [1], [1]);
            batch.Put(first, [1], [1]);
            engine.Write(batch, sync: true);
        }
        Assert.Null(before.Get(late, [1]));
        Assert.Empty(before.Scan(late, []));
        Assert.Equal([1], engine.Get(late, [1]));
    }

    [Fact]
    public void Families_and_batches_of_another_engine_are_refused()
    {
        using var engine = new MemoryEngine();
        using var other = new MemoryEngine();
        var foreign = other.GetFamily("first");
        Assert.Throws<ArgumentException>(() => engine.Get(foreign, [1]));
        using var batch = other.CreateWriteBatch();
        Assert.Throws<ArgumentException>(() => engine.Write(batch, sync: true));
    }
}
