using ShanghaiChain.Core.Ports;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

// State snapshots: the state of a height written as chunks (StateStore.Snapshots), for `snapshot create` and the node's
// periodic snapshots; restoring is SnapshotRestore.
public sealed partial class ChainStore
{
    /// <summary>
    /// The first height whose block the store holds with its transactions (the snapshot's height when the store was
    /// restored from one; 0 otherwise). Blocks below it are pruned; the headers of up to 256 of them are kept for BLOCKHASH.
    /// </summary>
    public ulong BaseHeight { get; private set; }

    /// <summary>
    /// Writes the state after <paramref name="height"/> as snapshot chunks of about <paramref name="chunkBytes"/>, each
    /// handed to <paramref name="onChunk"/> in order. The height must be the head or lie within the proof window below it
    /// (the store reads the state there through the journal and the storage tries' history), and not below the base height.
    /// Commits may go on meanwhile: the export reads a snapshot of the store taken at the start.
    /// Throws <see cref="StoreException"/> when the height is not available.
    /// </summary>
    public SnapshotExport ExportSnapshot(ulong height, int chunkBytes, Action<byte[]> onChunk, CancellationToken cancellationToken = default)
    {
        ulong head;
        Engines.IKeyValueSnapshot flat;
        IStateView? past = null;
        lock (_commitLock)
        {
            ThrowIfFailed();
            head = _head.Height;
            if (height > head || height < BaseHeight || (height < head && head - height > _state.ProofWindow))
            {
                throw new StoreException($"the state at height {height} is not available: this store holds its head {head} and the " +
                    $"{_state.ProofWindow} heights below it{(BaseHeight > 0 ? $", from its base height {BaseHeight}" : "")}");
            }
            if (height < head)
            {
                var pastState = _state.TryOpenPast(height, head)
                    ?? throw new StoreException($"the state at height {height} is not available (its history is not kept)");
                past = _state.OpenPastView(pastState);
            }
            flat = _engine.CreateSnapshot();
        }
        try
        {
            return _state.Export(height, head, flat, past, chunkBytes, onChunk, cancellationToken);
        }
        finally
        {
            past?.Dispose();
            flat.Dispose();
        }
    }

    /// <summary>
    /// The parts of a snapshot manifest the store holds for a height below its head: block h and block h+1 with their
    /// certificates, h's receipts, up to 256 ancestor headers and the block that starts h+1's epoch (when
    /// <paramref name="epochStart"/> lies below h and above 0). Throws <see cref="StoreException"/> when one is missing.
    /// </summary>
    public SnapshotManifest BuildManifest(ulong height, ulong epochStart, SnapshotExport export)
    {
        var block = GetCommittedBlock(height) ?? throw new StoreException($"block {height} is not in the store");
        var next = GetCommittedBlock(height + 1) ?? throw new StoreException($"block {height + 1} is not in the store yet: a snapshot of " +
            $"height {height} needs it (it carries the certified state root of {height})");
        var manifest = new SnapshotManifest
        {
            FormatVersion = SnapshotChunks.FormatVersion,
            ChainId = ChainId,
            GenesisHash = GenesisHash.ToByteString(),
            CryptoSuite = _suite.Name,
            Height = height,
            StateRoot = (GetStateRoot(height) ?? throw new StoreException($"no state root is recorded for height {height}")).ToByteString(),
            Block = block,
            NextBlock = next,
            AccountCount = (ulong)export.Accounts,
            SlotCount = (ulong)export.Slots,
            CodeCount = (ulong)export.Codes,
        };
        foreach (var tx in block.Block.Transactions)
        {
            manifest.BlockReceipts.Add(GetReceipt(_suite.Hash(tx.Span)) ?? throw new StoreException($"a receipt of block {height} is missing"));
        }
        for (var h = height - Math.Min(height - 1, SnapshotManifests.MaxAncestors); h < height; h++)
        {
            manifest.AncestorHeaders.Add((GetCommittedBlock(h) ?? throw new StoreException($"block {h} is not in the store")).Block.Header);
        }
        if (epochStart > 0 && epochStart < height)
        {
            manifest.EpochStartBlock = GetCommittedBlock(epochStart) ?? throw new StoreException($"block {epochStart}, which starts the epoch, is not in the store");
        }
        foreach (var hash in export.ChunkHashes)
        {
            manifest.ChunkHashes.Add(hash.ToByteString());
        }
        return manifest;
    }
}
