using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// A validator's safety record in its own small file (data/safety_record.pb), replaced atomically: written to a
/// temporary file, fsynced, renamed over the old one, and the directory fsynced, so that after a crash at any moment
/// the file holds either the old or the new record, whole. Kept apart from the chain database so that restoring or
/// resyncing the chain never silently rolls the record back.
/// </summary>
public sealed class SafetyRecordFile(string path) : ISafetyRecordStore
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public SafetyRecord? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        try
        {
            return SafetyRecord.Parser.ParseFrom(File.ReadAllBytes(Path));
        }
        catch (InvalidProtocolBufferException ex)
        {
            // Never read as "no record": that would let the validator sign again in rounds it may have signed in.
            throw new StoreException($"the safety record {Path} is corrupt ({ex.Message}); start the validator in recovery mode instead", ex);
        }
    }

    public async ValueTask SaveAsync(SafetyRecord record, CancellationToken cancellationToken)
    {
        var bytes = record.ToByteArray();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var directory = System.IO.Path.GetDirectoryName(Path)!;
            Directory.CreateDirectory(directory);
            var temp = Path + ".tmp";
            await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path, overwrite: true);
            // The rename is durable only once the directory is synced.
            PosixDirectory.Sync(directory);
        }
        finally
        {
            _gate.Release();
        }
    }
}
