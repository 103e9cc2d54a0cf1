using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Governance;

/// <summary>Storage words of the governance contract, read and written through whoever holds them.</summary>
public interface ISlotStore
{
    /// <summary>False when the read could not be paid for (the call then fails).</summary>
    bool TryLoad(in UInt256 slot, out UInt256 value);

    bool TryStore(in UInt256 slot, in UInt256 value);
}

/// <summary>The contract's storage inside a call: every access metered at the SLOAD/SSTORE price.</summary>
internal sealed class CallSlots(SystemCallContext context) : ISlotStore
{
    public bool TryLoad(in UInt256 slot, out UInt256 value) => context.TryLoad(slot, out value);

    public bool TryStore(in UInt256 slot, in UInt256 value) => context.TryStore(slot, value);
}

/// <summary>The contract's storage in a read view (committed state, or a block's state as it runs): reads only.</summary>
public sealed class StateSlots(IStateReader state) : ISlotStore
{
    public bool TryLoad(in UInt256 slot, out UInt256 value)
    {
        value = state.GetStorage(GovernanceLayout.Address, slot);
        return true;
    }

    public bool TryStore(in UInt256 slot, in UInt256 value) =>
        throw new InvalidOperationException("governance state is written only by the governance contract");
}

/// <summary>
/// A byte string in storage: the base slot holds its length, the words after it its bytes (the last one zero-padded).
/// Writing a shorter value clears the words the old one used beyond it, so storage holds nothing stale.
/// </summary>
public static class SlotBlob
{
    /// <summary>Larger than anything the contract writes: a longer length word means the state is corrupt.</summary>
    public const int MaxBytes = 4 << 20;

    /// <summary>Reads the blob at <paramref name="slot"/>; an unset slot reads as empty.</summary>
    public static bool TryRead(ISlotStore store, in UInt256 slot, out byte[] data)
    {
        data = [];
        if (!store.TryLoad(slot, out var length))
        {
            return false;
        }
        if (!length.IsUInt64 || length.U0 > MaxBytes)
        {
            throw new InvalidOperationException($"governance storage slot {slot} holds a length of {length}: state is corrupt");
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

    public static bool TryWrite(ISlotStore store, in UInt256 slot, ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxBytes)
        {
            throw new InvalidOperationException($"a governance record of {data.Length} bytes is larger than {MaxBytes}");
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
            var part = data.Slice(i * 32, Math.Min(32, data.Length - i * 32));
            part.CopyTo(word);
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
