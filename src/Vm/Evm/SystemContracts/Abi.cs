using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.SystemContracts;

/// <summary>
/// Reads Solidity ABI-encoded calldata (selector, then head words and tail data). Every read is bounds-checked and
/// returns false on malformed input: offsets and lengths beyond the calldata, values wider than their type.
/// </summary>
public readonly ref struct AbiReader
{
    private readonly ReadOnlySpan<byte> _args;

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

    private AbiReader(ReadOnlySpan<byte> args) => _args = args;

    /// <summary>The head word of argument <paramref name="index"/> (32 bytes).</summary>
    public bool TryWord(int index, out ReadOnlySpan<byte> word)
    {
        word = default;
        var offset = (long)index * 32;
        if (index < 0 || offset + 32 > _args.Length)
        {
            return false;
        }
        word = _args.Slice((int)offset, 32);
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

    /// <summary>A <c>bytes</c> or <c>string</c> argument: head word = offset of (length word, data) in the arguments.</summary>
    public bool TryBytes(int index, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (!TryUInt256(index, out var offsetWord) || !offsetWord.IsUInt64 || offsetWord.U0 > (ulong)_args.Length - 32)
        {
            return false;
        }
        var offset = (int)offsetWord.U0;
        var length = UInt256.ReadBigEndian(_args.Slice(offset, 32));
        var available = (ulong)(_args.Length - offset - 32);
        if (!length.IsUInt64 || length.U0 > available)
        {
            return false;
        }
        data = _args.Slice(offset + 32, (int)length.U0);
        return true;
    }
}

/// <summary>Writes ABI-encoded return data.</summary>
public static class AbiWriter
{
    private const uint ErrorSelector = 0x08c379a0;

    /// <summary>One static word: a <c>bytes32</c>.</summary>
    public static byte[] Bytes32(ReadOnlySpan<byte> value)
    {
        if (value.Length != 32)
        {
            throw new ArgumentException("a bytes32 is 32 bytes", nameof(value));
        }
        return value.ToArray();
    }

    /// <summary>One static word: a <c>bool</c>.</summary>
    public static byte[] Bool(bool value)
    {
        var word = new byte[32];
        word[31] = value ? (byte)1 : (byte)0;
        return word;
    }

    /// <summary>Solidity's <c>Error(string)</c> revert data: selector 0x08c379a0, offset, length, UTF-8 padded to 32.</summary>
    public static byte[] ErrorReason(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var text = Encoding.UTF8.GetBytes(reason);
        var padded = (text.Length + 31) / 32 * 32;
        var output = new byte[4 + 64 + padded];
        BinaryPrimitives.WriteUInt32BigEndian(output, ErrorSelector);
        output[4 + 31] = 0x20;
        BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(4 + 60), text.Length);
        text.CopyTo(output, 4 + 64);
        return output;
    }
}
