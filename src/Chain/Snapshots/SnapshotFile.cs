using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Google.Protobuf;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Snapshots;

/// <summary>
/// The snapshot file (<c>shanghaichain snapshot create</c>, and what a node serves its peers), version 1. All integers
/// big-endian; the framing is the block archive's.
/// <code>
/// magic        8 bytes   "SHCSNAPS"
/// version      u16       1
/// chunks       per chunk: u32 length (1 .. 16 MiB), the chunk's bytes (a serialized SnapshotChunk)
/// end          u32 0
/// manifest     the serialized SnapshotManifest (at most 96 MiB), whose chunk hashes name the chunks above
/// trailer      u32 manifest length, u64 chunk count, 32 bytes SHA-256 of every byte before the digest
/// </code>
/// The manifest comes last because it lists the chunks' hashes, known once they are written; a reader finds it from
/// the trailer. The digest is an integrity check against truncation and damage; trust comes from the manifest's
/// certificate and from each chunk's hash in it.
/// </summary>
public static class SnapshotFile
{
    public const ushort Version = 1;
    public const string Extension = ".shcsnap";
    public static ReadOnlySpan<byte> Magic => "SHCSNAPS"u8;
    public const int PreambleBytes = 8 + 2;
    public const int TrailerBytes = 4 + 8 + 32;

    /// <summary>
    /// Reads and checks what a snapshot file says about itself: the magic, the version, the trailer's manifest (decoded),
    /// the chunk frames (their lengths and positions, matching the manifest's count) and, unless
    /// <paramref name="checkDigest"/> is false, the digest over the whole file. Throws <see cref="SnapshotException"/>.
    /// </summary>
    public static async Task<SnapshotFileIndex> OpenAsync(string path, bool checkDigest, CancellationToken cancellationToken)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var length = RandomAccess.GetLength(file);
        if (length < PreambleBytes + 4 + TrailerBytes)
        {
            throw new SnapshotException($"{path} is {length} bytes, too short to be a snapshot: it is truncated or not a snapshot");
        }
        var preamble = new byte[PreambleBytes];
        RandomAccess.Read(file, preamble, 0);
        if (!preamble.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new SnapshotException($"{path} is not a ShanghaiChain snapshot (no SHCSNAPS magic)");
        }
        var version = BinaryPrimitives.ReadUInt16BigEndian(preamble.AsSpan(8));
        if (version != Version)
        {
            throw new SnapshotException($"{path} is a snapshot of format version {version}; this node reads version {Version}");
        }
        var trailer = new byte[TrailerBytes];
        RandomAccess.Read(file, trailer, length - TrailerBytes);
        var manifestLength = BinaryPrimitives.ReadUInt32BigEndian(trailer);
        var count = BinaryPrimitives.ReadUInt64BigEndian(trailer.AsSpan(4));
        var manifestAt = length - TrailerBytes - manifestLength;
        if (manifestLength == 0 || manifestLength > SnapshotManifests.MaxBytes || manifestAt < PreambleBytes + 4 || count > SnapshotManifests.MaxChunks)
        {
            throw new SnapshotException($"{path} has no readable trailer (manifest of {manifestLength} bytes, {count} chunks): it is truncated or damaged");
        }
        var manifestBytes = new byte[manifestLength];
        RandomAccess.Read(file, manifestBytes, manifestAt);
        SnapshotManifest manifest;
        try
        {
            manifest = SnapshotManifest.Parser.ParseFrom(manifestBytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SnapshotException($"{path}: its manifest does not decode ({ex.Message}): it is damaged");
        }
        if ((ulong)manifest.ChunkHashes.Count != count)
        {
            throw new SnapshotException($"{path}: its trailer counts {count} chunks, its manifest lists {manifest.ChunkHashes.Count}: it is damaged");
        }
        // The chunk frames: lengths only, read from the file by position.
        var offsets = new long[count];
        var lengths = new int[count];
        var at = (long)PreambleBytes;
        var frame = new byte[4];
        for (var i = 0ul; i <= count; i++)
        {
            if (at + 4 > manifestAt)
            {
                throw new SnapshotException($"{path} ends after {i} of its {count} chunks: it is truncated or damaged");
            }
            RandomAccess.Read(file, frame, at);
            var size = BinaryPrimitives.ReadUInt32BigEndian(frame);
            if (i == count)
            {
                if (size != 0 || at + 4 != manifestAt)
                {
                    throw new SnapshotException($"{path} has more chunk data than its {count} chunks: it is damaged");
                }
                break;
            }
            if (size == 0 || size > SnapshotChunks.MaxBytes || at + 4 + size > manifestAt)
            {
                throw new SnapshotException($"{path}: chunk {i} has a length of {size} bytes: it is truncated or damaged");
            }
            offsets[i] = at + 4;
            lengths[i] = (int)size;
            at += 4 + size;
        }
        if (checkDigest)
        {
            await CheckDigestAsync(path, length, trailer, cancellationToken).ConfigureAwait(false);
        }
        return new SnapshotFileIndex(path, manifest, offsets, lengths, length);
    }

    private static async Task CheckDigestAsync(string path, long length, byte[] trailer, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 1 << 20));
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var remaining = length - 32;
        while (remaining > 0)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var take = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, remaining));
            foreach (var segment in take)
            {
                digest.AppendData(segment.Span);
            }
            remaining -= take.Length;
            reader.AdvanceTo(take.End);
            if (result.IsCompleted && remaining > 0)
            {
                throw new SnapshotException($"{path} ended while its digest was checked: it is truncated");
            }
        }
        await reader.CompleteAsync().ConfigureAwait(false);
        if (!digest.GetHashAndReset().AsSpan().SequenceEqual(trailer.AsSpan(12)))
        {
            throw new SnapshotException($"{path} does not match its SHA-256 digest: it is damaged");
        }
    }
}

/// <summary>An opened snapshot file: its manifest and where each chunk lies.</summary>
public sealed class SnapshotFileIndex(string path, SnapshotManifest manifest, long[] offsets, int[] lengths, long size)
{
    public string Path => path;

    public SnapshotManifest Manifest => manifest;

    public int ChunkCount => offsets.Length;

    /// <summary>The file's size in bytes.</summary>
    public long Size => size;

    /// <summary>Reads chunk <paramref name="index"/> (not checked here: the restore checks its hash against the manifest).</summary>
    public byte[] ReadChunk(int index)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var bytes = new byte[lengths[index]];
        if (RandomAccess.Read(file, bytes, offsets[index]) != bytes.Length)
        {
            throw new SnapshotException($"{path}: chunk {index} is cut short: the file changed since it was opened");
        }
        return bytes;
    }
}

/// <summary>
/// Writes a snapshot file through a <see cref="PipeWriter"/>: the preamble, each chunk as it is exported, then the end
/// marker, the manifest and the trailer. Callers write to a temporary name and rename a completed file, so a file under
/// the final name is always whole.
/// </summary>
public sealed class SnapshotFileWriter : IAsyncDisposable
{
    private readonly PipeWriter _pipe;
    private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong _chunks;

    public SnapshotFileWriter(Stream stream)
    {
        _pipe = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        var preamble = new byte[SnapshotFile.PreambleBytes];
        SnapshotFile.Magic.CopyTo(preamble);
        BinaryPrimitives.WriteUInt16BigEndian(preamble.AsSpan(8), SnapshotFile.Version);
        Write(preamble);
    }

    /// <summary>Bytes written so far.</summary>
    public long Written { get; private set; }

    /// <summary>Appends a chunk (synchronously: the export hands chunks from its own thread; the pipe flushes every MiB).</summary>
    public void WriteChunk(byte[] chunk)
    {
        var frame = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)chunk.Length);
        Write(frame);
        Write(chunk);
        _chunks++;
        if (_pipe.UnflushedBytes >= 1 << 20)
        {
            _pipe.FlushAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Writes the end marker, the manifest and the trailer, and flushes.</summary>
    public async Task CompleteAsync(SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        if ((ulong)manifest.ChunkHashes.Count != _chunks)
        {
            throw new InvalidOperationException($"the manifest lists {manifest.ChunkHashes.Count} chunks; {_chunks} were written");
        }
        Write(new byte[4]);
        var bytes = manifest.ToByteArray();
        Write(bytes);
        var trailer = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, (uint)bytes.Length);
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(4), _chunks);
        Write(trailer);
        var digest = _digest.GetHashAndReset();
        _pipe.Write(digest);
        Written += digest.Length;
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _pipe.CompleteAsync().ConfigureAwait(false);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _digest.AppendData(bytes);
        _pipe.Write(bytes);
        Written += bytes.Length;
    }

    public async ValueTask DisposeAsync()
    {
        await _pipe.CompleteAsync().ConfigureAwait(false);
        _digest.Dispose();
    }
}
