using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Consensus;

/// <summary>
/// The exact bytes validators sign for votes, timeouts and proposals (after the <c>SigningDomain</c> tag).
/// A fixed binary layout, so signatures never depend on protobuf re-encoding:
/// chain id length (u16 BE) ‖ chain id UTF-8 ‖ epoch (u64 BE) ‖ round (u64 BE) ‖ kind-specific tail.
/// </summary>
public static class ConsensusSignBytes
{
    /// <summary>Largest chain id accepted in sign bytes, in UTF-8 bytes.</summary>
    public const int MaxChainIdBytes = 256;

    /// <summary>Upper bound on the length of any sign bytes; callers can stackalloc this much.</summary>
    public const int MaxLength = 2 + MaxChainIdBytes + 8 + 8 + 8 + Hash32.Size;

    /// <summary>Vote (and QC signature): header ‖ height (u64 BE) ‖ block hash (32 bytes).</summary>
    public static int Vote(ReadOnlySpan<byte> chainId, ulong epoch, ulong round, ulong height, in Hash32 blockHash, Span<byte> destination)
    {
        var n = WriteHeader(chainId, epoch, round, destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[n..], height);
        blockHash.WriteTo(destination[(n + 8)..]);
        return n + 8 + Hash32.Size;
    }

    /// <summary>Timeout (and TC signature): header ‖ high QC round (u64 BE).</summary>
    public static int Timeout(ReadOnlySpan<byte> chainId, ulong epoch, ulong round, ulong highQcRound, Span<byte> destination)
    {
        var n = WriteHeader(chainId, epoch, round, destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[n..], highQcRound);
        return n + 8;
    }

    /// <summary>Proposal: header ‖ block hash (32 bytes).</summary>
    public static int Proposal(ReadOnlySpan<byte> chainId, ulong epoch, ulong round, in Hash32 blockHash, Span<byte> destination)
    {
        var n = WriteHeader(chainId, epoch, round, destination);
        blockHash.WriteTo(destination[n..]);
        return n + Hash32.Size;
    }

    public static byte[] EncodeChainId(string chainId)
    {
        var bytes = Encoding.UTF8.GetBytes(chainId);
        if (bytes.Length > MaxChainIdBytes)
        {
            throw new ArgumentException($"chain id longer than {MaxChainIdBytes} bytes");
        }
        return bytes;
    }

    private static int WriteHeader(ReadOnlySpan<byte> chainId, ulong epoch, ulong round, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)chainId.Length);
        chainId.CopyTo(destination[2..]);
        var n = 2 + chainId.Length;
        BinaryPrimitives.WriteUInt64BigEndian(destination[n..], epoch);
        BinaryPrimitives.WriteUInt64BigEndian(destination[(n + 8)..], round);
        return n + 16;
    }
}
