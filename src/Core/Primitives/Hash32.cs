using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ShanghaiChain.Core.Primitives;

/// <summary>A 32-byte hash value (block hash, transaction id, state root), compared by value.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Hash32 : IEquatable<Hash32>, IComparable<Hash32>
{
    public const int Size = 32;

    // Stored as four big-endian words so that ordering matches byte-wise ordering.
    private readonly ulong _w0, _w1, _w2, _w3;

    public static readonly Hash32 Zero;

    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            ThrowHelper.ThrowArgument($"a hash is {Size} bytes, got {bytes.Length}");
        }
        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public bool IsZero => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>Parses a hash from bytes, failing (without throwing) on a wrong length.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out Hash32 hash)
    {
        if (bytes.Length != Size)
        {
            hash = default;
            return false;
        }
        hash = new Hash32(bytes);
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>The bytes as a protobuf field value (one array, wrapped, not copied again).</summary>
    public Google.Protobuf.ByteString ToByteString() => Google.Protobuf.UnsafeByteOperations.UnsafeWrap(ToArray());

    /// <summary>Whether <paramref name="bytes"/> holds exactly this hash (a field read from the wire), without allocating.</summary>
    public bool Matches(ReadOnlySpan<byte> bytes) => bytes.Length == Size && Equals(new Hash32(bytes));

    public static Hash32 Parse(string hex) => new(Hex.Decode(hex));

    public bool Equals(Hash32 other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    public override int GetHashCode() => (int)_w3 ^ (int)(_w3 >> 32) ^ (int)_w0;

    public int CompareTo(Hash32 other)
    {
        var c = _w0.CompareTo(other._w0);
        if (c != 0) return c;
        c = _w1.CompareTo(other._w1);
        if (c != 0) return c;
        c = _w2.CompareTo(other._w2);
        return c != 0 ? c : _w3.CompareTo(other._w3);
    }

    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);

    public static bool operator <(Hash32 left, Hash32 right) => left.CompareTo(right) < 0;

    public static bool operator >(Hash32 left, Hash32 right) => left.CompareTo(right) > 0;

    public static bool operator <=(Hash32 left, Hash32 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Hash32 left, Hash32 right) => left.CompareTo(right) >= 0;

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Hex.Encode(bytes);
    }
}
