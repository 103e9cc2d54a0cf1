using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Relay.Contract;

/// <summary>Storage words of the cross-chain contract, read and written through whoever holds them.</summary>
public interface IRelaySlots
{
    /// <summary>False when the read could not be paid for (the call then fails).</summary>
    bool TryLoad(in UInt256 slot, out UInt256 value);

    bool TryStore(in UInt256 slot, in UInt256 value);
}

/// <summary>
/// A byte string in storage: the base slot holds its length, the words after it its bytes (the last one zero-padded).
/// A shorter value clears the words the old one used beyond it. The same layout as the governance contract's records.
/// </summary>
public static class RelayBlob
{
    /// <summary>Larger than any record the contract writes: a longer length word means the state is corrupt.</summary>
    public const int MaxBytes = 1 << 20;

    public static bool TryRead(IRelaySlots store, in UInt256 slot, out byte[] data)
    {
        data = [];
        if (!store.TryLoad(slot, out var length))
        {
            return false;
        }
        if (!length.IsUInt64 || length.U0 > MaxBytes)
        {
            throw new InvalidOperationException($"cross-chain storage slot {slot} holds a length of {length}: state is corrupt");
        }
        data = new byte[(int)length.U0];
        Span<byte> word = stackalloc byte[32];
        for (var offset = 0; offset < data.Length; offset += 32)
        {
            if (!store.TryLoad(WordSlot(slot, offset / 32), out var value))
            {
                return false;
            }
            value.WriteBigEndian(word);
            word[..Math.Min(32, data.Length - offset)].CopyTo(data.AsSpan(offset));
        }
        return true;
    }

    public static bool TryWrite(IRelaySlots store, in UInt256 slot, ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxBytes)
        {
            throw new InvalidOperationException($"a cross-chain record of {data.Length} bytes is larger than {MaxBytes}");
        }
        if (!store.TryLoad(slot, out var oldLength) || !store.TryStore(slot, new UInt256((ulong)data.Length)))
        {
            return false;
        }
        Span<byte> word = stackalloc byte[32];
        var words = (data.Length + 31) / 32;
        for (var i = 0; i < words; i++)
        {
            word.Clear();
            data.Slice(i * 32, Math.Min(32, data.Length - i * 32)).CopyTo(word);
            if (!store.TryStore(WordSlot(slot, i), UInt256.ReadBigEndian(word)))
            {
                return false;
            }
        }
        var oldWords = oldLength.IsUInt64 && oldLength.U0 <= MaxBytes ? (int)((oldLength.U0 + 31) / 32) : 0;
        for (var i = words; i < oldWords; i++)
        {
            if (!store.TryStore(WordSlot(slot, i), UInt256.Zero))
            {
                return false;
            }
        }
        return true;
    }

    private static UInt256 WordSlot(in UInt256 slot, int index) => UInt256.AddWrapping(slot, new UInt256((ulong)index + 1));
}
