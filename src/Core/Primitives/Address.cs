using System.Buffers.Binary;

namespace ShanghaiChain.Core.Primitives;

/// <summary>A 20-byte account address: the last 20 bytes of the suite hash of a public key.</summary>
public readonly struct Address : IEquatable<Address>, IComparable<Address>
{
    public const int Size = 20;

    private readonly ulong _w0, _w1;
    private readonly uint _w2;

    public static readonly Address Zero;

    public Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            ThrowHelper.ThrowArgument($"an address is {Size} bytes, got {bytes.Length}");
        }
        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    public bool IsZero => (_w0 | _w1 | _w2) == 0;

    public static bool TryRead(ReadOnlySpan<byte> bytes, out Address address)
    {
        if (bytes.Length != Size)
        {
            address = default;
            return false;
        }
        address = new Address(bytes);
        return true;
    }

    /// <summary>Parses "0x"-prefixed or bare hex; returns false on any malformed input.</summary>
    public static bool TryParse(string? text, out Address address)
    {
        address = default;
        if (text is null || !Hex.TryDecode(text, out var bytes) || bytes.Length != Size)
        {
            return false;
        }
        address = new Address(bytes);
        return true;
    }

    public static Address Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not a 20-byte hex address");

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _w2);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>The bytes as a protobuf field value (one array, wrapped, not copied again).</summary>
    public Google.Protobuf.ByteString ToByteString() => Google.Protobuf.UnsafeByteOperations.UnsafeWrap(ToArray());

    /// <summary>Whether <paramref name="bytes"/> holds exactly this address (a field read from the wire), without allocating.</summary>
    public bool Matches(ReadOnlySpan<byte> bytes) => bytes.Length == Size && Equals(new Address(bytes));

    public bool Equals(Address other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2;

    public override bool Equals(object? obj) => obj is Address other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2);

    public int CompareTo(Address other)
    {
        var c = _w0.CompareTo(other._w0);
        if (c != 0) return c;
        c = _w1.CompareTo(other._w1);
        return c != 0 ? c : _w2.CompareTo(other._w2);
    }

    public static bool operator ==(Address left, Address right) => left.Equals(right);

    public static bool operator !=(Address left, Address right) => !left.Equals(right);

    public static bool operator <(Address left, Address right) => left.CompareTo(right) < 0;

    public static bool operator >(Address left, Address right) => left.CompareTo(right) > 0;

    public static bool operator <=(Address left, Address right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Address left, Address right) => left.CompareTo(right) >= 0;

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return "0x" + Hex.Encode(bytes);
    }
}
