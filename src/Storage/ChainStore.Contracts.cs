using RocksDbSharp;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Storage;

/// <summary>Contract state: code by hash, flat storage slots, the storage tries beside the account trie, and their checks.</summary>
public sealed partial class ChainStore
{
    /// <summary>How many flat storage slots the startup check compares with the storage tries.</summary>
    public const int SampledSlots = 256;

    public byte[]? GetCode(Hash32 codeHash)
    {
        Span<byte> key = stackalloc byte[Hash32.Size];
        codeHash.WriteTo(key);
        return _db.Get(key, _code);
    }

    public UInt256 GetStorage(Address address, UInt256 slot)
    {
        Span<byte> key = stackalloc byte[Address.Size + UInt256.Size];
        address.WriteTo(key);
        slot.WriteBigEndian(key[Address.Size..]);
        var value = _db.Get(key, _storage);
        return value is null ? UInt256.Zero : UInt256.ReadBigEndian(value);
    }

    /// <summary>
    /// Adds code, flat slots and storage-trie nodes to the block's batch, and returns the account diff with every
    /// account whose storage changed carrying its new storage root (accounts only touched in storage join the diff).
    /// </summary>
    private IReadOnlyList<KeyValuePair<Address, AccountState>> WriteContractState(ulong height,
        IReadOnlyList<KeyValuePair<Address, AccountState>> stateDiff, ContractStateDiff contracts, WriteBatch batch)
    {
        foreach (var (hash, code) in contracts.Code)
        {
            batch.Put(hash.ToArray(), code, _code);
        }
        foreach (var address in contracts.ClearedStorage)
        {
            // Flat slots of a wiped account go before the block's own writes to it, which the batch applies after.
            var prefix = address.ToArray();
            using var it = _db.NewIterator(_storage);
            for (it.Seek(prefix); it.Valid() && it.Key().AsSpan().StartsWith(prefix); it.Next())
            {
                batch.Delete(it.Key(), _storage);
            }
        }
        foreach (var change in contracts.Storage)
        {
            var key = StorageTries.FlatKey(change.Address, change.Slot);
            if (change.Value.IsZero)
            {
                batch.Delete(key, _storage);
            }
            else
            {
                batch.Put(key, change.Value.ToBigEndian(), _storage);
            }
        }
        var byAddress = new Dictionary<Address, AccountState>(stateDiff.Count);
        foreach (var (address, account) in stateDiff)
        {
            byAddress[address] = account;
        }
        var roots = _storageTries.Apply(height, contracts,
            address => byAddress.TryGetValue(address, out var account) ? account.StorageRoot : GetAccount(address).StorageRoot, batch);
        foreach (var (address, root) in roots)
        {
            var account = byAddress.TryGetValue(address, out var changed) ? changed : GetAccount(address);
            if (!account.IsEmpty)
            {
                byAddress[address] = account with { StorageRoot = root };
            }
            else if (!root.IsZero)
            {
                throw new InvalidOperationException($"block {height} deletes account {address} but leaves storage behind");
            }
        }
        var merged = byAddress.ToList();
        merged.Sort((a, b) => a.Key.CompareTo(b.Key));
        return merged;
    }

    private List<StorageProof> ProveSlots(AccountState account, Address address, IReadOnlyList<UInt256>? slots, HistoricalRead? read)
    {
        var proofs = new List<StorageProof>(slots?.Count ?? 0);
        foreach (var slot in slots ?? [])
        {
            var (nodes, value) = _storageTries.GetProof(account.StorageRoot, address, slot, read);
            proofs.Add(new StorageProof(slot, value, nodes));
        }
        return proofs;
    }

    /// <summary>
    /// Compares the first <paramref name="limit"/> flat storage slots with their storage tries (under the storage root
    /// of the flat account, itself checked against the account trie). A difference means the store is corrupt.
    /// </summary>
    public long CheckStorageSample(string directory, int limit)
    {
        using var it = _db.NewIterator(_storage);
        var checkedCount = 0;
        for (it.SeekToFirst(); it.Valid() && checkedCount < limit; it.Next(), checkedCount++)
        {
            var key = it.Key();
            if (key.Length != Address.Size + UInt256.Size)
            {
                throw new StoreException($"the data dir {directory}: a flat storage key has {key.Length} bytes: it is corrupt");
            }
            var address = new Address(key.AsSpan(0, Address.Size));
            var slot = UInt256.ReadBigEndian(key.AsSpan(Address.Size));
            var flat = UInt256.ReadBigEndian(it.Value());
            var root = GetAccount(address).StorageRoot;
            var inTrie = _storageTries.ReadThroughTrie(root, address, slot, null);
            if (inTrie != flat)
            {
                throw new StoreException($"the data dir {directory}: storage slot {slot} of {address} is {flat} in the flat state but " +
                    $"{inTrie} in its storage trie: it is corrupt");
            }
        }
        return checkedCount;
    }
}
