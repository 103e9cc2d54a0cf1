using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ShanghaiChain.Core.Primitives;

/// <summary>Fixed-width big-endian conversions for the EVM's hot paths (memory words, PUSH data, storage keys).</summary>
public readonly partial struct UInt256
{
    /// <summary>Reads exactly 32 big-endian bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt256 ReadBigEndian32(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]));

    /// <summary>Reads up to 32 big-endian bytes, as if left-padded with zeros.</summary>
    public static UInt256 ReadBigEndianPadded(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == Size)
        {
            return ReadBigEndian32(bytes);
        }
        if (bytes.Length <= 8)
        {
            ulong v = 0;
            foreach (var b in bytes)
            {
                v = (v << 8) | b;
            }
            return new UInt256(v);
        }
        Span<byte> padded = stackalloc byte[Size];
        padded.Clear();
        bytes.CopyTo(padded[(Size - bytes.Length)..]);
        return ReadBigEndian32(padded);
    }
}
