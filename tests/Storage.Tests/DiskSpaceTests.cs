using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage.Tests;

public sealed class DiskSpaceTests
{
    [Fact]
    public void A_full_disk_is_recognised_as_dotnet_and_rocksdb_report_it_however_deeply_wrapped()
    {
        // .NET on Linux: the errno as HResult.
        Assert.True(DiskSpace.IsFull(new IOException("No space left on device : '/data/x'", 28)));
        // RocksDB's status text, wrapped by the engine and by the commit path.
        var rocks = new StorageEngineException("IO error: No space left on device: While appending to file: /data/chain/000012.log");
        Assert.True(DiskSpace.IsFull(new InvalidOperationException("committing a block failed", rocks)));
        Assert.True(DiskSpace.IsFull(new AggregateException(new TimeoutException(), rocks)));
    }

    [Fact]
    public void Other_storage_failures_are_not_taken_for_a_full_disk()
    {
        Assert.False(DiskSpace.IsFull(new IOException("Permission denied", 13)));
        Assert.False(DiskSpace.IsFull(new StorageEngineException("Corruption: block checksum mismatch")));
        Assert.False(DiskSpace.IsFull(new InvalidOperationException("state root differs", new StoreException("diverged"))));
    }

    [Fact]
    public void The_operator_message_names_the_data_dir_the_cause_and_the_remedy()
    {
        var message = DiskSpace.Describe(new InvalidOperationException("committing a block failed", new IOException("No space left on device : '/d/safety_record.pb.tmp'", 28)), "/d");
        Assert.StartsWith("disk full: a write under /d failed (No space left on device : '/d/safety_record.pb.tmp')", message, StringComparison.Ordinal);
        Assert.Contains("Free space and start it again", message, StringComparison.Ordinal);
    }
}
