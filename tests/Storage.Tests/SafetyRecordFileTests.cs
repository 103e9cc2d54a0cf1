using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

public sealed class SafetyRecordFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-safety-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_saved_record_loads_back_and_a_newer_one_replaces_it()
    {
        var file = new SafetyRecordFile(Path.Combine(_dir, "data", "safety_record.pb"));
        Assert.Null(file.Load());
        await file.SaveAsync(new SafetyRecord { Epoch = 1, LastVotedRound = 7, LockedRound = 6 }, CancellationToken.None);
        Assert.Equal(7UL, file.Load()!.LastVotedRound);
        await file.SaveAsync(new SafetyRecord { Epoch = 1, LastVotedRound = 9, LockedRound = 8 }, CancellationToken.None);
        Assert.Equal(new SafetyRecord { Epoch = 1, LastVotedRound = 9, LockedRound = 8 }, new SafetyRecordFile(file.Path).Load());
        Assert.False(File.Exists(file.Path + ".tmp"));
    }

    [Fact]
    public async Task A_corrupt_record_is_an_error_never_an_empty_record()
    {
        var file = new SafetyRecordFile(Path.Combine(_dir, "safety_record.pb"));
        await file.SaveAsync(new SafetyRecord { LastVotedRound = 3 }, CancellationToken.None);
        await File.WriteAllBytesAsync(file.Path, [0xff, 0xff, 0xff]);
        Assert.Throws<StoreException>(() => file.Load());
    }
}
