using System.Buffers.Binary;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

/// <summary>
/// The state side of the store: flat accounts, flat storage slots and code (what every read uses, one get each), the
/// account trie with its journal, the storage tries with the history of their replaced nodes, and the state root of
/// every height (docs/storage.md, docs/state.md). Reads of the flat state are thread-safe; whatever changes the state or
/// walks the account trie runs under the chain store's commit lock.
/// </summary>
internal sealed partial class StateStore : IDisposable
{
    private readonly IKeyValueEngine _engine;
    private readonly CryptoSuite _suite;
    private readonly KeyValueFamily _metadata, _accounts, _storage, _code, _trieNodes, _trieHistory, _stateRoots, _stateJournal, _stateUndo;
    private readonly IStorageTries _storageTries;
    private IStateCommitment? _commitment;

    // The first height whose history (journal records, replaced storage-trie nodes) is kept; see TrackHistoryStart.
    private ulong _historyFrom = ulong.MaxValue;

    public StateStore(IKeyValueEngine engine, CryptoSuite suite, ulong proofWindow)
    {
        _engine = engine;
        _suite = suite;
        ProofWindow = proofWindow;
        _metadata = engine.GetFamily(ColumnFamilyNames.Metadata);
        _accounts = engine.GetFamily(ColumnFamilyNames.Accounts);
        _storage = engine.GetFamily(ColumnFamilyNames.Storage);
        _code = engine.GetFamily(ColumnFamilyNames.Code);
        _trieNodes = engine.GetFamily(ColumnFamilyNames.TrieNodes);
        _trieHistory = engine.GetFamily(ColumnFamilyNames.TrieHistory);
        _stateRoots = engine.GetFamily(ColumnFamilyNames.StateRoots);
        _stateJournal = engine.GetFamily(ColumnFamilyNames.StateJournal);
        _stateUndo = engine.GetFamily(ColumnFamilyNames.StateUndo);
        _storageTries = StorageTries.Create(suite, engine, _trieNodes, _trieHistory, proofWindow > 0);
    }

    /// <summary>How many heights below the head the account journal and the storage tries' replaced nodes are kept.</summary>
    public ulong ProofWindow { get; }

    /// <summary>The state root after the last applied block.</summary>
    public Hash32 Root => Commitment.Root;

    public CryptoSuite Suite => _suite;

    /// <summary>The account trie (for proofs and checks).</summary>
    public IStateCommitment Commitment => _commitment ?? throw new InvalidOperationException("the state is not open");

    /// <summary>The storage tries of the contracts (for proofs).</summary>
    public IStorageTries SlotTries => _storageTries;

    /// <summary>Whether the account trie was opened (it is not when the store was refused before).</summary>
    public bool IsOpen => _commitment is not null;

    /// <summary>
    /// Opens the account trie of a store whose head is <paramref name="head"/> (null: a new store, before its genesis),
    /// replaying the journal from its last flush. Throws <see cref="StoreException"/> when it does not match the store.
    /// </summary>
    public void Open(ulong? head) => _commitment = StateCommitment.Open(_suite, new(_engine, _trieNodes, _stateJournal, _metadata, _stateRoots), ProofWindow, head);

    public AccountState GetAccount(Address address)
    {
        Span<byte> key = stackalloc byte[Address.Size];
        address.WriteTo(key);
        var value = _engine.Get(_accounts, key);
        return value is null ? AccountState.Empty : FlatAccountCodec.Decode(value);
    }

    public byte[]? GetCode(Hash32 codeHash)
    {
        Span<byte> key = stackalloc byte[Hash32.Size];
        codeHash.WriteTo(key);
        return _engine.Get(_code, key);
    }

    public UInt256 GetStorage(Address address, UInt256 slot)
    {
        Span<byte> key = stackalloc byte[Address.Size + UInt256.Size];
        address.WriteTo(key);
        slot.WriteBigEndian(key[Address.Size..]);
        var value = _engine.Get(_storage, key);
        return value is null ? UInt256.Zero : UInt256.ReadBigEndian(value);
    }

    /// <summary>The state root after executing <paramref name="height"/>, or null if unknown.</summary>
    public Hash32? GetStateRoot(ulong height)
    {
        var root = _engine.Get(_stateRoots, StoreKeys.Height(height));
        return root is { Length: Hash32.Size } ? new Hash32(root) : null;
    }

    /// <summary>
    /// Adds the genesis state to <paramref name="batch"/>: the funded accounts of genesis.json, the code placed beside
    /// them, the account trie and the state root of height 0.
    /// </summary>
    public void AddGenesis(IKeyValueWriteBatch batch, GenesisFile genesis, IReadOnlyList<KeyValuePair<Address, byte[]>> genesisCode,
        IReadOnlyList<StorageChange> genesisStorage)
    {
        var byAddress = new Dictionary<Address, AccountState>();
        foreach (var account in genesis.Accounts)
        {
            byAddress[Address.Parse(account.Address)] = new AccountState(0, UInt256.Parse(account.Balance), Hash32.Zero);
        }
        foreach (var (address, code) in genesisCode)
        {
            var codeHash = _suite.Hash(code);
            batch.Put(_code, codeHash.ToArray(), code);
            byAddress[address] = (byAddress.TryGetValue(address, out var funded) ? funded : AccountState.Empty) with { CodeHash = codeHash };
        }
        if (genesisStorage.Count > 0)
        {
            // System contracts' initial storage (the consortium in the governance contract): written as a block's slots
            // would be, from empty storage tries, so that proofs of genesis slots work like any other.
            var sorted = genesisStorage.OrderBy(c => c.Address).ThenBy(c => c.Slot).ToList();
            foreach (var (address, root) in WriteContractState(0, new ContractStateDiff { Storage = sorted }, batch))
            {
                if (!byAddress.TryGetValue(address, out var account) || !account.HasCode)
                {
                    throw new StoreException($"genesis storage for {address}, which has no code: only system contracts start with storage");
                }
                byAddress[address] = account with { StorageRoot = root };
            }
        }
        var accounts = byAddress.ToList();
        accounts.Sort((a, b) => a.Key.CompareTo(b.Key));
        foreach (var (address, state) in accounts)
        {
            if (!state.IsEmpty)
            {
                batch.Put(_accounts, address.ToArray(), FlatAccountCodec.Encode(state));
            }
        }
        var stateRoot = Commitment.Apply(0, accounts, batch);
        batch.Put(_stateRoots, StoreKeys.Height(0), stateRoot.ToArray());
    }

    /// <summary>
    /// The first step of a block's state commit: adds its code, flat storage slots, storage-trie nodes and flat accounts
    /// to <paramref name="batch"/>, and returns the account diff the account trie takes (with the store's storage roots).
    /// Changes nothing in memory, so a failure here leaves the store usable.
    /// </summary>
    public StateChanges Prepare(IKeyValueWriteBatch batch, ulong height, IReadOnlyList<KeyValuePair<Address, AccountState>> stateDiff,
        ContractStateDiff? contracts)
    {
        // Within the window every block gets an undo record (empty without storage writes), so an in-place rollback can
        // tell a block whose record exists from one committed before records were kept.
        var undo = ProofWindow > 0 ? new List<SlotUndo>() : null;
        var storageRoots = contracts is { IsEmpty: false } ? WriteContractState(height, contracts, batch, undo) : [];
        if (undo is not null)
        {
            batch.Put(_stateUndo, StoreKeys.Height(height), SlotUndo.Encode(undo));
        }
        var diff = WithStoreStorageRoots(stateDiff, storageRoots, $"block {height}", out var committed);
        Span<byte> addressKey = stackalloc byte[Address.Size];
        foreach (var (address, account) in diff)
        {
            address.WriteTo(addressKey);
            if (account.IsEmpty)
            {
                // An empty account does not exist, in the flat state as in the trie.
                batch.Delete(_accounts, addressKey);
            }
            else
            {
                batch.Put(_accounts, addressKey, FlatAccountCodec.Encode(account));
            }
        }
        return new StateChanges(diff, committed);
    }

    /// <summary>
    /// The second step: applies the prepared diff to the account trie and adds the journal record, the trie nodes when a
    /// flush is due, the new state root and the pruning of history that left the window. From here on the in-memory
    /// trie holds the block, so a failure before the batch is on disk must stop the store.
    /// </summary>
    public Hash32 Apply(IKeyValueWriteBatch batch, ulong height, StateChanges changes)
    {
        // The accounts just read from the flat state spare the trie reading their leaves.
        var stateRoot = Commitment.Apply(height, changes.Diff, batch, changes.Committed);
        batch.Put(_stateRoots, StoreKeys.Height(height), stateRoot.ToArray());
        if (height > ProofWindow)
        {
            // History older than the window is no longer needed: one range tombstone per block.
            var expired = height - ProofWindow;
            batch.DeleteRange(_trieHistory, StoreKeys.Height(expired), StoreKeys.Height(expired + 1));
            batch.DeleteRange(_stateUndo, StoreKeys.Height(expired), StoreKeys.Height(expired + 1));
        }
        return stateRoot;
    }

    /// <summary>
    /// Writes the account trie's nodes changed since its last flush in a synced batch of their own, so that the next start
    /// has no journal to replay.
    /// </summary>
    public void Flush()
    {
        using var batch = _engine.CreateWriteBatch();
        Commitment.Flush(batch);
        if (batch.Count > 0)
        {
            _engine.Write(batch, sync: true);
        }
    }

    /// <summary>
    /// Records the first height whose history (journal records, replaced storage-trie nodes) is kept. History is
    /// continuous only while the window is on: after a run without it, proofs below the next height would read today's
    /// storage nodes, so the start moves up.
    /// </summary>
    public void TrackHistoryStart(ulong head)
    {
        var stored = _engine.Get(_metadata, StoreKeys.HistoryFrom);
        var storedWindow = _engine.Get(_metadata, StoreKeys.HistoryWindow);
        if (ProofWindow == 0)
        {
            // No history kept from now on: drop what there is, so nothing stale is ever served or left behind.
            using var batch = _engine.CreateWriteBatch();
            batch.DeleteRange(_trieHistory, StoreKeys.Height(0), StoreKeys.Height(head + 1));
            batch.DeleteRange(_stateUndo, StoreKeys.Height(0), StoreKeys.Height(head + 1));
            batch.Delete(_metadata, StoreKeys.HistoryFrom);
            batch.Delete(_metadata, StoreKeys.HistoryWindow);
            _engine.Write(batch, sync: true);
            _historyFrom = ulong.MaxValue;
            return;
        }
        var from = head + 1;
        if (stored is { Length: 8 } && storedWindow is { Length: 8 })
        {
            // Commits under the old window pruned records at or below head - old window.
            var oldWindow = BinaryPrimitives.ReadUInt64BigEndian(storedWindow);
            var pruned = head > oldWindow ? head - oldWindow + 1 : 0;
            from = Math.Max(BinaryPrimitives.ReadUInt64BigEndian(stored), pruned);
        }
        using (var batch = _engine.CreateWriteBatch())
        {
            if (head > ProofWindow)
            {
                // A smaller window than before: prune now what the new window no longer covers.
                batch.DeleteRange(_trieHistory, StoreKeys.Height(0), StoreKeys.Height(head - ProofWindow + 1));
                batch.DeleteRange(_stateUndo, StoreKeys.Height(0), StoreKeys.Height(head - ProofWindow + 1));
            }
            batch.Put(_metadata, StoreKeys.HistoryFrom, StoreKeys.Height(from));
            batch.Put(_metadata, StoreKeys.HistoryWindow, StoreKeys.Height(ProofWindow));
            _engine.Write(batch, sync: true);
        }
        _historyFrom = from;
    }

    /// <summary>
    /// Compares flat accounts with what the state trie holds for them: the first <paramref name="limit"/> accounts
    /// (all of them with int.MaxValue). A difference means the two were not committed together: the store is corrupt.
    /// <paramref name="where"/> names the store in the error.
    /// </summary>
    public long CheckAccounts(string where, int limit)
    {
        var checkedCount = 0;
        foreach (var (key, value) in _engine.Scan(_accounts, []))
        {
            if (checkedCount >= limit)
            {
                break;
            }
            var address = new Address(key);
            var flat = FlatAccountCodec.Decode(value);
            var inTrie = Commitment.ReadThroughTrie(address);
            if (inTrie != flat)
            {
                throw new StoreException($"{where}: account {address} is {flat} in the flat state but " +
                    $"{(inTrie is null ? "absent" : inTrie.ToString())} in the state trie: it is corrupt");
            }
            checkedCount++;
        }
        return checkedCount;
    }

    /// <summary>
    /// Compares the first <paramref name="limit"/> flat storage slots with their storage tries (under the storage root
    /// of the flat account, itself checked against the account trie). A difference means the store is corrupt.
    /// </summary>
    public long CheckStorage(string where, int limit)
    {
        var checkedCount = 0;
        foreach (var (key, value) in _engine.Scan(_storage, []))
        {
            if (checkedCount >= limit)
            {
                break;
            }
            if (key.Length != Address.Size + UInt256.Size)
            {
                throw new StoreException($"{where}: a flat storage key has {key.Length} bytes: it is corrupt");
            }
            var address = new Address(key.AsSpan(0, Address.Size));
            var slot = UInt256.ReadBigEndian(key.AsSpan(Address.Size));
            var flat = UInt256.ReadBigEndian(value);
            var root = GetAccount(address).StorageRoot;
            var inTrie = _storageTries.ReadThroughTrie(root, address, slot, null);
            if (inTrie != flat)
            {
                throw new StoreException($"{where}: storage slot {slot} of {address} is {flat} in the flat state but " +
                    $"{inTrie} in its storage trie: it is corrupt");
            }
            checkedCount++;
        }
        return checkedCount;
    }

    public void Dispose() => _commitment?.Dispose();
}

/// <summary>A block's account diff as the account trie takes it, and the committed accounts read on the way (hints for the trie).</summary>
internal sealed record StateChanges(List<KeyValuePair<Address, AccountState>> Diff, Dictionary<Address, AccountState> Committed);
