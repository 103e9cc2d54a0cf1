using System.Buffers.Binary;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Abi;

/// <summary>
/// Reads one ABI-encoded tuple (head words, then the tail that dynamic values point into) without allocating. Every
/// read is bounds-checked and returns false on malformed input (offsets or lengths beyond the data), so system
/// contracts can refuse calldata with a revert and <see cref="AbiCodec"/> with an <see cref="AbiException"/>.
/// </summary>
public readonly ref struct AbiReader
{
    /// <summary>Bytes in a head word.</summary>
    public const int WordSize = 32;

    private readonly ReadOnlySpan<byte> _data;

    /// <param name="data">The tuple's encoding: its first byte is where its offsets count from.</param>
    public AbiReader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Splits calldata into the 4-byte selector and the arguments; false when shorter than a selector.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> calldata, out uint selector, out AbiReader reader)
    {
        reader = default;
        selector = 0;
        if (calldata.Length < 4)
        {
            return false;
        }
        selector = BinaryPrimitives.ReadUInt32BigEndian(calldata);
        reader = new AbiReader(calldata[4..]);
        return true;
    }

    /// <summary>Head word <paramref name="index"/> (32 bytes).</summary>
    public bool TryWord(int index, out ReadOnlySpan<byte> word)
    {
        word = default;
        var offset = (long)index * WordSize;
        if (index < 0 || offset + WordSize > _data.Length)
        {
            return false;
        }
        word = _data.Slice((int)offset, WordSize);
        return true;
    }

    public bool TryUInt256(int index, out UInt256 value)
    {
        value = default;
        if (!TryWord(index, out var word))
        {
            return false;
        }
        value = UInt256.ReadBigEndian(word);
        return true;
    }

    /// <summary>A <c>bytes</c> or <c>string</c> value: head word = offset of (length word, data) in this tuple.</summary>
    public bool TryBytes(int index, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (!TryTail(index, out var tail) || !tail.TryUInt256(0, out var length) ||
            !length.IsUInt64 || length.U0 > (ulong)(tail._data.Length - WordSize))
        {
            return false;
        }
        data = tail._data.Slice(WordSize, (int)length.U0);
        return true;
    }

    /// <summary>
    /// A dynamic tuple or fixed-size array: head word = offset of its own encoding in this tuple, from which its
    /// offsets count.
    /// </summary>
    public bool TryTail(int index, out AbiReader tail)
    {
        tail = default;
        if (!TryUInt256(index, out var offset) || !offset.IsUInt64 || offset.U0 > (ulong)_data.Length)
        {
            return false;
        }
        tail = new AbiReader(_data[(int)offset.U0..]);
        return true;
    }

    /// <summary>
    /// A <c>T[]</c> value: head word = offset of (length word, elements); <paramref name="elements"/> is the tuple of
    /// the elements. A length above the bytes left is refused, so a hostile length cannot make the caller loop.
    /// </summary>
    public bool TryArray(int index, out int count, out AbiReader elements)
    {
        count = 0;
        elements = default;
        if (!TryTail(index, out var tail) || !tail.TryUInt256(0, out var length) ||
            !length.IsUInt64 || length.U0 > (ulong)(tail._data.Length - WordSize))
        {
            return false;
        }
        count = (int)length.U0;
        elements = new AbiReader(tail._data[WordSize..]);
        return true;
    }
}
