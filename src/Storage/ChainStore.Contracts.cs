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
    /// Adds code, flat slots and storage-trie nodes to the block's batch, and returns the new storage root of every
    /// account whose storage changed, each trie updated from the account's committed root.
    /// </summary>
    private IReadOnlyList<KeyValuePair<Address, Hash32>> WriteContractState(ulong height, ContractStateDiff contracts, WriteBatch batch)
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
        return _storageTries.Apply(height, contracts, address => GetAccount(address).StorageRoot, batch);
    }

    /// <summary>
    /// The account diff as it enters the state, sorted by address. The store owns storage roots: an account carries
    /// the root the store computed for its storage trie (<paramref name="storageRoots"/>) when the block changed its
    /// storage, else its committed root; whatever root the executor left in <paramref name="diff"/> is ignored, so a
    /// stale one (a diff computed over pending blocks) cannot reach the state. Accounts changed only in storage join
    /// the diff. Throws when a deleted account would keep storage (execution must wipe it).
    /// </summary>
    private List<KeyValuePair<Address, AccountState>> WithStoreStorageRoots(
        IEnumerable<KeyValuePair<Address, AccountState>> diff, IReadOnlyList<KeyValuePair<Address, Hash32>> storageRoots, string what) =>
        WithStoreStorageRoots(diff, storageRoots, what, out _);

    /// <summary>As above; <paramref name="committed"/> receives the committed accounts it read on the way.</summary>
    private List<KeyValuePair<Address, AccountState>> WithStoreStorageRoots(IEnumerable<KeyValuePair<Address, AccountState>> diff,
        IReadOnlyList<KeyValuePair<Address, Hash32>> storageRoots, string what, out Dictionary<Address, AccountState> committed)
    {
        var accounts = new Dictionary<Address, AccountState>(diff is ICollection<KeyValuePair<Address, AccountState>> c ? c.Count : 0);
        foreach (var (address, account) in diff)
        {
            accounts[address] = account;
        }
        var computed = new Dictionary<Address, Hash32>(storageRoots.Count);
        foreach (var (address, root) in storageRoots)
        {
            computed[address] = root;
        }
        // The committed account is needed for the root of an account whose storage did not change, and for an account
        // the diff does not carry: read in batched lookups.
        var toRead = new List<Address>(accounts.Count + computed.Count);
        foreach (var address in accounts.Keys)
        {
            if (!computed.ContainsKey(address))
            {
                toRead.Add(address);
            }
        }
        foreach (var address in computed.Keys)
        {
            if (!accounts.ContainsKey(address))
            {
                toRead.Add(address);
            }
        }
        committed = GetAccounts(toRead);
        var result = new List<KeyValuePair<Address, AccountState>>(accounts.Count + computed.Count);
        foreach (var (address, account) in accounts)
        {
            var hasNewRoot = computed.TryGetValue(address, out var root);
            if (!account.IsEmpty)
            {
                result.Add(new(address, account with { StorageRoot = hasNewRoot ? root : committed[address].StorageRoot }));
            }
            else if (hasNewRoot && !root.IsZero)
            {
                throw new InvalidOperationException($"{what} deletes account {address} but leaves storage behind");
            }
            else if (hasNewRoot || !committed[address].IsEmpty)
            {
                // Deleted (an empty account does not exist); one that was not there and is not now stays out.
                result.Add(new(address, AccountState.Empty));
            }
        }
        foreach (var (address, root) in computed)
        {
            if (accounts.ContainsKey(address))
            {
                continue;
            }
            // Changed only in storage: the committed account with its new root (none exists when it is empty).
            var account = committed[address];
            if (!account.IsEmpty)
            {
                result.Add(new(address, account with { StorageRoot = root }));
            }
            else if (!root.IsZero)
            {
                throw new InvalidOperationException($"{what} leaves storage to account {address}, which does not exist");
            }
        }
        result.Sort((x, y) => x.Key.CompareTo(y.Key));
        return result;
    }

    /// <summary>Committed flat accounts, read in batched MultiGet calls (an absent account reads as empty).</summary>
    private Dictionary<Address, AccountState> GetAccounts(List<Address> addresses)
    {
        var keys = new byte[addresses.Count][];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = addresses[i].ToArray();
        }
        var values = MultiGet(_accounts, keys);
        var accounts = new Dictionary<Address, AccountState>(addresses.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            accounts[addresses[i]] = values[i] is { } value ? DecodeAccount(value) : AccountState.Empty;
        }
        return accounts;
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
