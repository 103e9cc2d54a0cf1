using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using RocksDbSharp;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// The node's RocksDB database: blocks with their certificates, the transaction index, receipts, flat
/// account state and metadata. Each block commits in one synced write batch, so after a crash at any
/// moment the store reopens at its last committed block. See docs/storage.md for the layout.
/// </summary>
public sealed partial class ChainStore : IStateReader, IBlockReader, IDisposable
{
    public const int SchemaVersion = 4;

    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle _metadata, _blocks, _certificates, _blockHashes, _txIndex, _receipts, _accounts, _trieNodes, _stateRoots, _trieHistory, _storage, _code, _stateJournal;
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private readonly CryptoSuite _suite;
    private readonly object _commitLock = new();
    private volatile HeadInfo _head;
    private IStateCommitment _state = null!;
    private IStorageTries _storageTries = null!;

    // Set when a commit's write failed: the in-memory trie is then ahead of the disk, so nothing more is served or
    // committed from this instance; a restart reopens from what is on disk.
    private volatile bool _failed;

    private sealed record HeadInfo(ulong Height, Hash32 Hash);

    private ChainStore(RocksDb db, CryptoSuite suite)
    {
        _db = db;
        _suite = suite;
        _metadata = db.GetColumnFamily(ColumnFamilyNames.Metadata);
        _blocks = db.GetColumnFamily(ColumnFamilyNames.Blocks);
        _certificates = db.GetColumnFamily(ColumnFamilyNames.Certificates);
        _blockHashes = db.GetColumnFamily(ColumnFamilyNames.BlockHashes);
        _txIndex = db.GetColumnFamily(ColumnFamilyNames.TxIndex);
        _receipts = db.GetColumnFamily(ColumnFamilyNames.Receipts);
        _accounts = db.GetColumnFamily(ColumnFamilyNames.Accounts);
        _trieNodes = db.GetColumnFamily(ColumnFamilyNames.TrieNodes);
        _stateRoots = db.GetColumnFamily(ColumnFamilyNames.StateRoots);
        _trieHistory = db.GetColumnFamily(ColumnFamilyNames.TrieHistory);
        _storage = db.GetColumnFamily(ColumnFamilyNames.Storage);
        _code = db.GetColumnFamily(ColumnFamilyNames.Code);
        _stateJournal = db.GetColumnFamily(ColumnFamilyNames.StateJournal);
        _head = new HeadInfo(0, Hash32.Zero);
    }

    public string ChainId { get; private set; } = "";

    public Hash32 GenesisHash { get; private set; }

    public ulong HeadHeight => _head.Height;

    /// <summary>
    /// How many heights below the head account proofs are served for (the account journal and the storage tries'
    /// replaced nodes are kept that long).
    /// </summary>
    public ulong ProofWindow { get; private init; }

    /// <summary>The state root after executing the head block (after genesis at height 0).</summary>
    public Hash32 StateRoot => _state.Root;

    public Hash32 HeadHash => _head.Hash;

    /// <summary>
    /// Opens the store in <paramref name="directory"/>, initialising it from genesis when it is new.
    /// Throws <see cref="StoreException"/> when it is corrupt or belongs to another chain.
    /// </summary>
    /// <param name="genesisCode">Code placed in the genesis state beside genesis.json's accounts (system contracts).</param>
    public static ChainStore Open(string directory, GenesisFile genesis, StateCheck stateCheck = StateCheck.Sampled, ulong proofWindow = 0,
        IReadOnlyList<KeyValuePair<Address, byte[]>>? genesisCode = null)
    {
        var isNew = !Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any();
        if (!isNew && !File.Exists(Path.Combine(directory, "CURRENT")))
        {
            throw new StoreException($"{directory} is not empty and is not a ShanghaiChain data dir (no RocksDB CURRENT file); refusing to touch it");
        }
        Directory.CreateDirectory(directory);
        var options = CreateDbOptions(isNew);
        var families = CreateColumnFamilies();
        RocksDb db;
        try
        {
            db = RocksDb.Open(options, directory, families);
        }
        catch (RocksDbException ex) when (ex.Message.Contains("column family", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException($"the data dir {directory} was written by an incompatible version of the node ({ex.Message}); " +
                $"this node reads schema version {SchemaVersion}", ex);
        }
        catch (RocksDbException ex) when (ex.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException($"the data dir {directory} is in use by another process (is a node already running with this home?)", ex);
        }
        catch (RocksDbException ex)
        {
            throw new StoreException($"cannot open the data dir {directory}: it is corrupt or incomplete ({ex.Message}). " +
                "Restore it from a backup or remove it to resync; the node will not reset it by itself.", ex);
        }
        var store = new ChainStore(db, genesis.Suite) { ProofWindow = proofWindow };
        try
        {
            store.Initialise(genesis, directory, stateCheck, genesisCode ?? []);
        }
        catch
        {
            // A refused store is left exactly as found: no flush of a trie that failed its checks, no journal pruned.
            store.CloseWithoutFlush();
            throw;
        }
        return store;
    }

    private void Initialise(GenesisFile genesis, string directory, StateCheck stateCheck, IReadOnlyList<KeyValuePair<Address, byte[]>> genesisCode)
    {
        var genesisHash = genesis.ComputeHash();
        _storageTries = StorageTries.Create(_suite, _db, _trieNodes, _trieHistory, ProofWindow > 0);
        var schema = _db.Get(StoreKeys.SchemaVersion, _metadata);
        if (schema is null)
        {
            if (!IsEmpty())
            {
                throw new StoreException($"the data dir {directory} holds data but no metadata: it is corrupt");
            }
            _state = StateCommitment.Open(_suite, StateFamilies, ProofWindow, head: null);
            WriteGenesis(genesis, genesisHash, genesisCode);
            schema = _db.Get(StoreKeys.SchemaVersion, _metadata)!;
        }
        if (schema.Length != 4 || BinaryPrimitives.ReadInt32BigEndian(schema) != SchemaVersion)
        {
            throw new StoreException($"the data dir {directory} has an unknown schema version; this node reads version {SchemaVersion}");
        }
        var chainId = Encoding.UTF8.GetString(_db.Get(StoreKeys.ChainId, _metadata) ?? []);
        var storedGenesis = _db.Get(StoreKeys.GenesisHash, _metadata);
        if (chainId != genesis.ChainId || storedGenesis is null || !Hash32.TryRead(storedGenesis, out var storedHash) || storedHash != genesisHash)
        {
            throw new StoreException($"the data dir {directory} belongs to chain '{chainId}' with another genesis " +
                $"(stored {(storedGenesis is null ? "none" : Hex.Encode(storedGenesis))}), not '{genesis.ChainId}' ({genesisHash}); refusing to open it");
        }
        ChainId = chainId;
        GenesisHash = genesisHash;
        _head = LoadAndCheckHead(directory);
        if (_db.Get(StoreKeys.Height(_head.Height), _stateRoots) is not { Length: Hash32.Size })
        {
            throw new StoreException($"the data dir {directory} has no state root for head {_head.Height}: it is corrupt");
        }
        try
        {
            _state ??= StateCommitment.Open(_suite, StateFamilies, ProofWindow, _head.Height);
        }
        catch (StoreException ex)
        {
            throw new StoreException($"the data dir {directory}: {ex.Message}", ex);
        }
        TrackHistoryStart();
        if (stateCheck == StateCheck.Full)
        {
            CheckStateFull(directory);
        }
        else
        {
            CheckStateSample(directory, SampledAccounts);
            CheckStorageSample(directory, SampledSlots);
        }
    }

    /// <summary>
    /// Compares every flat account with the trie and the number of accounts on both sides, so that an account
    /// missing from the flat state is found too (it would otherwise read as empty).
    /// </summary>
    public void CheckStateFull(string directory)
    {
        // The walk loads the whole account trie, which commits change: not while one runs, nor on a failed store.
        lock (_commitLock)
        {
            ThrowIfFailed();
            var flat = CheckStateSample(directory, int.MaxValue);
            CheckStorageSample(directory, int.MaxValue);
            var inTrie = _state.CountAccounts();
            if (flat != inTrie)
            {
                throw new StoreException($"the data dir {directory}: the flat state holds {flat} accounts, the state trie {inTrie}: it is corrupt");
            }
        }
    }

    /// <summary>
    /// Records the first height whose history (journal records, replaced storage-trie nodes) is kept. History is
    /// continuous only while the window is on: after a run without it, proofs below the next height would read today's
    /// storage nodes, so the start moves up.
    /// </summary>
    private void TrackHistoryStart()
    {
        var head = _head.Height;
        var stored = _db.Get(StoreKeys.HistoryFrom, _metadata);
        var storedWindow = _db.Get(StoreKeys.HistoryWindow, _metadata);
        if (ProofWindow == 0)
        {
            // No history kept from now on: drop what there is, so nothing stale is ever served or left behind.
            using var batch = new WriteBatch();
            batch.DeleteRange(StoreKeys.Height(0), 8, StoreKeys.Height(head + 1), 8, _trieHistory);
            batch.Delete(StoreKeys.HistoryFrom, _metadata);
            batch.Delete(StoreKeys.HistoryWindow, _metadata);
            _db.Write(batch, _syncWrite);
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
        using (var batch = new WriteBatch())
        {
            if (head > ProofWindow)
            {
                // A smaller window than before: prune now what the new window no longer covers.
                batch.DeleteRange(StoreKeys.Height(0), 8, StoreKeys.Height(head - ProofWindow + 1), 8, _trieHistory);
            }
            batch.Put(StoreKeys.HistoryFrom, StoreKeys.Height(from), _metadata);
            batch.Put(StoreKeys.HistoryWindow, StoreKeys.Height(ProofWindow), _metadata);
            _db.Write(batch, _syncWrite);
        }
        _historyFrom = from;
    }

    private ulong _historyFrom = ulong.MaxValue;

    /// <summary>How many flat accounts the startup check compares with the trie.</summary>
    public const int SampledAccounts = 256;

    /// <summary>
    /// Compares flat accounts with what the state trie holds for them: the first <paramref name="limit"/> accounts
    /// (all of them with int.MaxValue). A difference means the two were not committed together: the store is corrupt.
    /// </summary>
    public long CheckStateSample(string directory, int limit)
    {
        using var it = _db.NewIterator(_accounts);
        var checkedCount = 0;
        for (it.SeekToFirst(); it.Valid() && checkedCount < limit; it.Next(), checkedCount++)
        {
            var address = new Address(it.Key());
            var flat = DecodeAccount(it.Value());
            var inTrie = _state.ReadThroughTrie(address);
            if (inTrie != flat)
            {
                throw new StoreException($"the data dir {directory}: account {address} is {flat} in the flat state but " +
                    $"{(inTrie is null ? "absent" : inTrie.ToString())} in the state trie: it is corrupt");
            }
        }
        return checkedCount;
    }

    /// <summary>The state root after executing <paramref name="height"/>, or null if unknown.</summary>
    public Hash32? GetStateRoot(ulong height)
    {
        var root = _db.Get(StoreKeys.Height(height), _stateRoots);
        return root is { Length: Hash32.Size } ? new Hash32(root) : null;
    }

    /// <summary>
    /// Trie nodes proving the account's value (or absence) under the state root after <paramref name="height"/>
    /// (null: the head), which must lie within <see cref="ProofWindow"/> of the head; null when it does not.
    /// </summary>
    public AccountProof? GetAccountProof(Address address, ulong? height, IReadOnlyList<UInt256>? slots = null)
    {
        if (height is not { } h)
        {
            return GetAccountProof(address, slots);
        }
        Snapshot snapshot;
        Snapshot? rebuildSnapshot = null;
        IHistoricalState? state;
        ulong head;
        Hash32 root;
        lock (_commitLock)
        {
            ThrowIfFailed();
            head = _head.Height;
            if (h == head)
            {
                // Decided under the lock: a commit in between would otherwise turn this into a proof at the next height.
                return GetAccountProof(address, slots);
            }
            if (h > head || head - h > ProofWindow || h + 1 < _historyFrom || GetStateRoot(h) is not { } stored)
            {
                return null;
            }
            root = stored;
            // The work happens outside the lock, so a slow historical proof never holds up commits, on snapshots taken
            // now: what the window check just found cannot be pruned under it. One for the storage tries (released
            // here), one for rebuilding the account trie when it is not rebuilt already (owned by the rebuilt trie).
            snapshot = _db.CreateSnapshot();
            state = _state.TryLeaseHistorical(h, root);
            if (state is null)
            {
                rebuildSnapshot = _db.CreateSnapshot();
            }
        }
        using (snapshot)
        {
            try
            {
                using var account = state ?? _state.LeaseHistorical(h, root, rebuildSnapshot!);
                var read = new HistoricalRead(h, head, new ReadOptions().SetSnapshot(snapshot));
                var (nodes, leaf) = account.Prove(address);
                var decoded = leaf is null ? AccountState.Empty : StateCommitment.DecodeLeaf(_suite, leaf);
                return new AccountProof(h, root, nodes, leaf, decoded) { Storage = ProveSlots(decoded, address, slots, read) };
            }
            catch (TrieException)
            {
                // The state of that height can no longer be rebuilt: not available, never a wrong proof.
                return null;
            }
        }
    }

    /// <summary>Trie nodes proving the account's value (or absence) at the head, with the head's height and state root.</summary>
    public AccountProof GetAccountProof(Address address, IReadOnlyList<UInt256>? slots = null)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            // One walk for the leaf (loading what is not cached) and one for the proof over the now-loaded path;
            // the account is the leaf's decoding, not a third walk.
            var leaf = _state.GetLeaf(address);
            var account = leaf is null ? AccountState.Empty : StateCommitment.DecodeLeaf(_suite, leaf);
            return new AccountProof(_head.Height, _state.Root, _state.GetProof(address), leaf, account)
            {
                Storage = ProveSlots(account, address, slots, null),
            };
        }
    }

    private bool IsEmpty()
    {
        foreach (var name in ColumnFamilyNames.All)
        {
            using var it = _db.NewIterator(_db.GetColumnFamily(name));
            it.SeekToFirst();
            if (it.Valid())
            {
                return false;
            }
        }
        return true;
    }

    private void WriteGenesis(GenesisFile genesis, Hash32 genesisHash, IReadOnlyList<KeyValuePair<Address, byte[]>> genesisCode)
    {
        using var batch = new WriteBatch();
        var byAddress = new Dictionary<Address, AccountState>();
        foreach (var account in genesis.Accounts)
        {
            byAddress[Address.Parse(account.Address)] = new AccountState(0, UInt256.Parse(account.Balance), Hash32.Zero);
        }
        foreach (var (address, code) in genesisCode)
        {
            var codeHash = _suite.Hash(code);
            batch.Put(codeHash.ToArray(), code, _code);
            byAddress[address] = (byAddress.TryGetValue(address, out var funded) ? funded : AccountState.Empty) with { CodeHash = codeHash };
        }
        var accounts = byAddress.ToList();
        accounts.Sort((a, b) => a.Key.CompareTo(b.Key));
        foreach (var (address, state) in accounts)
        {
            if (!state.IsEmpty)
            {
                batch.Put(address.ToArray(), EncodeAccount(state), _accounts);
            }
        }
        var stateRoot = _state.Apply(0, accounts, batch);
        batch.Put(StoreKeys.Height(0), stateRoot.ToArray(), _stateRoots);
        var schema = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(schema, SchemaVersion);
        batch.Put(StoreKeys.SchemaVersion, schema, _metadata);
        batch.Put(StoreKeys.ChainId, Encoding.UTF8.GetBytes(genesis.ChainId), _metadata);
        batch.Put(StoreKeys.GenesisHash, genesisHash.ToArray(), _metadata);
        batch.Put(StoreKeys.Head, StoreKeys.EncodeHead(0, genesisHash.ToArray()), _metadata);
        _db.Write(batch, _syncWrite);
    }

    /// <summary>Reads the head record and checks that the block it names is present, decodes and hashes to it.</summary>
    private HeadInfo LoadAndCheckHead(string directory)
    {
        var head = _db.Get(StoreKeys.Head, _metadata);
        if (head is null || head.Length != 40)
        {
            throw new StoreException($"the data dir {directory} has a missing or malformed head record: it is corrupt");
        }
        var height = BinaryPrimitives.ReadUInt64BigEndian(head);
        var hash = new Hash32(head.AsSpan(8));
        if (height == 0)
        {
            if (hash != GenesisHash)
            {
                throw new StoreException($"the data dir {directory} has a head at height 0 that is not the genesis: it is corrupt");
            }
            return new HeadInfo(0, hash);
        }
        CommittedBlock? block;
        try
        {
            block = GetCommittedBlock(height);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new StoreException($"the data dir {directory}: head block {height} does not decode ({ex.Message}): it is corrupt", ex);
        }
        if (block is null || block.Certificate is null)
        {
            throw new StoreException($"the data dir {directory}: head block {height} or its certificate is missing: it is corrupt");
        }
        var actual = _suite.Hash(block.Block.Header.Span);
        if (actual != hash)
        {
            throw new StoreException($"the data dir {directory}: head block {height} hashes to {actual}, the head record says {hash}: it is corrupt");
        }
        return new HeadInfo(height, hash);
    }

    public AccountState GetAccount(Address address)
    {
        Span<byte> key = stackalloc byte[Address.Size];
        address.WriteTo(key);
        var value = _db.Get(key, _accounts);
        return value is null ? AccountState.Empty : DecodeAccount(value);
    }

    public CommittedBlock? GetCommittedBlock(ulong height)
    {
        var key = StoreKeys.Height(height);
        var block = _db.Get(key, _blocks);
        if (block is null)
        {
            return null;
        }
        var certificate = _db.Get(key, _certificates);
        return new CommittedBlock
        {
            Block = Block.Parser.ParseFrom(block),
            Certificate = certificate is null ? null : QuorumCertificate.Parser.ParseFrom(certificate),
        };
    }

    public ulong? GetHeightByHash(Hash32 hash)
    {
        if (hash == GenesisHash)
        {
            return 0;
        }
        var value = _db.Get(hash.ToArray(), _blockHashes);
        return value is { Length: 8 } ? BinaryPrimitives.ReadUInt64BigEndian(value) : null;
    }

    public TxLocation? GetTxLocation(Hash32 txId)
    {
        var value = _db.Get(txId.ToArray(), _txIndex);
        return value is { Length: 12 }
            ? new TxLocation(BinaryPrimitives.ReadUInt64BigEndian(value), BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(8)))
            : null;
    }

    /// <summary>True when the transaction is committed; cheaper than reading its location.</summary>
    public bool ContainsTransaction(Hash32 txId)
    {
        Span<byte> key = stackalloc byte[Hash32.Size];
        txId.WriteTo(key);
        return _db.HasKey(key, _txIndex);
    }

    /// <summary>For each id, whether the transaction is committed: one batched lookup for the whole list.</summary>
    public bool[] ContainsTransactions(IReadOnlyList<Hash32> txIds)
    {
        var keys = new byte[txIds.Count][];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = txIds[i].ToArray();
        }
        var values = MultiGet(_txIndex, keys);
        var found = new bool[keys.Length];
        for (var i = 0; i < found.Length; i++)
        {
            found[i] = values[i] is not null;
        }
        return found;
    }

    /// <summary>
    /// Which of a block's transactions enter the index: not those committed in an earlier block, nor a repeat of one
    /// earlier in the same block. This is what guarantees that an index entry and its receipt are written once and never
    /// overwritten, so a repeated transaction (a faulty leader may repeat one; execution fails it on its used nonce)
    /// keeps its first location and receipt. The committed ones are found with one MultiGet for the whole block, which
    /// the bloom filters of the index (in the memtable and in every table) answer for new ids, almost all of them,
    /// without reading a data block; no id is wrongly taken for committed (a filter hit is checked against the key).
    /// </summary>
    private bool[] FirstOccurrences(byte[][] txIds)
    {
        var committed = MultiGet(_txIndex, txIds);
        var inBlock = new HashSet<Hash32>(txIds.Length);
        var first = new bool[txIds.Length];
        for (var i = 0; i < first.Length; i++)
        {
            first[i] = committed[i] is null && inBlock.Add(new Hash32(txIds[i]));
        }
        return first;
    }

    public Receipt? GetReceipt(Hash32 txId)
    {
        var value = _db.Get(txId.ToArray(), _receipts);
        return value is null ? null : Receipt.Parser.ParseFrom(value);
    }

    /// <summary>
    /// The state root that committing <paramref name="layers"/> (account and contract diffs of blocks not yet committed,
    /// oldest first) on top of the head would give, computed without writing anything: what a leader puts in a header
    /// whose parent is still pending in consensus.
    /// </summary>
    public Hash32 ComputeStateRoot(IReadOnlyList<(IReadOnlyList<KeyValuePair<Address, AccountState>> Accounts, ContractStateDiff Contracts)> layers)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
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
            return _state.ComputeRoot([diff]);
        }
    }

    /// <summary>
    /// Commits a block, its certificate, its receipts and its state diff in one synced write batch, and moves the head.
    /// The block must extend the current head. The storage roots in <paramref name="stateDiff"/> are ignored: the store
    /// sets each account's root from its storage trie (see WithStoreStorageRoots).
    /// </summary>
    public void Commit(SealedBlock block, QuorumCertificate certificate, IReadOnlyList<Receipt> receipts,
        IReadOnlyList<KeyValuePair<Address, AccountState>> stateDiff, ContractStateDiff? contracts = null)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            // RocksDB counts every key comparison in a thread-local perf context unless told not to (a few per cent of a
            // block's commit); the setting is per thread, so it is made on the committing thread.
            Native.Instance.rocksdb_set_perf_level(PerfLevel.Disable);
            var head = _head;
            if (block.Height != head.Height + 1)
            {
                throw new InvalidOperationException($"block {block.Height} does not extend head {head.Height}");
            }
            if (!block.Header.ParentHash.Span.SequenceEqual(head.Hash.ToArray()))
            {
                throw new InvalidOperationException($"block {block.Height} has parent {Hex.Encode(block.Header.ParentHash.Span)}, head is {head.Hash}");
            }
            using var batch = new WriteBatch();
            var heightKey = StoreKeys.Height(block.Height);
            var hashBytes = block.Hash.ToArray();
            batch.Put(heightKey, block.Block.ToByteArray(), _blocks);
            batch.Put(heightKey, certificate.ToByteArray(), _certificates);
            batch.Put(hashBytes, heightKey, _blockHashes);
            var txIds = new byte[receipts.Count][];
            for (var i = 0; i < txIds.Length; i++)
            {
                txIds[i] = receipts[i].TxId.ToByteArray();
            }
            var firstSeen = FirstOccurrences(txIds);
            for (var i = 0; i < txIds.Length; i++)
            {
                if (firstSeen[i])
                {
                    batch.Put(txIds[i], StoreKeys.EncodeLocation(block.Height, (uint)i), _txIndex);
                    batch.Put(txIds[i], receipts[i].ToByteArray(), _receipts);
                }
            }
            var storageRoots = contracts is { IsEmpty: false } ? WriteContractState(block.Height, contracts, batch) : [];
            stateDiff = WithStoreStorageRoots(stateDiff, storageRoots, $"block {block.Height}", out var committed);
            Span<byte> addressKey = stackalloc byte[Address.Size];
            foreach (var (address, account) in stateDiff)
            {
                address.WriteTo(addressKey);
                if (account.IsEmpty)
                {
                    // An empty account does not exist, in the flat state as in the trie.
                    batch.Delete(addressKey, _accounts);
                }
                else
                {
                    batch.Put(addressKey, EncodeAccount(account), _accounts);
                }
            }
            try
            {
                // The accounts just read from the flat state spare the trie reading their leaves.
                var stateRoot = _state.Apply(block.Height, stateDiff, batch, committed);
                batch.Put(heightKey, stateRoot.ToArray(), _stateRoots);
                if (block.Height > ProofWindow)
                {
                    // History older than the window is no longer needed: one range tombstone per block.
                    var expired = block.Height - ProofWindow;
                    batch.DeleteRange(StoreKeys.Height(expired), 8, StoreKeys.Height(expired + 1), 8, _trieHistory);
                }
                batch.Put(StoreKeys.Head, StoreKeys.EncodeHead(block.Height, hashBytes), _metadata);
                try
                {
                    _db.Write(batch, _syncWrite);
                }
                catch (RocksDbException ex)
                {
                    throw new StoreException($"writing block {block.Height} failed: {ex.Message}", ex);
                }
            }
            catch
            {
                // From the trie update on, the in-memory account trie may hold this block (part-way, or whole and maybe
                // flushed into the batch) while the disk does not: nothing more is served or committed from this
                // instance, and closing it does not flush that trie (a restart replays the journal on disk).
                _failed = true;
                throw;
            }
            _head = new HeadInfo(block.Height, block.Hash);
        }
    }

    private void ThrowIfFailed()
    {
        if (_failed)
        {
            throw new StoreException("an earlier block write failed; restart the node to reopen the store from disk");
        }
    }

    internal static byte[] EncodeAccount(AccountState account) => FlatAccountCodec.Encode(account);

    internal static AccountState DecodeAccount(byte[] value) => FlatAccountCodec.Decode(value);

    /// <summary>How the account tries of older heights were obtained so far (for tests).</summary>
    internal (long Rebuilds, long Advances) HistoricalWork => _state.HistoricalWork;

    private StateFamilies StateFamilies => new(_db, _trieNodes, _stateJournal, _metadata, _stateRoots);

    /// <summary>
    /// Closes the store. The account trie's nodes changed since its last flush are written first, so that the next
    /// start has no journal to replay; a crash instead of a close loses nothing either (the start replays it).
    /// </summary>
    public void Dispose()
    {
        lock (_commitLock)
        {
            try
            {
                if (!_failed && !_closeWithoutFlush && _state is not null)
                {
                    // Its own synced batch, after the last block's.
                    using var batch = new WriteBatch();
                    _state.Flush(batch);
                    if (batch.Count() > 0)
                    {
                        _db.Write(batch, _syncWrite);
                    }
                }
            }
            finally
            {
                try
                {
                    _state?.Dispose();
                }
                finally
                {
                    _db.Dispose();
                }
            }
        }
    }

    // Set by tests to close as a crash would, leaving the journal to replay.
    private bool _closeWithoutFlush;

    /// <summary>Closes without flushing the account trie, as a crash between flushes would leave the store (for tests).</summary>
    internal void CloseWithoutFlush()
    {
        _closeWithoutFlush = true;
        Dispose();
    }
}
