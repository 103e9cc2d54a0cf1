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
/// Rebuilds a store from a snapshot: chunks are taken in order, each refused unless its suite hash is the manifest's
/// for its position, then decoded and checked (accounts in strictly increasing trie-key order, well-formed fields, code
/// matching its hash, each account's slots rebuilding its storage root); their flat accounts, slots and code, the
/// storage tries and the account trie are written through the store's own write path, one batch per chunk. Completing
/// checks that the account trie's root is the manifest's certified state root and only then writes the blocks, the
/// state root, the head and the base height (the first height whose blocks the store holds). The store to restore into
/// must be empty; a restore that fails leaves it unusable (no head), so callers restore into a fresh directory and
/// move it into place once complete. Certificates are not checked here (see <see cref="SnapshotManifests"/>).
/// </summary>
public sealed class SnapshotRestore : IDisposable
{
    private readonly IKeyValueEngine _engine;
    private readonly bool _ownsEngine;
    private readonly GenesisFile _genesis;
    private readonly CryptoSuite _suite;
    private readonly VerifiedManifest _manifest;
    private readonly KeyValueFamily _accounts, _storage, _code, _metadata, _stateRoots, _journal;
    private readonly IStateCommitment _commitment;
    private readonly IStorageTries _storageTries;
    private readonly HashSet<Hash32> _codes = [];
    private readonly HashSet<Hash32> _codesNeeded = [];
    private Hash32? _lastKey;
    // The account whose storage is still open (it may continue in the next chunk), its declared and its partial root.
    private (Address Address, Hash32 Declared, Hash32 Partial)? _open;

    private SnapshotRestore(IKeyValueEngine engine, bool ownsEngine, GenesisFile genesis, VerifiedManifest manifest)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        _genesis = genesis;
        _suite = genesis.Suite;
        _manifest = manifest;
        _accounts = engine.GetFamily(ColumnFamilyNames.Accounts);
        _storage = engine.GetFamily(ColumnFamilyNames.Storage);
        _code = engine.GetFamily(ColumnFamilyNames.Code);
        _metadata = engine.GetFamily(ColumnFamilyNames.Metadata);
        _stateRoots = engine.GetFamily(ColumnFamilyNames.StateRoots);
        _journal = engine.GetFamily(ColumnFamilyNames.StateJournal);
        var nodes = engine.GetFamily(ColumnFamilyNames.TrieNodes);
        _commitment = StateCommitment.Open(_suite, new(engine, nodes, _journal, _metadata, _stateRoots), 0, head: null);
        _storageTries = StorageTries.Create(_suite, engine, nodes, engine.GetFamily(ColumnFamilyNames.TrieHistory), keepHistory: false);
    }

    /// <summary>Starts a restore into a new RocksDB store in <paramref name="directory"/> (which must not hold one).</summary>
    public static SnapshotRestore Begin(string directory, GenesisFile genesis, VerifiedManifest manifest)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new SnapshotException($"{directory} is not empty: a snapshot is restored into a new data dir only");
        }
        return Begin(RocksDbEngine.Open(directory, ColumnFamilyNames.All), ownsEngine: true, genesis, manifest);
    }

    /// <summary>Starts a restore into <paramref name="engine"/>, which must be empty and stays the caller's.</summary>
    public static SnapshotRestore Begin(IKeyValueEngine engine, GenesisFile genesis, VerifiedManifest manifest) =>
        Begin(engine, ownsEngine: false, genesis, manifest);

    private static SnapshotRestore Begin(IKeyValueEngine engine, bool ownsEngine, GenesisFile genesis, VerifiedManifest manifest)
    {
        if (ColumnFamilyNames.All.Any(name => engine.Scan(engine.GetFamily(name), []).Any()))
        {
            if (ownsEngine)
            {
                engine.Dispose();
            }
            throw new SnapshotException("the store to restore into is not empty");
        }
        return new SnapshotRestore(engine, ownsEngine, genesis, manifest);
    }

    /// <summary>The index of the chunk <see cref="Add"/> takes next.</summary>
    public int NextChunk { get; private set; }

    public int ChunkCount => _manifest.ChunkHashes.Count;

    public long Accounts { get; private set; }

    public long Slots { get; private set; }

    /// <summary>Checks and writes the next chunk. Throws <see cref="SnapshotException"/> when it is not the manifest's or is malformed.</summary>
    public void Add(ReadOnlySpan<byte> chunk)
    {
        if (NextChunk >= ChunkCount)
        {
            throw new SnapshotException($"the snapshot lists {ChunkCount} chunks; got one more");
        }
        if (chunk.Length > SnapshotChunks.MaxBytes || _suite.Hash(chunk) != _manifest.ChunkHashes[NextChunk])
        {
            throw new SnapshotException($"chunk {NextChunk} does not have the hash the manifest lists for it: refused");
        }
        SnapshotChunk decoded;
        try
        {
            decoded = SnapshotChunk.Parser.ParseFrom(chunk);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SnapshotException($"chunk {NextChunk} does not decode ({ex.Message})");
        }
        using var batch = _engine.CreateWriteBatch();
        var diff = new List<KeyValuePair<Address, AccountState>>(decoded.Accounts.Count);
        var slots = new List<StorageChange>();
        foreach (var entry in decoded.Accounts)
        {
            AddEntry(entry, batch, diff, slots);
        }
        WriteSlots(slots, batch);
        if (diff.Count > 0)
        {
            _commitment.Apply(_manifest.Height, diff, batch);
        }
        _engine.Write(batch, sync: false);
        NextChunk++;
    }

    private void AddEntry(SnapshotAccount entry, IKeyValueWriteBatch batch, List<KeyValuePair<Address, AccountState>> diff, List<StorageChange> slots)
    {
        var where = $"chunk {NextChunk}";
        if (entry.Address.Length != Address.Size || entry.Slots.Length % SnapshotChunks.SlotBytes != 0)
        {
            throw new SnapshotException($"{where} holds an account entry with a malformed address or slot list");
        }
        var address = new Address(entry.Address.Span);
        if (entry.Continued)
        {
            if (_open?.Address != address || entry.Nonce != 0 || !entry.Balance.IsEmpty || !entry.CodeHash.IsEmpty || !entry.StorageRoot.IsEmpty || !entry.Code.IsEmpty)
            {
                throw new SnapshotException($"{where} continues the storage of {address}, which is not the account before it, or repeats its fields");
            }
        }
        else
        {
            CloseOpenAccount();
            var key = _suite.Hash(entry.Address.Span);
            if (_lastKey is { } last && key.CompareTo(last) <= 0)
            {
                throw new SnapshotException($"{where}: account {address} is out of trie-key order or repeated");
            }
            _lastKey = key;
            if (entry.Balance.Length != UInt256.Size || entry.CodeHash.Length is not (0 or Hash32.Size) || entry.StorageRoot.Length is not (0 or Hash32.Size))
            {
                throw new SnapshotException($"{where}: account {address} has a malformed balance, code hash or storage root");
            }
            var account = new AccountState(entry.Nonce, UInt256.ReadBigEndian(entry.Balance.Span),
                entry.CodeHash.IsEmpty ? Hash32.Zero : new Hash32(entry.CodeHash.Span),
                entry.StorageRoot.IsEmpty ? Hash32.Zero : new Hash32(entry.StorageRoot.Span));
            if (account.IsEmpty)
            {
                throw new SnapshotException($"{where}: account {address} is empty, and an empty account does not exist");
            }
            if (!entry.Code.IsEmpty)
            {
                var codeHash = _suite.Hash(entry.Code.Span);
                if (codeHash != account.CodeHash || !_codes.Add(codeHash))
                {
                    throw new SnapshotException($"{where}: the code given with {address} is not its code, or was given before");
                }
                batch.Put(_code, codeHash.ToArray(), entry.Code.Span);
            }
            else if (account.HasCode && !_codes.Contains(account.CodeHash))
            {
                _codesNeeded.Add(account.CodeHash);
            }
            batch.Put(_accounts, entry.Address.Span, FlatAccountCodec.Encode(account));
            diff.Add(new(address, account));
            Accounts++;
            if (!account.StorageRoot.IsZero)
            {
                _open = (address, account.StorageRoot, Hash32.Zero);
            }
            else if (!entry.Slots.IsEmpty)
            {
                throw new SnapshotException($"{where}: account {address} has no storage root but carries slots");
            }
        }
        var bytes = entry.Slots.Span;
        for (var at = 0; at < bytes.Length; at += SnapshotChunks.SlotBytes)
        {
            var slot = UInt256.ReadBigEndian(bytes.Slice(at, UInt256.Size));
            var value = UInt256.ReadBigEndian(bytes.Slice(at + UInt256.Size, UInt256.Size));
            if (value.IsZero)
            {
                throw new SnapshotException($"{where}: slot {slot} of {address} is zero, and a zero slot does not exist");
            }
            slots.Add(new StorageChange(address, slot, value));
            batch.Put(_storage, StorageTries.FlatKey(address, slot), bytes.Slice(at + UInt256.Size, UInt256.Size));
            Slots++;
        }
    }

    /// <summary>
    /// Adds the chunk's slots to their storage tries (the account carried over from the previous chunk from its partial
    /// root, the others from empty tries) and checks the storage root of every account whose storage ended in the chunk.
    /// </summary>
    private void WriteSlots(List<StorageChange> slots, IKeyValueWriteBatch batch)
    {
        var carried = _carried;
        var roots = slots.Count == 0 ? [] : _storageTries.Apply(_manifest.Height, new ContractStateDiff { Storage = slots },
            a => carried is { } c && c.Address == a ? c.Partial : Hash32.Zero, batch);
        var built = roots.ToDictionary(r => r.Key, r => r.Value);
        Hash32 Built(Address address) =>
            built.TryGetValue(address, out var root) ? root : carried is { } c && c.Address == address ? c.Partial : Hash32.Zero;
        foreach (var (address, declared) in _closed)
        {
            if (Built(address) != declared)
            {
                throw new SnapshotException($"chunk {NextChunk}: the slots of {address} do not rebuild its storage root {declared}");
            }
        }
        _closed.Clear();
        _carried = _open is { } open ? open with { Partial = Built(open.Address) } : null;
        _open = _carried;
    }

    // Accounts with storage whose entries ended in the current chunk, with their declared storage roots.
    private readonly List<(Address Address, Hash32 Declared)> _closed = [];

    // The account with storage that ended the previous chunk, and the root of its slots so far.
    private (Address Address, Hash32 Declared, Hash32 Partial)? _carried;

    private void CloseOpenAccount()
    {
        if (_open is { } open)
        {
            _closed.Add((open.Address, open.Declared));
            _open = null;
        }
    }

    /// <summary>
    /// Checks that every chunk was added, that the state's root is the manifest's and that all code is present, then
    /// writes the blocks, the state root, the head and the base height in one synced batch.
    /// </summary>
    public Hash32 Complete()
    {
        if (NextChunk != ChunkCount)
        {
            throw new SnapshotException($"the snapshot ended after {NextChunk} of its {ChunkCount} chunks");
        }
        using var batch = _engine.CreateWriteBatch();
        if (_open is { } open && open.Partial != open.Declared)
        {
            throw new SnapshotException($"the slots of {open.Address} do not rebuild its storage root {open.Declared}");
        }
        if (_codesNeeded.FirstOrDefault(h => !_codes.Contains(h)) is var missing && !missing.IsZero)
        {
            throw new SnapshotException($"the snapshot never gives the code {missing} that accounts name");
        }
        var root = _commitment.Root;
        if (root != _manifest.StateRoot)
        {
            throw new SnapshotException($"the snapshot's chunks rebuild state root {root}, not the certified {_manifest.StateRoot}: refused");
        }
        _commitment.Flush(batch);
        batch.Delete(_journal, StoreKeys.Height(_manifest.Height));
        WriteChain(batch);
        _engine.Write(batch, sync: true);
        return root;
    }

    private void WriteChain(IKeyValueWriteBatch batch)
    {
        var manifest = _manifest.Manifest;
        var blocks = new BlockStore(_engine);
        var blocksFamily = _engine.GetFamily(ColumnFamilyNames.Blocks);
        var hashes = _engine.GetFamily(ColumnFamilyNames.BlockHashes);
        foreach (var (height, hash, header) in _manifest.Ancestors)
        {
            // Header only: what BLOCKHASH and the hash index need; the API answers below the base height as pruned.
            batch.Put(blocksFamily, StoreKeys.Height(height), new Block { Header = header }.ToByteArray());
            batch.Put(hashes, hash.ToArray(), StoreKeys.Height(height));
        }
        if (manifest.EpochStartBlock is { } epochStart)
        {
            blocks.Add(batch, new SealedBlock(epochStart.Block, _suite), epochStart.Certificate, []);
        }
        blocks.Add(batch, _manifest.Block, manifest.Block.Certificate, manifest.BlockReceipts);
        batch.Put(_stateRoots, StoreKeys.Height(_manifest.Height), _manifest.StateRoot.ToArray());
        var schema = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(schema, ChainStore.SchemaVersion);
        batch.Put(_metadata, StoreKeys.SchemaVersion, schema);
        batch.Put(_metadata, StoreKeys.ChainId, Encoding.UTF8.GetBytes(_genesis.ChainId));
        batch.Put(_metadata, StoreKeys.GenesisHash, _genesis.ComputeHash().ToArray());
        batch.Put(_metadata, StoreKeys.BaseHeight, StoreKeys.Height(_manifest.Height));
        batch.Put(_metadata, StoreKeys.Head, StoreKeys.EncodeHead(_manifest.Height, _manifest.Block.Hash.ToArray()));
    }

    public void Dispose()
    {
        _commitment.Dispose();
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }
}
