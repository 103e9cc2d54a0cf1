using System.Buffers.Binary;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Storage;

/// <summary>
/// One flat storage slot as it was before a block wrote or wiped it: its flat key (address ‖ slot) and its value, null
/// when it was absent (zero). A block's undo record (family <c>state_undo</c>, docs/storage.md) lists every slot it
/// changed once: a u32 count, then per slot the 52-byte key, a byte 0 (absent) or 1 followed by the 32-byte value.
/// </summary>
internal sealed record SlotUndo(byte[] Key, byte[]? Previous)
{
    private const int KeySize = Address.Size + UInt256.Size;

    /// <summary>The slot a flat key names, to record each slot once.</summary>
    public static (Address, UInt256) Id(byte[] key) => (new Address(key.AsSpan(0, Address.Size)), UInt256.ReadBigEndian(key.AsSpan(Address.Size)));

    public static byte[] Encode(IReadOnlyList<SlotUndo> slots)
    {
        var length = 4;
        foreach (var slot in slots)
        {
            length += KeySize + 1 + (slot.Previous is null ? 0 : UInt256.Size);
        }
        var record = new byte[length];
        BinaryPrimitives.WriteUInt32BigEndian(record, (uint)slots.Count);
        var at = 4;
        foreach (var slot in slots)
        {
            if (slot.Key.Length != KeySize || slot.Previous is { Length: not UInt256.Size })
            {
                throw new InvalidOperationException($"a flat storage entry of {slot.Key.Length} and {slot.Previous?.Length} bytes has no undo encoding");
            }
            slot.Key.CopyTo(record, at);
            at += KeySize;
            record[at++] = slot.Previous is null ? (byte)0 : (byte)1;
            if (slot.Previous is not null)
            {
                slot.Previous.CopyTo(record, at);
                at += UInt256.Size;
            }
        }
        return record;
    }

    /// <summary>The slots of an undo record; false when it is malformed (every length checked before use).</summary>
    public static bool TryDecode(byte[] record, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<SlotUndo>? slots)
    {
        slots = null;
        if (record.Length < 4)
        {
            return false;
        }
        var count = BinaryPrimitives.ReadUInt32BigEndian(record);
        if (count > (record.Length - 4) / (KeySize + 1))
        {
            return false;
        }
        var result = new List<SlotUndo>((int)count);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            if (at + KeySize + 1 > record.Length)
            {
                return false;
            }
            var key = record.AsSpan(at, KeySize).ToArray();
            at += KeySize;
            var present = record[at++];
            if (present > 1 || (present == 1 && at + UInt256.Size > record.Length))
            {
                return false;
            }
            byte[]? previous = null;
            if (present == 1)
            {
                previous = record.AsSpan(at, UInt256.Size).ToArray();
                at += UInt256.Size;
            }
            result.Add(new SlotUndo(key, previous));
        }
        if (at != record.Length)
        {
            return false;
        }
        slots = result;
        return true;
    }
}
