namespace ShanghaiChain.Core.Primitives;

/// <summary>Bitwise, shift, byte-access and signed comparison operations with EVM semantics.</summary>
public readonly partial struct UInt256
{
    public static UInt256 operator &(in UInt256 a, in UInt256 b) => new(a.U0 & b.U0, a.U1 & b.U1, a.U2 & b.U2, a.U3 & b.U3);

    public static UInt256 operator |(in UInt256 a, in UInt256 b) => new(a.U0 | b.U0, a.U1 | b.U1, a.U2 | b.U2, a.U3 | b.U3);

    public static UInt256 operator ^(in UInt256 a, in UInt256 b) => new(a.U0 ^ b.U0, a.U1 ^ b.U1, a.U2 ^ b.U2, a.U3 ^ b.U3);

    public static UInt256 operator ~(in UInt256 a) => new(~a.U0, ~a.U1, ~a.U2, ~a.U3);

    /// <summary>value shifted left by <paramref name="shift"/> bits; zero when the shift is 256 or more.</summary>
    public static UInt256 ShiftLeft(in UInt256 value, in UInt256 shift) =>
        shift.IsUInt64 && shift.U0 < 256 ? ShiftLeft(value, (int)shift.U0) : Zero;

    /// <summary>value shifted right (logically) by <paramref name="shift"/> bits; zero when the shift is 256 or more.</summary>
    public static UInt256 ShiftRight(in UInt256 value, in UInt256 shift) =>
        shift.IsUInt64 && shift.U0 < 256 ? ShiftRight(value, (int)shift.U0) : Zero;

    /// <summary>Arithmetic right shift of a two's complement word; all ones or zero when the shift is 256 or more.</summary>
    public static UInt256 ArithmeticShiftRight(in UInt256 value, in UInt256 shift)
    {
        var negative = value.IsNegative;
        if (!shift.IsUInt64 || shift.U0 >= 256)
        {
            return negative ? MaxValue : Zero;
        }
        var n = (int)shift.U0;
        var logical = ShiftRight(value, n);
        if (!negative || n == 0)
        {
            return logical;
        }
        // Fill the vacated top n bits with ones.
        return logical | ~ShiftRight(MaxValue, n);
    }

    public static UInt256 ShiftLeft(in UInt256 value, int shift)
    {
        if (shift == 0)
        {
            return value;
        }
        var limbs = shift >> 6;
        var bits = shift & 63;
        Span<ulong> src = [value.U0, value.U1, value.U2, value.U3];
        Span<ulong> dst = stackalloc ulong[4];
        dst.Clear();
        for (var i = 3; i >= limbs; i--)
        {
            var s = src[i - limbs];
            dst[i] = bits == 0 ? s : (s << bits) | (i - limbs - 1 >= 0 ? src[i - limbs - 1] >> (64 - bits) : 0);
        }
        return new UInt256(dst[0], dst[1], dst[2], dst[3]);
    }

    public static UInt256 ShiftRight(in UInt256 value, int shift)
    {
        if (shift == 0)
        {
            return value;
        }
        var limbs = shift >> 6;
        var bits = shift & 63;
        Span<ulong> src = [value.U0, value.U1, value.U2, value.U3];
        Span<ulong> dst = stackalloc ulong[4];
        dst.Clear();
        for (var i = 0; i + limbs < 4; i++)
        {
            var s = src[i + limbs];
            dst[i] = bits == 0 ? s : (s >> bits) | (i + limbs + 1 < 4 ? src[i + limbs + 1] << (64 - bits) : 0);
        }
        return new UInt256(dst[0], dst[1], dst[2], dst[3]);
    }

    /// <summary>
    /// SIGNEXTEND: treats <paramref name="value"/> as a (byteIndex+1)-byte two's complement number and extends its sign
    /// to 256 bits; unchanged when byteIndex is 31 or more.
    /// </summary>
    public static UInt256 SignExtend(in UInt256 byteIndex, in UInt256 value)
    {
        if (!byteIndex.IsUInt64 || byteIndex.U0 >= 31)
        {
            return value;
        }
        var bit = (int)byteIndex.U0 * 8 + 7;
        var mask = ShiftRight(MaxValue, 255 - bit); // ones in bits 0..bit
        var signSet = ((value.Limb(bit >> 6) >> (bit & 63)) & 1) != 0;
        return signSet ? value | ~mask : value & mask;
    }

    /// <summary>BYTE: the byte at big-endian position <paramref name="index"/> (0 is the most significant), zero when 32 or more.</summary>
    public static UInt256 Byte(in UInt256 index, in UInt256 value)
    {
        if (!index.IsUInt64 || index.U0 >= 32)
        {
            return Zero;
        }
        var fromLow = 31 - (int)index.U0;
        return new UInt256((value.Limb(fromLow >> 3) >> ((fromLow & 7) * 8)) & 0xff);
    }

    /// <summary>Signed (two's complement) comparison.</summary>
    public static int CompareSigned(in UInt256 a, in UInt256 b)
    {
        var negA = a.IsNegative;
        if (negA != b.IsNegative)
        {
            return negA ? -1 : 1;
        }
        return a.CompareTo(b);
    }
}
