using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Storage;

/// <summary>
/// The read side of the chain store, as the node's API, peers, consensus and the read-only pipeline stages use it:
/// committed blocks, receipts and state (Core's ports), plus identity, roots, proofs and views. Writing is
/// <see cref="ChainStore.Commit"/>, which only the block pipeline's committer calls.
/// </summary>
public interface IChainReader : IBlockReader, IStateReader
{
    string ChainId { get; }

    Hash32 GenesisHash { get; }

    /// <summary>The durable state root after the head block.</summary>
    Hash32 StateRoot { get; }

    /// <summary>
    /// The lowest height whose block the store holds with its transactions: 0 for a store that started at genesis, the
    /// snapshot's height for one restored from a snapshot (below it, blocks and state are pruned).
    /// </summary>
    ulong BaseHeight { get; }

    /// <summary>How many heights below the head proofs and views are served for.</summary>
    ulong ProofWindow { get; }

    bool ContainsTransaction(Hash32 txId);

    /// <summary>
    /// What committed the last block of <paramref name="epoch"/> (its suffix headers and certificate, and the next set),
    /// if this store holds it: kept with the block, so null for an epoch not ended yet or one whose last block this store
    /// took without it (from an older peer, or below a snapshot's height).
    /// </summary>
    V1.EpochEndCommit? GetEpochEnd(ulong epoch);

    /// <summary>For each id, whether it is committed (one batched lookup).</summary>
    bool[] ContainsTransactions(IReadOnlyList<Hash32> txIds);

    /// <summary>The state root after <paramref name="height"/>, if recorded.</summary>
    Hash32? GetStateRoot(ulong height);

    /// <summary>An account (and slots) with proofs at the head or a height within the window; null when out of it.</summary>
    AccountProof? GetAccountProof(Address address, ulong? height, IReadOnlyList<UInt256>? slots = null);

    /// <summary>
    /// Writes the state after <paramref name="height"/> (the head, or within the window) as snapshot chunks; see
    /// <see cref="ChainStore.ExportSnapshot"/>.
    /// </summary>
    SnapshotExport ExportSnapshot(ulong height, int chunkBytes, Action<byte[]> onChunk, CancellationToken cancellationToken = default);

    /// <summary>The manifest of an export (blocks h and h+1, receipts, ancestors); see <see cref="ChainStore.BuildManifest"/>.</summary>
    V1.SnapshotManifest BuildManifest(ulong height, ulong epochStart, SnapshotExport export);

    /// <summary>A consistent view of the state at the head (null) or a height within the window; null when out of it.</summary>
    IStateView? OpenStateView(ulong? height);
}
