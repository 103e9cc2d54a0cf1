using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.SystemContracts;

/// <summary>A system contract's storage words, read and written through whoever holds them (a call, a state view).</summary>
public interface IStorageWords
{
    /// <summary>False when the read could not be paid for (the call then fails).</summary>
    bool TryLoad(in UInt256 slot, out UInt256 value);

    bool TryStore(in UInt256 slot, in UInt256 value);
}

/// <summary>
/// A byte string in a system contract's storage, as the governance and cross-chain contracts keep their records: the
/// base slot holds its length, the words after it its bytes (the last one zero-padded). Writing a shorter value clears
/// the words the old one used beyond it, so storage holds nothing stale. A length word above the contract's bound means
/// the state is corrupt, and is reported as such rather than read.
/// </summary>
public static class StorageBlob
{
    /// <summary>Reads the blob at <paramref name="slot"/>; an unset slot reads as empty. <paramref name="owner"/> names the contract in errors.</summary>
    public static bool TryRead(IStorageWords store, in UInt256 slot, int maxBytes, string owner, out byte[] data)
    {
        data = [];
        if (!store.TryLoad(slot, out var length))
        {
            return false;
        }
        if (!length.IsUInt64 || length.U0 > (ulong)maxBytes)
        {
            throw new InvalidOperationException($"{owner} storage slot {slot} holds a length of {length}: state is corrupt");
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

    public static bool TryWrite(IStorageWords store, in UInt256 slot, ReadOnlySpan<byte> data, int maxBytes, string owner)
    {
        if (data.Length > maxBytes)
        {
            throw new InvalidOperationException($"a {owner} record of {data.Length} bytes is larger than {maxBytes}");
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
        var oldWords = oldLength.IsUInt64 && oldLength.U0 <= (ulong)maxBytes ? (int)((oldLength.U0 + 31) / 32) : 0;
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
