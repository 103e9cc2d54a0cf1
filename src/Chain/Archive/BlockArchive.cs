using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Chain.Archive;

/// <summary>
/// What a block archive (the file of <c>shanghaichain blocks export</c>) says about itself before its blocks: the chain
/// and genesis it belongs to, its crypto suite, and the heights it holds (docs/operations.md, "The block archive format").
/// </summary>
public sealed record BlockArchiveHeader(string ChainId, string CryptoSuite, Hash32 GenesisHash, ulong FromHeight, ulong ToHeight)
{
    /// <summary>How many blocks the archive holds.</summary>
    public ulong Count => ToHeight - FromHeight + 1;
}

/// <summary>
/// The block archive format, version 1. All integers are big-endian.
/// <code>
/// magic        8 bytes   "SHCBLOCK"
/// version      u16       1
/// header_len   u32       at most 4096
/// header       chain id (u16 length, UTF-8), crypto suite (u16 length, UTF-8), genesis hash (32 bytes),
///              first height (u64), last height (u64)
/// blocks       per height from first to last: u32 length (1 .. max frame), a serialized CommittedBlock
/// end          u32 0
/// count        u64       number of blocks
/// digest       32 bytes  SHA-256 of every byte before it
/// </code>
/// The digest lets a reader refuse a truncated or damaged file before anything is imported; it is an integrity check
/// only: trust comes from verifying every block's certificate against its epoch's validators, as block sync does.
/// </summary>
public static class BlockArchive
{
    public const ushort Version = 1;
    public const int MaxHeaderBytes = 4096;
    public const int DigestBytes = 32;
    public static ReadOnlySpan<byte> Magic => "SHCBLOCK"u8;

    /// <summary>Bytes before the header itself: magic, version, header length.</summary>
    public const int PreambleBytes = 8 + 2 + 4;

    /// <summary>The trailer after the last block: end marker, count, digest.</summary>
    public const int TrailerBytes = 4 + 8 + DigestBytes;

    /// <summary>The preamble and header, as written at the start of an archive.</summary>
    public static byte[] EncodeHeader(BlockArchiveHeader header)
    {
        if (header.ToHeight < header.FromHeight || header.FromHeight == 0)
        {
            throw new ArgumentException($"an archive holds heights from 1 up, first <= last; got {header.FromHeight}..{header.ToHeight}", nameof(header));
        }
        var chainId = Encoding.UTF8.GetBytes(header.ChainId);
        var suite = Encoding.UTF8.GetBytes(header.CryptoSuite);
        var bodyLength = 2 + chainId.Length + 2 + suite.Length + Hash32.Size + 8 + 8;
        var bytes = new byte[PreambleBytes + bodyLength];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(10), (uint)bodyLength);
        var at = PreambleBytes;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)chainId.Length);
        chainId.CopyTo(bytes, at += 2);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at += chainId.Length), (ushort)suite.Length);
        suite.CopyTo(bytes, at += 2);
        header.GenesisHash.WriteTo(bytes.AsSpan(at += suite.Length));
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(at += Hash32.Size), header.FromHeight);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(at + 8), header.ToHeight);
        return bytes;
    }

    /// <summary>Decodes the header body (after the preamble). Throws <see cref="BlockArchiveException"/> when malformed.</summary>
    public static BlockArchiveHeader DecodeHeader(ReadOnlySpan<byte> body)
    {
        var chainId = ReadString(ref body, "chain id");
        var suite = ReadString(ref body, "crypto suite");
        if (body.Length < Hash32.Size + 16)
        {
            throw new BlockArchiveException("the archive header is cut short");
        }
        var genesis = new Hash32(body[..Hash32.Size]);
        var from = BinaryPrimitives.ReadUInt64BigEndian(body[Hash32.Size..]);
        var to = BinaryPrimitives.ReadUInt64BigEndian(body[(Hash32.Size + 8)..]);
        if (from == 0 || to < from)
        {
            throw new BlockArchiveException($"the archive header names heights {from}..{to}: blocks start at 1 and the last is not below the first");
        }
        return new BlockArchiveHeader(chainId, suite, genesis, from, to);
    }

    private static string ReadString(ref ReadOnlySpan<byte> body, string what)
    {
        if (body.Length < 2 || body.Length < 2 + BinaryPrimitives.ReadUInt16BigEndian(body))
        {
            throw new BlockArchiveException($"the archive header's {what} is cut short");
        }
        var length = BinaryPrimitives.ReadUInt16BigEndian(body);
        string value;
        try
        {
            value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Slice(2, length));
        }
        catch (DecoderFallbackException)
        {
            throw new BlockArchiveException($"the archive header's {what} is not UTF-8");
        }
        body = body[(2 + length)..];
        return value;
    }
}

/// <summary>A block archive is not one this node can read: wrong magic or version, cut short, damaged, or for another chain.</summary>
public sealed class BlockArchiveException(string message) : IOException(message);
