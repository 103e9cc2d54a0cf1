namespace ShanghaiChain.Core.Trie;

/// <summary>Nibble paths (one 4-bit value per byte) and the hex-prefix encoding of yellow paper appendix C.</summary>
internal static class Nibbles
{
    public static void FromBytes(ReadOnlySpan<byte> bytes, Span<byte> nibbles)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            nibbles[2 * i] = (byte)(bytes[i] >> 4);
            nibbles[(2 * i) + 1] = (byte)(bytes[i] & 0x0f);
        }
    }

    /// <summary>Packs an even-length nibble path back into bytes.</summary>
    public static byte[] ToBytes(ReadOnlySpan<byte> nibbles)
    {
        var bytes = new byte[nibbles.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((nibbles[2 * i] << 4) | nibbles[(2 * i) + 1]);
        }
        return bytes;
    }

    public static int CommonPrefixLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.CommonPrefixLength(b);

    public static byte[] Concat(byte first, ReadOnlySpan<byte> rest)
    {
        var result = new byte[rest.Length + 1];
        result[0] = first;
        rest.CopyTo(result.AsSpan(1));
        return result;
    }

    public static byte[] Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var result = new byte[first.Length + second.Length];
        first.CopyTo(result);
        second.CopyTo(result.AsSpan(first.Length));
        return result;
    }

    public static int HexPrefixLength(int nibbleCount) => 1 + (nibbleCount / 2);

    /// <summary>Writes the hex-prefix form: flag nibble (2 for a leaf, +1 when odd), padding, then the packed path.</summary>
    public static void WriteHexPrefix(ReadOnlySpan<byte> nibbles, bool isLeaf, Span<byte> destination)
    {
        var odd = (nibbles.Length & 1) == 1;
        var flag = (isLeaf ? 2 : 0) + (odd ? 1 : 0);
        int next;
        if (odd)
        {
            destination[0] = (byte)((flag << 4) | nibbles[0]);
            next = 1;
        }
        else
        {
            destination[0] = (byte)(flag << 4);
            next = 0;
        }
        for (var i = 1; next < nibbles.Length; i++, next += 2)
        {
            destination[i] = (byte)((nibbles[next] << 4) | nibbles[next + 1]);
        }
    }

    /// <summary>Strictly decodes a hex-prefix path: unknown flags and non-zero padding are rejected.</summary>
    public static bool TryReadHexPrefix(ReadOnlySpan<byte> encoded, Span<byte> nibbles, out int count, out bool isLeaf)
    {
        count = 0;
        isLeaf = false;
        if (encoded.IsEmpty)
        {
            return false;
        }
        var flag = encoded[0] >> 4;
        if (flag > 3)
        {
            return false;
        }
        isLeaf = flag >= 2;
        var odd = (flag & 1) == 1;
        if (!odd && (encoded[0] & 0x0f) != 0)
        {
            return false;
        }
        count = ((encoded.Length - 1) * 2) + (odd ? 1 : 0);
        if (count > nibbles.Length)
        {
            return false;
        }
        var next = 0;
        if (odd)
        {
            nibbles[next++] = (byte)(encoded[0] & 0x0f);
        }
        for (var i = 1; i < encoded.Length; i++)
        {
            nibbles[next++] = (byte)(encoded[i] >> 4);
            nibbles[next++] = (byte)(encoded[i] & 0x0f);
        }
        return true;
    }
}
