using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

// The account diff as it enters the state: contract state first (code, flat slots, storage tries), then every changed
// account with the storage root the store computed for it; and the same rule for roots over pending blocks.
internal sealed partial class StateStore
{
    /// <summary>
    /// The state root that committing <paramref name="layers"/> (account and contract diffs of blocks not yet committed,
    /// oldest first) on top of the head would give, computed without writing anything: what a leader puts in a header
    /// whose parent is still pending in consensus.
    /// </summary>
    public Hash32 ComputeRoot(IReadOnlyList<(IReadOnlyList<KeyValuePair<Address, AccountState>> Accounts, ContractStateDiff Contracts)> layers)
    {
        var accounts = new Dictionary<Address, AccountState>();
        var slots = new Dictionary<(Address, UInt256), UInt256>();
        var cleared = new HashSet<Address>();
        foreach (var (layerAccounts, contracts) in layers)
        {
            foreach (var address in contracts.ClearedStorage)
            {
                // A wipe discards what earlier layers wrote to the account's storage.
                cleared.Add(address);
                foreach (var key in slots.Keys.Where(k => k.Item1 == address).ToList())
                {
                    slots.Remove(key);
                }
            }
            foreach (var change in contracts.Storage)
            {
                slots[(change.Address, change.Slot)] = change.Value;
            }
            foreach (var (address, account) in layerAccounts)
            {
                accounts[address] = account;
            }
        }
        IReadOnlyList<KeyValuePair<Address, Hash32>> storageRoots = [];
        if (slots.Count > 0 || cleared.Count > 0)
        {
            var storage = slots.Select(kv => new StorageChange(kv.Key.Item1, kv.Key.Item2, kv.Value)).ToList();
            storage.Sort((a, b) => a.Address != b.Address ? a.Address.CompareTo(b.Address) : a.Slot.CompareTo(b.Slot));
            var clearedList = cleared.ToList();
            clearedList.Sort();
            var merged = new ContractStateDiff { ClearedStorage = clearedList, Storage = storage };
            storageRoots = _storageTries.ComputeRoots(merged, address => GetAccount(address).StorageRoot);
        }
        // The same rule as Commit: storage roots are the store's, never the layers'.
        var diff = WithStoreStorageRoots(accounts, storageRoots, "a pending block");
        return Commitment.ComputeRoot([diff]);
    }

    /// <summary>
    /// Adds code, flat slots and storage-trie nodes to the block's batch, and returns the new storage root of every
    /// account whose storage changed, each trie updated from the account's committed root.
    /// </summary>
    private IReadOnlyList<KeyValuePair<Address, Hash32>> WriteContractState(ulong height, ContractStateDiff contracts, IKeyValueWriteBatch batch,
        List<SlotUndo>? undo = null)
    {
        foreach (var (hash, code) in contracts.Code)
        {
            batch.Put(_code, hash.ToArray(), code);
        }
        var recorded = undo is null ? null : new HashSet<(Address, UInt256)>();
        foreach (var address in contracts.ClearedStorage)
        {
            // Flat slots of a wiped account go before the block's own writes to it, which the batch applies after.
            foreach (var (key, value) in _engine.Scan(_storage, address.ToArray()))
            {
                batch.Delete(_storage, key);
                if (undo is not null && recorded!.Add(SlotUndo.Id(key)))
                {
                    undo.Add(new SlotUndo(key, value));
                }
            }
        }
        if (undo is not null)
        {
            // The values the block's writes replace, read in one batched lookup (the undo record an in-place rollback uses).
            var keys = new List<byte[]>(contracts.Storage.Count);
            foreach (var change in contracts.Storage)
            {
                var key = StorageTries.FlatKey(change.Address, change.Slot);
                if (recorded!.Add(SlotUndo.Id(key)))
                {
                    keys.Add(key);
                }
            }
            var previous = new byte[]?[keys.Count];
            _engine.MultiGet(_storage, [.. keys], previous);
            for (var i = 0; i < keys.Count; i++)
            {
                undo.Add(new SlotUndo(keys[i], previous[i]));
            }
        }
        foreach (var change in contracts.Storage)
        {
            var key = StorageTries.FlatKey(change.Address, change.Slot);
            if (change.Value.IsZero)
            {
                batch.Delete(_storage, key);
            }
            else
            {
                batch.Put(_storage, key, change.Value.ToBigEndian());
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
        var values = new byte[]?[keys.Length];
        _engine.MultiGet(_accounts, keys, values);
        var accounts = new Dictionary<Address, AccountState>(addresses.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            accounts[addresses[i]] = values[i] is { } value ? FlatAccountCodec.Decode(value) : AccountState.Empty;
        }
        return accounts;
    }
}
