using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// The chunks of a state snapshot (docs/operations.md, "The snapshot format"): serialized <see cref="SnapshotChunk"/>
/// messages, each a run of accounts in the order of the account trie's keys (suite hash of the address), each account
/// with its code the first time that code appears and its storage slots; a large contract's slots continue in the next
/// chunk (an entry with <c>continued</c> set). A chunk is cut once it reaches <see cref="TargetBytes"/>, so none is
/// larger than the target plus one account entry, itself bounded by splitting slots.
/// </summary>
public static class SnapshotChunks
{
    /// <summary>The size a chunk is cut at.</summary>
    public const int TargetBytes = 4 * 1024 * 1024;

    /// <summary>The largest chunk a reader accepts: the target, one contract's code (EIP-170 allows 24 KiB; governed chains may raise it), framing.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>A slot in a chunk: the slot and its value, 32 bytes each, big-endian.</summary>
    public const int SlotBytes = 2 * UInt256.Size;

    public const uint FormatVersion = 1;
}

/// <summary>Builds chunks from accounts given in trie-key order, handing each finished chunk to a callback.</summary>
internal sealed class SnapshotChunkBuilder(CryptoSuite suite, int targetBytes, Action<byte[]> onChunk)
{
    private SnapshotChunk _chunk = new();
    private int _size;

    public List<Hash32> Hashes { get; } = [];

    public long Accounts { get; private set; }

    public long Slots { get; private set; }

    public long Codes { get; private set; }

    /// <summary>Adds an account, its code (null when already written or none) and its slots in any order.</summary>
    public void Add(Address address, AccountState account, byte[]? code, IEnumerable<KeyValuePair<UInt256, UInt256>> slots)
    {
        var entry = new SnapshotAccount
        {
            Address = address.ToByteString(),
            Nonce = account.Nonce,
            Balance = ByteString.CopyFrom(account.Balance.ToBigEndian()),
            CodeHash = account.HasCode ? account.CodeHash.ToByteString() : ByteString.Empty,
            StorageRoot = account.StorageRoot.IsZero ? ByteString.Empty : account.StorageRoot.ToByteString(),
        };
        if (code is not null)
        {
            entry.Code = ByteString.CopyFrom(code);
            Codes++;
        }
        Accounts++;
        var buffer = new MemoryStream();
        Span<byte> pair = stackalloc byte[SnapshotChunks.SlotBytes];
        foreach (var (slot, value) in slots)
        {
            slot.WriteBigEndian(pair);
            value.WriteBigEndian(pair[UInt256.Size..]);
            buffer.Write(pair);
            Slots++;
            if (_size + entry.CalculateSize() + buffer.Length >= targetBytes)
            {
                // The chunk is full: this account's slots continue in the next one.
                entry.Slots = ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length);
                Append(entry);
                Cut();
                entry = new SnapshotAccount { Address = address.ToByteString(), Continued = true };
                buffer.SetLength(0);
            }
        }
        entry.Slots = ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (entry.Continued && entry.Slots.IsEmpty)
        {
            return;
        }
        Append(entry);
        if (_size >= targetBytes)
        {
            Cut();
        }
    }

    private void Append(SnapshotAccount entry)
    {
        _chunk.Accounts.Add(entry);
        _size += CodedOutputStream.ComputeMessageSize(entry) + 1;
    }

    private void Cut()
    {
        if (_chunk.Accounts.Count == 0)
        {
            return;
        }
        var bytes = _chunk.ToByteArray();
        Hashes.Add(suite.Hash(bytes));
        onChunk(bytes);
        _chunk = new SnapshotChunk();
        _size = 0;
    }

    /// <summary>Emits the last, partly filled chunk.</summary>
    public void Finish() => Cut();
}
