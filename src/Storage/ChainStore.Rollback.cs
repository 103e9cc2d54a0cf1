using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

// Rolling back in place (docs/storage.md, "Rolling back in place"; the `rollback` command uses it when it can).
public sealed partial class ChainStore
{
    // Set once this instance rolled the store back: its caches and in-memory trie are not the disk's, so it serves and
    // commits nothing more and its close writes nothing; a reopen reads the rolled-back store.
    private volatile string? _retired;

    /// <summary>
    /// Why the blocks above <paramref name="target"/> cannot be undone in place; null when they can (the store keeps,
    /// for the proof window, what reverses each block: see <see cref="RollBack"/>).
    /// </summary>
    public string? CannotRollBackInPlace(ulong target)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            return CannotRollBackInPlaceUnlocked(_head.Height, target);
        }
    }

    /// <summary>
    /// Undoes the blocks above <paramref name="target"/> in one synced batch: their blocks, certificates, hash and
    /// transaction index entries and receipts are deleted; the flat slots, storage-trie nodes, flat accounts and account
    /// trie are reversed from the undo records, the trie history and the journal, checking every height's recorded
    /// root on the way down; the head becomes the block at <paramref name="target"/>. Nothing is written unless every
    /// step succeeded. The instance is retired afterwards (reopen the store to use it).
    /// Throws <see cref="StoreException"/> when it cannot (<see cref="CannotRollBackInPlace"/>) or a record is damaged.
    /// </summary>
    public void RollBack(ulong target)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            var head = _head.Height;
            if (CannotRollBackInPlaceUnlocked(head, target) is { } reason)
            {
                throw new StoreException($"cannot roll back to height {target} in place: {reason}");
            }
            Hash32 targetHash;
            if (target == 0)
            {
                targetHash = GenesisHash;
            }
            else
            {
                var kept = _blocks.GetCommittedBlock(target) ?? throw new StoreException($"block {target} is missing: cannot roll back to it");
                targetHash = _suite.Hash(kept.Block.Header.Span);
            }
            try
            {
                using var batch = _engine.CreateWriteBatch();
                for (var height = head; height > target; height--)
                {
                    _blocks.Remove(batch, height, _suite);
                }
                _state.Undo(batch, head, target);
                batch.Put(_metadata, StoreKeys.Head, StoreKeys.EncodeHead(target, targetHash.ToArray()));
                try
                {
                    _engine.Write(batch, sync: true);
                }
                catch (StorageEngineException ex)
                {
                    throw new StoreException($"writing the rollback to height {target} failed: {ex.Message}", ex);
                }
            }
            finally
            {
                // Written or not, the in-memory trie has moved: nothing more from this instance.
                _retired = $"the store was rolled back (from {head} to {target}); reopen it";
                _closeWithoutFlush = true;
            }
        }
    }

    private string? CannotRollBackInPlaceUnlocked(ulong head, ulong target) =>
        target >= head ? $"height {target} is not below the head {head}"
        : target < BaseHeight ? $"height {target} is below the store's base height {BaseHeight} (it was restored from a snapshot of that height)"
        : _state.CannotUndo(head, target);
}
