using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Google.Protobuf;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Archive;

/// <summary>
/// Writes a block archive (<see cref="BlockArchive"/>) through a <see cref="PipeWriter"/>: the header, then each block of
/// the declared range in height order with its certificate, then the trailer with the count and the digest. A writer
/// that is not completed leaves a file no reader accepts (no trailer), so an interrupted export is never mistaken for a
/// whole one; the CLI also writes to a temporary name and renames only a completed archive.
/// </summary>
public sealed class BlockArchiveWriter : IAsyncDisposable
{
    private readonly PipeWriter _pipe;
    private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly BlockArchiveHeader _header;
    private ulong _next;

    private BlockArchiveWriter(Stream stream, BlockArchiveHeader header)
    {
        _pipe = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        _header = header;
        _next = header.FromHeight;
    }

    /// <summary>Starts an archive on <paramref name="stream"/> (left open) with its header.</summary>
    public static async Task<BlockArchiveWriter> CreateAsync(Stream stream, BlockArchiveHeader header, CancellationToken cancellationToken)
    {
        var writer = new BlockArchiveWriter(stream, header);
        writer.Write(BlockArchive.EncodeHeader(header));
        await writer._pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        return writer;
    }

    /// <summary>The height the next block must have.</summary>
    public ulong NextHeight => _next;

    /// <summary>Appends the next block; it must be the next height of the range and name the archive's chain.</summary>
    public async ValueTask WriteAsync(CommittedBlock block, CancellationToken cancellationToken)
    {
        if (_next > _header.ToHeight)
        {
            throw new InvalidOperationException($"the archive ends at height {_header.ToHeight}");
        }
        if (block.Block is null || block.Certificate is null)
        {
            throw new InvalidOperationException($"block {_next} lacks its body or certificate");
        }
        var header = BlockHeader.Parser.ParseFrom(block.Block.Header);
        if (header.Height != _next || header.ChainId != _header.ChainId)
        {
            throw new InvalidOperationException($"expected block {_next} of '{_header.ChainId}', got block {header.Height} of '{header.ChainId}'");
        }
        var size = block.CalculateSize();
        var span = _pipe.GetSpan(4 + size);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)size);
        block.WriteTo(span.Slice(4, size));
        _digest.AppendData(span[..(4 + size)]);
        _pipe.Advance(4 + size);
        _next++;
        if (_pipe.UnflushedBytes >= 1 << 20)
        {
            await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the trailer once every block of the range is written, and flushes.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_next != _header.ToHeight + 1)
        {
            throw new InvalidOperationException($"the archive is incomplete: the next block is {_next}, the last is {_header.ToHeight}");
        }
        var end = new byte[4 + 8];
        BinaryPrimitives.WriteUInt64BigEndian(end.AsSpan(4), _header.Count);
        Write(end);
        var digest = _digest.GetHashAndReset();
        _pipe.Write(digest);
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _pipe.CompleteAsync().ConfigureAwait(false);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _digest.AppendData(bytes);
        _pipe.Write(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _pipe.CompleteAsync().ConfigureAwait(false);
        _digest.Dispose();
    }
}
