using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace ShanghaiChain.Core.Primitives;

/// <summary>
/// An unsigned 256-bit integer held in four 64-bit limbs (least significant first).
/// Used for balances, values and gas prices; the EVM builds its word arithmetic on the same type.
/// </summary>
public readonly partial struct UInt256 : IEquatable<UInt256>, IComparable<UInt256>
{
    public const int Size = 32;

    public readonly ulong U0, U1, U2, U3;

    public static readonly UInt256 Zero;
    public static readonly UInt256 One = new(1);
    public static readonly UInt256 MaxValue = new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    public UInt256(ulong u0, ulong u1 = 0, ulong u2 = 0, ulong u3 = 0)
    {
        U0 = u0;
        U1 = u1;
        U2 = u2;
        U3 = u3;
    }

    public bool IsZero => (U0 | U1 | U2 | U3) == 0;

    /// <summary>True when the value fits in 64 bits.</summary>
    public bool IsUInt64 => (U1 | U2 | U3) == 0;

    /// <summary>Reads a big-endian integer of at most 32 bytes (shorter inputs are left-padded with zeros).</summary>
    public static bool TryReadBigEndian(ReadOnlySpan<byte> bytes, out UInt256 value)
    {
        if (bytes.Length > Size)
        {
            value = default;
            return false;
        }
        Span<byte> padded = stackalloc byte[Size];
        padded.Clear();
        bytes.CopyTo(padded[(Size - bytes.Length)..]);
        value = new UInt256(
            BinaryPrimitives.ReadUInt64BigEndian(padded[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(padded[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(padded[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(padded));
        return true;
    }

    public static UInt256 ReadBigEndian(ReadOnlySpan<byte> bytes)
    {
        if (!TryReadBigEndian(bytes, out var value))
        {
            ThrowHelper.ThrowArgument($"a 256-bit integer is at most {Size} bytes, got {bytes.Length}");
        }
        return value;
    }

    public void WriteBigEndian(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, U3);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], U2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], U1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], U0);
    }

    /// <summary>The 32-byte big-endian encoding used on the wire.</summary>
    public byte[] ToBigEndian()
    {
        var bytes = new byte[Size];
        WriteBigEndian(bytes);
        return bytes;
    }

    /// <summary>Adds, returning false (and a wrapped result) on overflow.</summary>
    public static bool TryAdd(in UInt256 a, in UInt256 b, out UInt256 sum)
    {
        ulong carry = 0;
        var r0 = AddWithCarry(a.U0, b.U0, ref carry);
        var r1 = AddWithCarry(a.U1, b.U1, ref carry);
        var r2 = AddWithCarry(a.U2, b.U2, ref carry);
        var r3 = AddWithCarry(a.U3, b.U3, ref carry);
        sum = new UInt256(r0, r1, r2, r3);
        return carry == 0;
    }

    /// <summary>Subtracts, returning false (and a wrapped result) on underflow.</summary>
    public static bool TrySubtract(in UInt256 a, in UInt256 b, out UInt256 difference)
    {
        ulong borrow = 0;
        var r0 = SubtractWithBorrow(a.U0, b.U0, ref borrow);
        var r1 = SubtractWithBorrow(a.U1, b.U1, ref borrow);
        var r2 = SubtractWithBorrow(a.U2, b.U2, ref borrow);
        var r3 = SubtractWithBorrow(a.U3, b.U3, ref borrow);
        difference = new UInt256(r0, r1, r2, r3);
        return borrow == 0;
    }

    /// <summary>Multiplies by a 64-bit factor, returning false on overflow.</summary>
    public static bool TryMultiply(in UInt256 a, ulong b, out UInt256 product)
    {
        ulong carry = 0;
        var r0 = MultiplyAdd(a.U0, b, ref carry);
        var r1 = MultiplyAdd(a.U1, b, ref carry);
        var r2 = MultiplyAdd(a.U2, b, ref carry);
        var r3 = MultiplyAdd(a.U3, b, ref carry);
        product = new UInt256(r0, r1, r2, r3);
        return carry == 0;
    }

    public static UInt256 operator +(in UInt256 a, in UInt256 b) =>
        TryAdd(a, b, out var r) ? r : throw new OverflowException("256-bit addition overflowed");

    public static UInt256 operator -(in UInt256 a, in UInt256 b) =>
        TrySubtract(a, b, out var r) ? r : throw new OverflowException("256-bit subtraction underflowed");

    private static ulong AddWithCarry(ulong x, ulong y, ref ulong carry)
    {
        var sum = x + y;
        var c1 = sum < x ? 1UL : 0UL;
        var result = sum + carry;
        var c2 = result < sum ? 1UL : 0UL;
        carry = c1 | c2;
        return result;
    }

    private static ulong SubtractWithBorrow(ulong x, ulong y, ref ulong borrow)
    {
        var diff = x - y;
        var b1 = x < y ? 1UL : 0UL;
        var result = diff - borrow;
        var b2 = diff < borrow ? 1UL : 0UL;
        borrow = b1 | b2;
        return result;
    }

    private static ulong MultiplyAdd(ulong x, ulong y, ref ulong carry)
    {
        var high = Math.BigMul(x, y, out var low);
        low += carry;
        if (low < carry)
        {
            high++;
        }
        carry = high;
        return low;
    }

    public static implicit operator UInt256(ulong value) => new(value);

    public static explicit operator ulong(in UInt256 value) =>
        value.IsUInt64 ? value.U0 : throw new OverflowException("value does not fit in 64 bits");

    public BigInteger ToBigInteger()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteBigEndian(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    public static bool TryFromBigInteger(BigInteger value, out UInt256 result)
    {
        result = default;
        if (value.Sign < 0 || value.GetByteCount(isUnsigned: true) > Size)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[Size];
        bytes.Clear();
        var count = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(bytes[(Size - count)..], out _, isUnsigned: true, isBigEndian: true);
        result = ReadBigEndian(bytes);
        return true;
    }

    /// <summary>Parses a decimal integer (digits only, no sign, no separators).</summary>
    public static bool TryParse(string? text, out UInt256 value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || !text.All(char.IsAsciiDigit))
        {
            return false;
        }
        return TryFromBigInteger(BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture), out value);
    }

    public static UInt256 Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not an unsigned 256-bit decimal integer");

    public bool Equals(UInt256 other) => U0 == other.U0 && U1 == other.U1 && U2 == other.U2 && U3 == other.U3;

    public override bool Equals(object? obj) => obj is UInt256 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(U0, U1, U2, U3);

    public int CompareTo(UInt256 other)
    {
        if (U3 != other.U3) return U3 < other.U3 ? -1 : 1;
        if (U2 != other.U2) return U2 < other.U2 ? -1 : 1;
        if (U1 != other.U1) return U1 < other.U1 ? -1 : 1;
        return U0 == other.U0 ? 0 : U0 < other.U0 ? -1 : 1;
    }

    public static bool operator ==(in UInt256 left, in UInt256 right) => left.Equals(right);

    public static bool operator !=(in UInt256 left, in UInt256 right) => !left.Equals(right);

    public static bool operator <(in UInt256 left, in UInt256 right) => left.CompareTo(right) < 0;

    public static bool operator >(in UInt256 left, in UInt256 right) => left.CompareTo(right) > 0;

    public static bool operator <=(in UInt256 left, in UInt256 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(in UInt256 left, in UInt256 right) => left.CompareTo(right) >= 0;

    public override string ToString() =>
        IsUInt64 ? U0.ToString(CultureInfo.InvariantCulture) : ToBigInteger().ToString(CultureInfo.InvariantCulture);
}
