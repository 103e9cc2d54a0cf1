using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using RocksDbSharp;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// The node's RocksDB database: blocks with their certificates, the transaction index, receipts, flat
/// account state and metadata. Each block commits in one synced write batch, so after a crash at any
/// moment the store reopens at its last committed block. See docs/storage.md for the layout.
/// </summary>
public sealed class ChainStore : IStateReader, IBlockReader, IDisposable
{
    public const int SchemaVersion = 1;

    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle _metadata, _blocks, _certificates, _blockHashes, _txIndex, _receipts, _accounts;
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private readonly CryptoSuite _suite;
    private readonly object _commitLock = new();
    private volatile HeadInfo _head;

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
        _head = new HeadInfo(0, Hash32.Zero);
    }

    public string ChainId { get; private set; } = "";

    public Hash32 GenesisHash { get; private set; }

    public ulong HeadHeight => _head.Height;

    public Hash32 HeadHash => _head.Hash;

    /// <summary>
    /// Opens the store in <paramref name="directory"/>, initialising it from genesis when it is new.
    /// Throws <see cref="StoreException"/> when it is corrupt or belongs to another chain.
    /// </summary>
    public static ChainStore Open(string directory, GenesisFile genesis)
    {
        var isNew = !Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any();
        if (!isNew && !File.Exists(Path.Combine(directory, "CURRENT")))
        {
            throw new StoreException($"{directory} is not empty and is not a ShanghaiChain data dir (no RocksDB CURRENT file); refusing to touch it");
        }
        Directory.CreateDirectory(directory);
        var options = new DbOptions()
            .SetCreateIfMissing(isNew)
            .SetCreateMissingColumnFamilies(isNew)
            .SetParanoidChecks(true)
            .SetMaxBackgroundCompactions(2)
            .SetMaxBackgroundFlushes(1)
            .IncreaseParallelism(2);
        var families = new ColumnFamilies();
        foreach (var name in ColumnFamilyNames.All)
        {
            families.Add(name, new ColumnFamilyOptions()
                .SetCompression(Compression.Lz4)
                .SetWriteBufferSize(64UL * 1024 * 1024));
        }
        RocksDb db;
        try
        {
            db = RocksDb.Open(options, directory, families);
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
        var store = new ChainStore(db, genesis.Suite);
        try
        {
            store.Initialise(genesis, directory);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    private void Initialise(GenesisFile genesis, string directory)
    {
        var genesisHash = genesis.ComputeHash();
        var schema = _db.Get(StoreKeys.SchemaVersion, _metadata);
        if (schema is null)
        {
            if (!IsEmpty())
            {
                throw new StoreException($"the data dir {directory} holds data but no metadata: it is corrupt");
            }
            WriteGenesis(genesis, genesisHash);
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

    private void WriteGenesis(GenesisFile genesis, Hash32 genesisHash)
    {
        using var batch = new WriteBatch();
        foreach (var account in genesis.Accounts)
        {
            var address = Address.Parse(account.Address);
            batch.Put(address.ToArray(), EncodeAccount(new AccountState(0, UInt256.Parse(account.Balance), Hash32.Zero)), _accounts);
        }
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

    public Receipt? GetReceipt(Hash32 txId)
    {
        var value = _db.Get(txId.ToArray(), _receipts);
        return value is null ? null : Receipt.Parser.ParseFrom(value);
    }

    /// <summary>
    /// Commits a block, its certificate, its receipts and its state diff in one synced write batch, and
    /// moves the head. The block must extend the current head.
    /// </summary>
    public void Commit(SealedBlock block, QuorumCertificate certificate, IReadOnlyList<Receipt> receipts,
        IReadOnlyList<KeyValuePair<Address, AccountState>> stateDiff)
    {
        lock (_commitLock)
        {
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
            for (var i = 0; i < receipts.Count; i++)
            {
                var receipt = receipts[i];
                var txId = receipt.TxId.Span;
                batch.Put(txId, StoreKeys.EncodeLocation(block.Height, (uint)i), _txIndex);
                batch.Put(txId, receipt.ToByteArray(), _receipts);
            }
            Span<byte> addressKey = stackalloc byte[Address.Size];
            foreach (var (address, account) in stateDiff)
            {
                address.WriteTo(addressKey);
                batch.Put(addressKey, EncodeAccount(account), _accounts);
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
            _head = new HeadInfo(block.Height, block.Hash);
        }
    }

    internal static byte[] EncodeAccount(AccountState account)
    {
        var proto = new Account { Nonce = account.Nonce, Balance = ByteString.CopyFrom(account.Balance.ToBigEndian()) };
        if (!account.CodeHash.IsZero)
        {
            proto.CodeHash = ByteString.CopyFrom(account.CodeHash.ToArray());
        }
        return proto.ToByteArray();
    }

    internal static AccountState DecodeAccount(byte[] value)
    {
        var proto = Account.Parser.ParseFrom(value);
        return new AccountState(
            proto.Nonce,
            UInt256.ReadBigEndian(proto.Balance.Span),
            proto.CodeHash.IsEmpty ? Hash32.Zero : new Hash32(proto.CodeHash.Span));
    }

    public void Dispose()
    {
        _db.Dispose();
    }
}
