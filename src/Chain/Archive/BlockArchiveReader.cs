using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Google.Protobuf;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Archive;

/// <summary>
/// Reads a block archive (<see cref="BlockArchive"/>) through a <see cref="PipeReader"/>. Validated here, as the bytes
/// arrive: the magic and version, the header, every frame's length (at most the largest block the chain allows plus its
/// certificate), that every frame decodes as a committed block of the archive's chain at the next height, the end
/// marker, the count and the digest, and that nothing follows. Anything else is a <see cref="BlockArchiveException"/>
/// that says where. Whether the blocks are valid (certificates, payload, state roots) is not decided here: block sync's
/// verifier decides that when they are imported.
/// </summary>
public sealed class BlockArchiveReader : IAsyncDisposable
{
    private readonly PipeReader _pipe;
    private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _maxFrameBytes;
    private readonly string _name;

    private BlockArchiveReader(Stream stream, int maxFrameBytes, string name)
    {
        _pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, leaveOpen: true));
        _maxFrameBytes = maxFrameBytes;
        _name = name;
    }

    public BlockArchiveHeader Header { get; private set; } = null!;

    /// <summary>Opens an archive on <paramref name="stream"/> (left open) and reads its header.</summary>
    /// <param name="maxFrameBytes">The largest frame accepted: the chain's largest block plus room for its certificate.</param>
    /// <param name="name">How errors name the archive (its path).</param>
    public static async Task<BlockArchiveReader> OpenAsync(Stream stream, int maxFrameBytes, string name, CancellationToken cancellationToken)
    {
        var reader = new BlockArchiveReader(stream, maxFrameBytes, name);
        try
        {
            var preamble = await reader.ReadExactlyAsync(BlockArchive.PreambleBytes, "its preamble", cancellationToken).ConfigureAwait(false);
            if (!preamble.AsSpan(0, 8).SequenceEqual(BlockArchive.Magic))
            {
                throw new BlockArchiveException($"{name} is not a ShanghaiChain block archive (no SHCBLOCK magic)");
            }
            var version = BinaryPrimitives.ReadUInt16BigEndian(preamble.AsSpan(8));
            if (version != BlockArchive.Version)
            {
                throw new BlockArchiveException($"{name} is a block archive of format version {version}; this node reads version {BlockArchive.Version}");
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(preamble.AsSpan(10));
            if (length > BlockArchive.MaxHeaderBytes)
            {
                throw new BlockArchiveException($"{name} declares a header of {length} bytes, more than {BlockArchive.MaxHeaderBytes}: it is damaged");
            }
            var body = await reader.ReadExactlyAsync((int)length, "its header", cancellationToken).ConfigureAwait(false);
            reader.Header = BlockArchive.DecodeHeader(body);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, string what, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length >= count)
            {
                var bytes = result.Buffer.Slice(0, count).ToArray();
                _digest.AppendData(bytes);
                _pipe.AdvanceTo(result.Buffer.GetPosition(count));
                return bytes;
            }
            if (result.IsCompleted)
            {
                throw new BlockArchiveException($"{_name} ends inside {what}: it is truncated");
            }
            _pipe.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>
    /// The archive's blocks in height order, each checked as the type says; after the last, the trailer is checked, so a
    /// caller that enumerates to the end knows the file was whole.
    /// </summary>
    public async IAsyncEnumerable<CommittedBlock> ReadBlocksAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = Header.FromHeight;
        var parsed = new List<CommittedBlock>();
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var ended = false;
            while (TryReadFrame(ref buffer, ref next, parsed, out var end))
            {
                if (end)
                {
                    ended = true;
                    break;
                }
            }
            if (ended)
            {
                if (buffer.Length > 0 || !result.IsCompleted && await HasMoreAsync(buffer, cancellationToken).ConfigureAwait(false))
                {
                    throw new BlockArchiveException($"{_name} has bytes after its trailer: it is damaged");
                }
                foreach (var block in parsed)
                {
                    yield return block;
                }
                yield break;
            }
            if (result.IsCompleted)
            {
                throw new BlockArchiveException($"{_name} ends before its trailer, after {next - Header.FromHeight} of its {Header.Count} blocks ({Header.FromHeight}..{Header.ToHeight}): it is truncated");
            }
            _pipe.AdvanceTo(buffer.Start, buffer.End);
            foreach (var block in parsed)
            {
                yield return block;
            }
            parsed.Clear();
        }
    }

    private async Task<bool> HasMoreAsync(ReadOnlySequence<byte> rest, CancellationToken cancellationToken)
    {
        _pipe.AdvanceTo(rest.Start, rest.End);
        var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
        return result.Buffer.Length > 0 || !result.IsCompleted;
    }

    /// <summary>Takes one frame (a block, or the end marker with the trailer) off the buffer if it is all there.</summary>
    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, ref ulong next, List<CommittedBlock> parsed, out bool end)
    {
        end = false;
        if (buffer.Length < 4)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (length == 0)
        {
            return TryReadTrailer(ref buffer, next, out end);
        }
        if (next > Header.ToHeight)
        {
            throw new BlockArchiveException($"{_name} holds more blocks than its header's {Header.FromHeight}..{Header.ToHeight}: it is damaged");
        }
        if (length > _maxFrameBytes)
        {
            throw new BlockArchiveException($"{_name}: block {next} is declared {length} bytes, more than this chain allows ({_maxFrameBytes}): it is damaged");
        }
        if (buffer.Length < 4 + length)
        {
            return false;
        }
        var frame = buffer.Slice(0, 4 + length);
        foreach (var segment in frame)
        {
            _digest.AppendData(segment.Span);
        }
        CommittedBlock block;
        BlockHeader header;
        try
        {
            block = CommittedBlock.Parser.ParseFrom(frame.Slice(4));
            header = BlockHeader.Parser.ParseFrom(block.Block?.Header ?? ByteString.Empty);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new BlockArchiveException($"{_name}: block {next} does not decode ({ex.Message}): it is damaged");
        }
        if (block.Certificate is null || header.Height != next || header.ChainId != Header.ChainId)
        {
            throw new BlockArchiveException($"{_name}: the frame for block {next} holds block {header.Height} of '{header.ChainId}'" +
                (block.Certificate is null ? " without a certificate" : "") + ": it is damaged");
        }
        parsed.Add(block);
        next++;
        buffer = buffer.Slice(4 + length);
        return true;
    }

    private bool TryReadTrailer(ref ReadOnlySequence<byte> buffer, ulong next, out bool end)
    {
        end = false;
        if (buffer.Length < BlockArchive.TrailerBytes)
        {
            return false;
        }
        var trailer = buffer.Slice(0, BlockArchive.TrailerBytes).ToArray();
        _digest.AppendData(trailer.AsSpan(0, 12));
        var count = BinaryPrimitives.ReadUInt64BigEndian(trailer.AsSpan(4));
        if (next != Header.ToHeight + 1 || count != Header.Count)
        {
            throw new BlockArchiveException($"{_name} ends after block {next - 1} (trailer count {count}), but its header declares {Header.FromHeight}..{Header.ToHeight}: it is damaged");
        }
        if (!_digest.GetHashAndReset().AsSpan().SequenceEqual(trailer.AsSpan(12)))
        {
            throw new BlockArchiveException($"{_name} does not match its SHA-256 digest: it is damaged");
        }
        buffer = buffer.Slice(BlockArchive.TrailerBytes);
        end = true;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _pipe.CompleteAsync().ConfigureAwait(false);
        _digest.Dispose();
    }
}
