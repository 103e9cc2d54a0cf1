using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// What a block has changed so far (accounts, storage slots, new code), layered over committed state, and the EVM's
/// <see cref="IWorldState"/> over it: every change made through the EVM interface is journaled, so a reverted frame
/// or transaction rolls back exactly its part. Native transfers use <see cref="Get"/>/<see cref="Set"/> between
/// transactions. The diff is handed out sorted, so what is committed never depends on hash-table order.
/// </summary>
public sealed class StateOverlay : IWorldState
{
    private static readonly Hash32 KeccakOfEmpty = Hash32.Parse("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

    /// <summary>An account's current fields in the block. Exists distinguishes "created but empty" inside a transaction.</summary>
    private record struct Entry(AccountState State, bool Exists, bool StorageCleared, bool Dirty);

    private enum UndoKind : byte { Account, Slot }

    private readonly record struct Undo(UndoKind Kind, Address Address, UInt256 Slot, Entry? PreviousEntry, UInt256? PreviousSlot);

    private readonly IStateReader _committed;
    private readonly CodeCache _codes;
    private readonly Dictionary<Address, Entry> _accounts = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _slots = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _originalInTx = [];
    private readonly Dictionary<Hash32, byte[]> _newCode = [];
    private readonly List<Undo> _journal = [];

    public StateOverlay(IStateReader committed, CodeCache codes)
    {
        _committed = committed;
        _codes = codes;
    }

    public AccountState Get(Address address) => Load(address).State;

    /// <summary>The overlay as a read port: the block's state as it stands, for checks that also run on committed state.</summary>
    public IStateReader AsReader => _reader ??= new Reader(this);

    private Reader? _reader;

    private sealed class Reader(StateOverlay overlay) : IStateReader
    {
        public AccountState GetAccount(Address address) => overlay.Get(address);

        public byte[]? GetCode(Hash32 codeHash) => overlay._newCode.TryGetValue(codeHash, out var code) ? code : overlay._committed.GetCode(codeHash);

        public UInt256 GetStorage(Address address, UInt256 slot) => overlay.GetStorage(address, slot);
    }

    /// <summary>Sets an account outside the EVM (native transfers, fees): not journaled.</summary>
    public void Set(Address address, AccountState account)
    {
        var entry = Load(address);
        _accounts[address] = entry with { State = account with { StorageRoot = entry.State.StorageRoot }, Exists = !account.IsEmpty, Dirty = true };
    }

    private Entry Load(in Address address)
    {
        if (_accounts.TryGetValue(address, out var entry))
        {
            return entry;
        }
        var state = _committed.GetAccount(address);
        entry = new Entry(state, !state.IsEmpty, false, false);
        _accounts[address] = entry;
        return entry;
    }

    private void Update(in Address address, Entry entry)
    {
        _journal.Add(new Undo(UndoKind.Account, address, default, Load(address), null));
        _accounts[address] = entry with { Dirty = true };
    }

    public bool AccountExists(in Address address) => Load(address).Exists;

    public UInt256 GetBalance(in Address address) => Load(address).State.Balance;

    public void SetBalance(in Address address, in UInt256 balance)
    {
        var entry = Load(address);
        Update(address, entry with { State = entry.State with { Balance = balance }, Exists = true });
    }

    public ulong GetNonce(in Address address) => Load(address).State.Nonce;

    public void SetNonce(in Address address, ulong nonce)
    {
        var entry = Load(address);
        Update(address, entry with { State = entry.State with { Nonce = nonce }, Exists = true });
    }

    public byte[] GetCode(in Address address)
    {
        var hash = Load(address).State.CodeHash;
        if (hash.IsZero)
        {
            return [];
        }
        if (_newCode.TryGetValue(hash, out var code))
        {
            return code;
        }
        return _codes.Get(hash, _committed)
            ?? throw new InvalidOperationException($"the code {hash} of {address} is missing from the state: the store is corrupt");
    }

    public Hash32 GetCodeHash(in Address address)
    {
        var entry = Load(address);
        if (!entry.Exists)
        {
            return Hash32.Zero;
        }
        return entry.State.CodeHash.IsZero ? KeccakOfEmpty : _codes.Keccak(entry.State.CodeHash, GetCode(address));
    }

    public void SetCode(in Address address, byte[] code)
    {
        var entry = Load(address);
        var hash = code.Length == 0 ? Hash32.Zero : _codes.SuiteHash(code);
        if (!hash.IsZero && !_newCode.ContainsKey(hash) && _codes.Get(hash, _committed) is null)
        {
            // Not journaled: the diff only carries code that an account still refers to at the end of the block.
            _newCode[hash] = code;
        }
        Update(address, entry with { State = entry.State with { CodeHash = hash }, Exists = true });
    }

    public UInt256 GetStorage(in Address address, in UInt256 key)
    {
        if (_slots.TryGetValue((address, key), out var value))
        {
            return value;
        }
        return Load(address).StorageCleared ? UInt256.Zero : _committed.GetStorage(address, key);
    }

    public UInt256 GetCommittedStorage(in Address address, in UInt256 key) =>
        _originalInTx.TryGetValue((address, key), out var original) ? original : GetStorage(address, key);

    public void SetStorage(in Address address, in UInt256 key, in UInt256 value)
    {
        var slotKey = (address, key);
        var current = GetStorage(address, key);
        _originalInTx.TryAdd(slotKey, current);
        _journal.Add(new Undo(UndoKind.Slot, address, key, null, _slots.TryGetValue(slotKey, out var previous) ? previous : null));
        _slots[slotKey] = value;
        var entry = Load(address);
        if (!entry.Dirty)
        {
            // The account joins the diff: Storage gives it its new storage root.
            Update(address, entry);
        }
    }

    public bool HasStorage(in Address address)
    {
        var entry = Load(address);
        foreach (var ((a, _), value) in _slots)
        {
            if (a == address && !value.IsZero)
            {
                return true;
            }
        }
        return !entry.StorageCleared && !entry.State.StorageRoot.IsZero;
    }

    public void CreateAccount(in Address address)
    {
        var entry = Load(address);
        ClearSlots(address);
        Update(address, new Entry(new AccountState(0, entry.State.Balance, Hash32.Zero, entry.State.StorageRoot), true,
            StorageCleared: true, Dirty: true));
    }

    public void DeleteAccount(in Address address)
    {
        var entry = Load(address);
        ClearSlots(address);
        Update(address, new Entry(AccountState.Empty with { StorageRoot = entry.State.StorageRoot }, false, StorageCleared: true, Dirty: true));
    }

    /// <summary>Drops the block's writes to the account's slots (journaled), keeping their originals for EIP-2200.</summary>
    private void ClearSlots(in Address address)
    {
        List<(Address, UInt256)>? keys = null;
        foreach (var key in _slots.Keys)
        {
            if (key.Item1 == address)
            {
                (keys ??= []).Add(key);
            }
        }
        foreach (var key in keys ?? [])
        {
            _originalInTx.TryAdd(key, _slots[key]);
            _journal.Add(new Undo(UndoKind.Slot, key.Item1, key.Item2, null, _slots[key]));
            _slots.Remove(key);
        }
    }

    public int TakeSnapshot() => _journal.Count;

    public void RevertToSnapshot(int snapshot)
    {
        for (var i = _journal.Count - 1; i >= snapshot; i--)
        {
            var undo = _journal[i];
            if (undo.Kind == UndoKind.Account)
            {
                _accounts[undo.Address] = undo.PreviousEntry!.Value;
            }
            else if (undo.PreviousSlot is { } previous)
            {
                _slots[(undo.Address, undo.Slot)] = previous;
            }
            else
            {
                _slots.Remove((undo.Address, undo.Slot));
            }
        }
        _journal.RemoveRange(snapshot, _journal.Count - snapshot);
    }

    public void CommitTransaction()
    {
        _journal.Clear();
        _originalInTx.Clear();
    }

    /// <summary>Changed accounts in address order; an account that ends empty is deleted (AccountState.Empty).</summary>
    public IReadOnlyList<KeyValuePair<Address, AccountState>> ToSortedDiff()
    {
        var diff = new List<KeyValuePair<Address, AccountState>>();
        foreach (var (address, entry) in _accounts)
        {
            if (!entry.Dirty)
            {
                continue;
            }
            var committed = _committed.GetAccount(address);
            if (!entry.Exists || entry.State.IsEmpty)
            {
                if (!committed.IsEmpty)
                {
                    diff.Add(new(address, AccountState.Empty));
                }
                continue;
            }
            diff.Add(new(address, entry.State with { StorageRoot = committed.StorageRoot }));
        }
        diff.Sort((a, b) => a.Key.CompareTo(b.Key));
        return diff;
    }

    /// <summary>Storage writes, wiped accounts and new code of the block, sorted.</summary>
    public ContractStateDiff ToContractDiff()
    {
        var cleared = new List<Address>();
        foreach (var (address, entry) in _accounts)
        {
            if (entry.StorageCleared && !entry.State.StorageRoot.IsZero)
            {
                cleared.Add(address);
            }
        }
        cleared.Sort();
        var slots = new List<StorageChange>(_slots.Count);
        foreach (var ((address, slot), value) in _slots)
        {
            var entry = _accounts[address];
            // A write equal to what is committed changes nothing; deleted accounts keep no storage.
            if (!entry.Exists || entry.State.IsEmpty)
            {
                continue;
            }
            if (!entry.StorageCleared && value == _committed.GetStorage(address, slot))
            {
                continue;
            }
            if (entry.StorageCleared && value.IsZero)
            {
                continue;
            }
            slots.Add(new StorageChange(address, slot, value));
        }
        slots.Sort((a, b) => a.Address != b.Address ? a.Address.CompareTo(b.Address) : a.Slot.CompareTo(b.Slot));
        var used = new HashSet<Hash32>();
        foreach (var entry in _accounts.Values)
        {
            if (entry.Dirty && entry.Exists && !entry.State.CodeHash.IsZero)
            {
                used.Add(entry.State.CodeHash);
            }
        }
        var code = new List<KeyValuePair<Hash32, byte[]>>();
        foreach (var (hash, bytes) in _newCode)
        {
            if (used.Contains(hash))
            {
                code.Add(new(hash, bytes));
            }
        }
        code.Sort((a, b) => a.Key.CompareTo(b.Key));
        return new ContractStateDiff { ClearedStorage = cleared, Storage = slots, Code = code };
    }
}
