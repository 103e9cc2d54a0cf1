using System.Buffers.Binary;
using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// Committed blocks with their certificates and hashes, and the transaction index with its receipts (docs/storage.md).
/// Reads are thread-safe; a block's entries go into the batch that commits it.
/// </summary>
internal sealed class BlockStore(IKeyValueEngine engine)
{
    private readonly KeyValueFamily _blocks = engine.GetFamily(ColumnFamilyNames.Blocks);
    private readonly KeyValueFamily _certificates = engine.GetFamily(ColumnFamilyNames.Certificates);
    private readonly KeyValueFamily _blockHashes = engine.GetFamily(ColumnFamilyNames.BlockHashes);
    private readonly KeyValueFamily _txIndex = engine.GetFamily(ColumnFamilyNames.TxIndex);
    private readonly KeyValueFamily _receipts = engine.GetFamily(ColumnFamilyNames.Receipts);
    private readonly KeyValueFamily _metadata = engine.GetFamily(ColumnFamilyNames.Metadata);

    /// <summary>The block at a height with its certificate and, on an epoch's last block, the record that commits it.</summary>
    public CommittedBlock? GetCommittedBlock(ulong height)
    {
        var key = StoreKeys.Height(height);
        var block = engine.Get(_blocks, key);
        if (block is null)
        {
            return null;
        }
        var certificate = engine.Get(_certificates, key);
        var committed = new CommittedBlock
        {
            Block = Block.Parser.ParseFrom(block),
            Certificate = certificate is null ? null : QuorumCertificate.Parser.ParseFrom(certificate),
        };
        // Only an epoch's last block announces the next set among committed blocks (suffix blocks are never committed).
        var header = BlockHeader.Parser.ParseFrom(committed.Block.Header);
        if (!header.NextValidatorSetHash.Equals(header.ValidatorSetHash) && GetEpochEnd(header.Epoch) is { } epochEnd && epochEnd.Height == height)
        {
            committed.EpochEnd = epochEnd;
        }
        return committed;
    }

    /// <summary>The record that commits the last block of <paramref name="epoch"/>, if this store holds it.</summary>
    public EpochEndCommit? GetEpochEnd(ulong epoch) =>
        engine.Get(_metadata, StoreKeys.EpochEnd(epoch)) is { } value ? EpochEndCommit.Parser.ParseFrom(value) : null;

    /// <summary>The height of a committed block (not the genesis, which has no block).</summary>
    public ulong? GetHeightByHash(Hash32 hash)
    {
        var value = engine.Get(_blockHashes, hash.ToArray());
        return value is { Length: 8 } ? BinaryPrimitives.ReadUInt64BigEndian(value) : null;
    }

    public TxLocation? GetTxLocation(Hash32 txId)
    {
        var value = engine.Get(_txIndex, txId.ToArray());
        return value is { Length: 12 }
            ? new TxLocation(BinaryPrimitives.ReadUInt64BigEndian(value), BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(8)))
            : null;
    }

    public bool ContainsTransaction(Hash32 txId)
    {
        Span<byte> key = stackalloc byte[Hash32.Size];
        txId.WriteTo(key);
        return engine.ContainsKey(_txIndex, key);
    }

    public bool[] ContainsTransactions(IReadOnlyList<Hash32> txIds)
    {
        var keys = new byte[txIds.Count][];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = txIds[i].ToArray();
        }
        var values = new byte[]?[keys.Length];
        engine.MultiGet(_txIndex, keys, values);
        var found = new bool[keys.Length];
        for (var i = 0; i < found.Length; i++)
        {
            found[i] = values[i] is not null;
        }
        return found;
    }

    public Receipt? GetReceipt(Hash32 txId)
    {
        var value = engine.Get(_receipts, txId.ToArray());
        return value is null ? null : Receipt.Parser.ParseFrom(value);
    }

    /// <summary>
    /// Adds the block, its certificate, its hash index and the index entries and receipts of its transactions that are
    /// seen for the first time (see <see cref="FirstOccurrences"/>) to the batch that commits it.
    /// </summary>
    public void Add(IKeyValueWriteBatch batch, SealedBlock block, QuorumCertificate certificate, IReadOnlyList<Receipt> receipts,
        EpochEndCommit? epochEnd = null)
    {
        var heightKey = StoreKeys.Height(block.Height);
        batch.Put(_blocks, heightKey, block.Block.ToByteArray());
        batch.Put(_certificates, heightKey, certificate.ToByteArray());
        if (epochEnd is not null)
        {
            AddEpochEnd(batch, block, epochEnd);
        }
        batch.Put(_blockHashes, block.Hash.ToArray(), heightKey);
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
                batch.Put(_txIndex, txIds[i], StoreKeys.EncodeLocation(block.Height, (uint)i));
                batch.Put(_receipts, txIds[i], receipts[i].ToByteArray());
            }
        }
    }

    /// <summary>Adds the record of an epoch's last block (checked against it by the caller's source) to a batch.</summary>
    public void AddEpochEnd(IKeyValueWriteBatch batch, SealedBlock block, EpochEndCommit epochEnd)
    {
        if (epochEnd.Height != block.Height || epochEnd.Epoch != block.Header.Epoch)
        {
            throw new ArgumentException($"the epoch-end record of epoch {epochEnd.Epoch} height {epochEnd.Height} is not block {block.Height}'s");
        }
        // One record per epoch (a few KiB: at most 16 headers, a certificate and a validator set), never deleted.
        batch.Put(_metadata, StoreKeys.EpochEnd(epochEnd.Epoch), epochEnd.ToByteArray());
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> the removal of committed block <paramref name="height"/>: the block, its
    /// certificate and hash index, its epoch-end record, and the index entries and receipts its transactions wrote (those
    /// that point at this height: a repeated transaction's entry belongs to its first block). For an in-place rollback.
    /// </summary>
    public void Remove(IKeyValueWriteBatch batch, ulong height, Core.Crypto.CryptoSuite suite)
    {
        var heightKey = StoreKeys.Height(height);
        var block = GetCommittedBlock(height) ?? throw new StoreException($"block {height} is missing: it cannot be rolled back");
        batch.Delete(_blocks, heightKey);
        batch.Delete(_certificates, heightKey);
        batch.Delete(_blockHashes, suite.Hash(block.Block.Header.Span).ToArray());
        if (block.EpochEnd is { } epochEnd)
        {
            // The record that committed it as its epoch's last block goes with it (the block comes back with its record).
            batch.Delete(_metadata, StoreKeys.EpochEnd(epochEnd.Epoch));
        }
        foreach (var transaction in block.Block.Transactions)
        {
            var txId = suite.Hash(transaction.Span);
            if (GetTxLocation(txId) is { } location && location.Height == height)
            {
                batch.Delete(_txIndex, txId.ToArray());
                batch.Delete(_receipts, txId.ToArray());
            }
        }
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
        var committed = new byte[]?[txIds.Length];
        engine.MultiGet(_txIndex, txIds, committed);
        var inBlock = new HashSet<Hash32>(txIds.Length);
        var first = new bool[txIds.Length];
        for (var i = 0; i < first.Length; i++)
        {
            first[i] = committed[i] is null && inBlock.Add(new Hash32(txIds[i]));
        }
        return first;
    }
}
