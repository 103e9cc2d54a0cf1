using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Rlp;

/// <summary>
/// Reads a sequence of RLP items from a span without copying. Every header is checked for canonical form;
/// the Try methods report failure through <see cref="Error"/> instead of throwing, the others throw <see cref="RlpException"/>.
/// A list is read as a nested reader over its payload; call <see cref="TryReadEnd"/> on it to reject trailing items.
/// </summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public RlpReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        Error = RlpError.None;
    }

    /// <summary>The reason the last failed Try call failed.</summary>
    public RlpError Error { get; private set; }

    public readonly int Position => _position;

    public readonly bool HasMore => _position < _data.Length;

    /// <summary>True when the next item is a list (false at the end).</summary>
    public readonly bool NextIsList => _position < _data.Length && _data[_position] >= RlpCodec.ShortListOffset;

    /// <summary>True when the next item is the empty string 0x80.</summary>
    public readonly bool NextIsEmptyString => _position < _data.Length && _data[_position] == RlpCodec.EmptyString;

    public bool TryReadString(out ReadOnlySpan<byte> content)
    {
        content = default;
        if (!TryReadHeader(out var header))
        {
            return false;
        }
        if (header.IsList)
        {
            return Fail(RlpError.ExpectedString);
        }
        content = _data.Slice(_position + header.HeaderLength, header.PayloadLength);
        _position += header.ItemLength;
        return true;
    }

    public bool TryReadList(out RlpReader items)
    {
        items = default;
        if (!TryReadHeader(out var header))
        {
            return false;
        }
        if (!header.IsList)
        {
            return Fail(RlpError.ExpectedList);
        }
        items = new RlpReader(_data.Slice(_position + header.HeaderLength, header.PayloadLength));
        _position += header.ItemLength;
        return true;
    }

    /// <summary>Reads the next item whole (header and payload) without looking inside it.</summary>
    public bool TryReadItem(out ReadOnlySpan<byte> encoded)
    {
        encoded = default;
        if (!TryReadHeader(out var header))
        {
            return false;
        }
        encoded = _data.Slice(_position, header.ItemLength);
        _position += header.ItemLength;
        return true;
    }

    public bool TryReadUInt64(out ulong value)
    {
        value = 0;
        var start = _position;
        if (!TryReadString(out var content))
        {
            return false;
        }
        if (content.Length > 8)
        {
            _position = start;
            return Fail(RlpError.IntegerTooLarge);
        }
        if (content.Length > 0 && content[0] == 0)
        {
            _position = start;
            return Fail(RlpError.NonCanonicalInteger);
        }
        Span<byte> buffer = stackalloc byte[8];
        buffer.Clear();
        content.CopyTo(buffer[(8 - content.Length)..]);
        value = BinaryPrimitives.ReadUInt64BigEndian(buffer);
        return true;
    }

    public bool TryReadUInt256(out UInt256 value)
    {
        value = default;
        var start = _position;
        if (!TryReadString(out var content))
        {
            return false;
        }
        if (content.Length > UInt256.Size)
        {
            _position = start;
            return Fail(RlpError.IntegerTooLarge);
        }
        if (content.Length > 0 && content[0] == 0)
        {
            _position = start;
            return Fail(RlpError.NonCanonicalInteger);
        }
        value = UInt256.ReadBigEndian(content);
        return true;
    }

    /// <summary>Succeeds when every byte has been consumed; otherwise fails with <see cref="RlpError.TrailingBytes"/>.</summary>
    public bool TryReadEnd() => !HasMore || Fail(RlpError.TrailingBytes);

    public ReadOnlySpan<byte> ReadString()
    {
        if (!TryReadString(out var content))
        {
            ThrowError();
        }
        return content;
    }

    public RlpReader ReadList()
    {
        if (!TryReadList(out var items))
        {
            ThrowError();
        }
        return items;
    }

    public ReadOnlySpan<byte> ReadItem()
    {
        if (!TryReadItem(out var encoded))
        {
            ThrowError();
        }
        return encoded;
    }

    public ulong ReadUInt64() => TryReadUInt64(out var value) ? value : Throw<ulong>();

    public UInt256 ReadUInt256() => TryReadUInt256(out var value) ? value : Throw<UInt256>();

    public void ReadEnd()
    {
        if (!TryReadEnd())
        {
            ThrowError();
        }
    }

    private bool TryReadHeader(out RlpHeader header)
    {
        var error = RlpCodec.TryReadHeader(_data[_position..], out header);
        return error == RlpError.None || Fail(error);
    }

    private bool Fail(RlpError error)
    {
        Error = error;
        return false;
    }

    private readonly T Throw<T>()
    {
        ThrowError();
        return default!;
    }

    [DoesNotReturn]
    private readonly void ThrowError() => throw new RlpException(Error);
}
