using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// The node's chain database: blocks with their certificates, the transaction index, receipts, the state and its
/// proofs, and metadata, on a storage engine (RocksDB on disk, or memory in tests). It coordinates the parts: each
/// block commits in one synced write batch under one lock, so after a crash at any moment the store reopens at its
/// last committed block. See docs/storage.md for the layout.
/// </summary>
public sealed partial class ChainStore : IChainReader, IDisposable
{
    public const int SchemaVersion = 4;

    private readonly IKeyValueEngine _engine;
    private readonly bool _ownsEngine;
    // The store as error messages name it ("the data dir …").
    private readonly string _where;
    private readonly KeyValueFamily _metadata;
    private readonly BlockStore _blocks;
    private readonly StateStore _state;
    private readonly StateProofs _proofs;
    private readonly CryptoSuite _suite;
    private readonly object _commitLock = new();
    private volatile HeadInfo _head;

    // Set when a commit failed after the account trie took the block: the in-memory trie is then ahead of the disk, so
    // nothing more is served or committed from this instance; a restart reopens from what is on disk.
    private volatile bool _failed;

    // Set by tests to close as a crash would, leaving the journal to replay.
    private bool _closeWithoutFlush;
    private bool _disposed;

    private sealed record HeadInfo(ulong Height, Hash32 Hash)
    {
        /// <summary>The durable state root at this head (set once the state is open; replaced whole, never torn).</summary>
        public Hash32 StateRoot { get; init; }
    }

    private ChainStore(IKeyValueEngine engine, bool ownsEngine, string where, CryptoSuite suite, ulong proofWindow)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        _where = where;
        _suite = suite;
        _metadata = engine.GetFamily(ColumnFamilyNames.Metadata);
        _blocks = new BlockStore(engine);
        _state = new StateStore(engine, suite, proofWindow);
        _proofs = new StateProofs(_state);
        _head = new HeadInfo(0, Hash32.Zero);
    }

    public string ChainId { get; private set; } = "";

    public Hash32 GenesisHash { get; private set; }

    public ulong HeadHeight => _head.Height;

    /// <summary>
    /// How many heights below the head account proofs are served for (the account journal and the storage tries'
    /// replaced nodes are kept that long).
    /// </summary>
    public ulong ProofWindow => _state.ProofWindow;

    /// <summary>
    /// The state root after executing the head block (after genesis at height 0): the durable one, so that a block whose
    /// write failed after the trie took it in never shows through.
    /// </summary>
    public Hash32 StateRoot => _head.StateRoot;

    public Hash32 HeadHash => _head.Hash;

    /// <summary>
    /// Opens the store on RocksDB in <paramref name="directory"/>, initialising it from genesis when it is new.
    /// Throws <see cref="StoreException"/> when it is corrupt or belongs to another chain.
    /// </summary>
    /// <param name="genesisCode">Code placed in the genesis state beside genesis.json's accounts (system contracts).</param>
    /// <param name="genesisStorage">Storage slots of those contracts at genesis (the governance contract's consortium).</param>
    public static ChainStore Open(string directory, GenesisFile genesis, StateCheck stateCheck = StateCheck.Sampled, ulong proofWindow = 0,
        IReadOnlyList<KeyValuePair<Address, byte[]>>? genesisCode = null, IReadOnlyList<StorageChange>? genesisStorage = null) =>
        Open(RocksDbEngine.Open(directory, ColumnFamilyNames.All), ownsEngine: true, $"the data dir {directory}", genesis, stateCheck, proofWindow, genesisCode, genesisStorage);

    /// <summary>Throws <see cref="StoreException"/> when a running process holds the data dir in <paramref name="directory"/>.</summary>
    public static void ThrowIfInUse(string directory) => RocksDbEngine.ThrowIfInUse(directory);

    /// <summary>
    /// Opens the store on <paramref name="engine"/>, initialising it from genesis when it is empty, with the same checks
    /// as on disk. The engine stays the caller's: the store does not dispose it, so a store can be opened on it again
    /// after this one is disposed (or dropped, as a crash would leave it).
    /// </summary>
    public static ChainStore Open(IKeyValueEngine engine, GenesisFile genesis, StateCheck stateCheck = StateCheck.Sampled, ulong proofWindow = 0,
        IReadOnlyList<KeyValuePair<Address, byte[]>>? genesisCode = null, IReadOnlyList<StorageChange>? genesisStorage = null) =>
        Open(engine, ownsEngine: false, "the store", genesis, stateCheck, proofWindow, genesisCode, genesisStorage);

    /// <summary>A new store in memory (a <see cref="MemoryEngine"/> of its own, gone when the store is disposed), for tests.</summary>
    public static ChainStore OpenInMemory(GenesisFile genesis, StateCheck stateCheck = StateCheck.Sampled, ulong proofWindow = 0,
        IReadOnlyList<KeyValuePair<Address, byte[]>>? genesisCode = null, IReadOnlyList<StorageChange>? genesisStorage = null) =>
        Open(new MemoryEngine(), ownsEngine: true, "the in-memory store", genesis, stateCheck, proofWindow, genesisCode, genesisStorage);

    private static ChainStore Open(IKeyValueEngine engine, bool ownsEngine, string where, GenesisFile genesis, StateCheck stateCheck,
        ulong proofWindow, IReadOnlyList<KeyValuePair<Address, byte[]>>? genesisCode, IReadOnlyList<StorageChange>? genesisStorage)
    {
        var store = new ChainStore(engine, ownsEngine, where, genesis.Suite, proofWindow);
        try
        {
            store.Initialise(genesis, stateCheck, genesisCode ?? [], genesisStorage ?? []);
        }
        catch
        {
            // A refused store is left exactly as found: no flush of a trie that failed its checks, no journal pruned.
            store.CloseWithoutFlush();
            throw;
        }
        return store;
    }

    private void Initialise(GenesisFile genesis, StateCheck stateCheck, IReadOnlyList<KeyValuePair<Address, byte[]>> genesisCode,
        IReadOnlyList<StorageChange> genesisStorage)
    {
        var genesisHash = genesis.ComputeHash();
        var schema = _engine.Get(_metadata, StoreKeys.SchemaVersion);
        if (schema is null)
        {
            if (!IsEmpty())
            {
                throw new StoreException($"{_where} holds data but no metadata: it is corrupt");
            }
            _state.Open(head: null);
            WriteGenesis(genesis, genesisHash, genesisCode, genesisStorage);
            schema = _engine.Get(_metadata, StoreKeys.SchemaVersion)!;
        }
        if (schema.Length != 4 || BinaryPrimitives.ReadInt32BigEndian(schema) != SchemaVersion)
        {
            throw new StoreException($"{_where} has an unknown schema version; this node reads version {SchemaVersion}");
        }
        var chainId = Encoding.UTF8.GetString(_engine.Get(_metadata, StoreKeys.ChainId) ?? []);
        var storedGenesis = _engine.Get(_metadata, StoreKeys.GenesisHash);
        if (chainId != genesis.ChainId || storedGenesis is null || !Hash32.TryRead(storedGenesis, out var storedHash) || storedHash != genesisHash)
        {
            // Before the canonical genesis encoding, the hash was taken over the node's own JSON re-serialization.
            if (chainId == genesis.ChainId && storedGenesis is not null && Hash32.TryRead(storedGenesis, out var legacyHash) &&
                legacyHash == genesis.Suite.Hash(Encoding.UTF8.GetBytes(genesis.ToJson())))
            {
                throw new StoreException($"{_where} was made by an older version of shanghaichain, which computed the genesis hash " +
                    $"differently (now {genesisHash}, docs/operator-guide.md \"The genesis hash\"): every node of the chain must move to " +
                    "the new hash together; re-create the data dir with this version (init/testnet) and replay or sync the chain");
            }
            throw new StoreException($"{_where} belongs to chain '{chainId}' with another genesis " +
                $"(stored {(storedGenesis is null ? "none" : Hex.Encode(storedGenesis))}), not '{genesis.ChainId}' ({genesisHash}); refusing to open it");
        }
        ChainId = chainId;
        GenesisHash = genesisHash;
        BaseHeight = _engine.Get(_metadata, StoreKeys.BaseHeight) is { Length: 8 } baseHeight ? BinaryPrimitives.ReadUInt64BigEndian(baseHeight) : 0;
        _head = LoadAndCheckHead();
        if (_state.GetStateRoot(_head.Height) is null)
        {
            throw new StoreException($"{_where} has no state root for head {_head.Height}: it is corrupt");
        }
        if (!_state.IsOpen)
        {
            try
            {
                _state.Open(_head.Height);
            }
            catch (StoreException ex)
            {
                throw new StoreException($"{_where}: {ex.Message}", ex);
            }
        }
        _state.TrackHistoryStart(_head.Height);
        _head = _head with { StateRoot = _state.Root };
        if (stateCheck == StateCheck.Full)
        {
            CheckFull(_where);
        }
        else
        {
            _state.CheckAccounts(_where, SampledAccounts);
            _state.CheckStorage(_where, SampledSlots);
        }
    }

    private bool IsEmpty()
    {
        foreach (var name in ColumnFamilyNames.All)
        {
            if (_engine.Scan(_engine.GetFamily(name), []).Any())
            {
                return false;
            }
        }
        return true;
    }

    private void WriteGenesis(GenesisFile genesis, Hash32 genesisHash, IReadOnlyList<KeyValuePair<Address, byte[]>> genesisCode,
        IReadOnlyList<StorageChange> genesisStorage)
    {
        using var batch = _engine.CreateWriteBatch();
        _state.AddGenesis(batch, genesis, genesisCode, genesisStorage);
        var schema = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(schema, SchemaVersion);
        batch.Put(_metadata, StoreKeys.SchemaVersion, schema);
        batch.Put(_metadata, StoreKeys.ChainId, Encoding.UTF8.GetBytes(genesis.ChainId));
        batch.Put(_metadata, StoreKeys.GenesisHash, genesisHash.ToArray());
        batch.Put(_metadata, StoreKeys.Head, StoreKeys.EncodeHead(0, genesisHash.ToArray()));
        _engine.Write(batch, sync: true);
    }

    /// <summary>Reads the head record and checks that the block it names is present, decodes and hashes to it.</summary>
    private HeadInfo LoadAndCheckHead()
    {
        var head = _engine.Get(_metadata, StoreKeys.Head);
        if (head is null || head.Length != 40)
        {
            throw new StoreException($"{_where} has a missing or malformed head record: it is corrupt");
        }
        var height = BinaryPrimitives.ReadUInt64BigEndian(head);
        var hash = new Hash32(head.AsSpan(8));
        if (height == 0)
        {
            if (hash != GenesisHash)
            {
                throw new StoreException($"{_where} has a head at height 0 that is not the genesis: it is corrupt");
            }
            return new HeadInfo(0, hash);
        }
        CommittedBlock? block;
        try
        {
            block = _blocks.GetCommittedBlock(height);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new StoreException($"{_where}: head block {height} does not decode ({ex.Message}): it is corrupt", ex);
        }
        if (block is null || block.Certificate is null)
        {
            throw new StoreException($"{_where}: head block {height} or its certificate is missing: it is corrupt");
        }
        var actual = _suite.Hash(block.Block.Header.Span);
        if (actual != hash)
        {
            throw new StoreException($"{_where}: head block {height} hashes to {actual}, the head record says {hash}: it is corrupt");
        }
        return new HeadInfo(height, hash);
    }

    /// <summary>
    /// Compares every flat account with the trie and the number of accounts on both sides, so that an account
    /// missing from the flat state is found too (it would otherwise read as empty).
    /// </summary>
    public void CheckStateFull(string directory) => CheckFull($"the data dir {directory}");

    private void CheckFull(string where)
    {
        // The walk loads the whole account trie, which commits change: not while one runs, nor on a failed store.
        lock (_commitLock)
        {
            ThrowIfFailed();
            var flat = _state.CheckAccounts(where, int.MaxValue);
            _state.CheckStorage(where, int.MaxValue);
            var inTrie = _state.Commitment.CountAccounts();
            if (flat != inTrie)
            {
                throw new StoreException($"{where}: the flat state holds {flat} accounts, the state trie {inTrie}: it is corrupt");
            }
        }
    }

    /// <summary>
    /// Adds the record of an epoch's last block that was committed without one (block sync from a peer that did not send it,
    /// before this node's engine committed the block with it). False, writing nothing, when the store already holds a
    /// record of that epoch or does not hold exactly this block at the record's height.
    /// </summary>
    public bool AddEpochEnd(SealedBlock block, EpochEndCommit epochEnd)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            if (_blocks.GetEpochEnd(epochEnd.Epoch) is not null || _blocks.GetHeightByHash(block.Hash) != block.Height)
            {
                return false;
            }
            using var batch = _engine.CreateWriteBatch();
            _blocks.AddEpochEnd(batch, block, epochEnd);
            try
            {
                _engine.Write(batch, sync: true);
            }
            catch (StorageEngineException ex)
            {
                throw new StoreException($"writing the record of the end of epoch {epochEnd.Epoch} failed: {ex.Message}", ex);
            }
            return true;
        }
    }

    /// <summary>
    /// Commits a block, its certificate, its receipts and its state diff in one synced write batch, and moves the head.
    /// The block must extend the current head. The storage roots in <paramref name="stateDiff"/> are ignored: the store
    /// sets each account's root from its storage trie (docs/storage.md, "Storage roots belong to the store").
    /// </summary>
    public void Commit(SealedBlock block, QuorumCertificate certificate, IReadOnlyList<Receipt> receipts,
        IReadOnlyList<KeyValuePair<Address, AccountState>> stateDiff, ContractStateDiff? contracts = null, EpochEndCommit? epochEnd = null)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            var head = _head;
            if (block.Height != head.Height + 1)
            {
                throw new InvalidOperationException($"block {block.Height} does not extend head {head.Height}");
            }
            if (!head.Hash.Matches(block.Header.ParentHash.Span))
            {
                throw new InvalidOperationException($"block {block.Height} has parent {Hex.Encode(block.Header.ParentHash.Span)}, head is {head.Hash}");
            }
            using var batch = _engine.CreateWriteBatch();
            _blocks.Add(batch, block, certificate, receipts, epochEnd);
            var changes = _state.Prepare(batch, block.Height, stateDiff, contracts);
            try
            {
                _state.Apply(batch, block.Height, changes);
                batch.Put(_metadata, StoreKeys.Head, StoreKeys.EncodeHead(block.Height, block.Hash.ToArray()));
                try
                {
                    _engine.Write(batch, sync: true);
                }
                catch (StorageEngineException ex)
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
            _head = new HeadInfo(block.Height, block.Hash) { StateRoot = _state.Root };
        }
    }

    private void ThrowIfFailed()
    {
        if (_retired is { } retired)
        {
            throw new StoreException(retired);
        }
        if (_failed)
        {
            throw new StoreException("an earlier block write failed; restart the node to reopen the store from disk");
        }
    }

    /// <summary>How the account tries of older heights were obtained so far (for tests).</summary>
    internal (long Rebuilds, long Advances) HistoricalWork => _state.Commitment.HistoricalWork;

    /// <summary>
    /// Closes the store. The account trie's nodes changed since its last flush are written first, so that the next
    /// start has no journal to replay; a crash instead of a close loses nothing either (the start replays it). An engine
    /// given to <see cref="Open(IKeyValueEngine, GenesisFile, StateCheck, ulong, IReadOnlyList{KeyValuePair{Address, byte[]}}?, IReadOnlyList{StorageChange}?)"/>
    /// stays open.
    /// </summary>
    public void Dispose()
    {
        lock (_commitLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            try
            {
                if (!_failed && !_closeWithoutFlush && _state.IsOpen)
                {
                    // Its own synced batch, after the last block's.
                    _state.Flush();
                }
            }
            finally
            {
                try
                {
                    _state.Dispose();
                }
                finally
                {
                    if (_ownsEngine)
                    {
                        _engine.Dispose();
                    }
                }
            }
        }
    }

    /// <summary>Closes without flushing the account trie, as a crash between flushes would leave the store (for tests).</summary>
    internal void CloseWithoutFlush()
    {
        _closeWithoutFlush = true;
        Dispose();
    }
}
