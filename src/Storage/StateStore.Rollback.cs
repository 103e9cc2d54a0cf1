using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

// Undoing the last blocks in place (docs/storage.md, "Rolling back in place"): each block's changes are reversed from
// what the store keeps for the proof window: the flat slots from the block's undo record, the storage tries' nodes from
// their history, the flat accounts and the account trie from the journal's leaves before the block.
internal sealed partial class StateStore
{
    /// <summary>
    /// Why the blocks above <paramref name="target"/> cannot be undone in place on a store at <paramref name="head"/>;
    /// null when they can. Checked: history is kept (a proof window), the blocks lie within it, and every one has its
    /// undo record (blocks committed by a version that kept none do not).
    /// </summary>
    public string? CannotUndo(ulong head, ulong target)
    {
        if (ProofWindow == 0)
        {
            return "the store keeps no history to undo blocks with (state.proof_window_blocks is 0)";
        }
        if (head - target >= ProofWindow)
        {
            return $"only the last {ProofWindow - 1} blocks can be undone in place (state.proof_window_blocks is {ProofWindow})";
        }
        if (target + 1 < _historyFrom)
        {
            return $"the store's history starts at block {_historyFrom} (it ran without a proof window before)";
        }
        for (var height = target + 1; height <= head; height++)
        {
            if (!_engine.ContainsKey(_stateUndo, StoreKeys.Height(height)))
            {
                return $"block {height} has no undo record (it was committed by a version that kept none)";
            }
        }
        return null;
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> what takes the state from <paramref name="head"/> back to <paramref name="target"/>,
    /// and takes the account trie there in memory, checking the root of every height on the way against the one the
    /// store recorded. The caller checked <see cref="CannotUndo"/>; a record missing or malformed now throws
    /// <see cref="StoreException"/>, and then the in-memory trie must not be used again.
    /// </summary>
    public void Undo(IKeyValueWriteBatch batch, ulong head, ulong target)
    {
        // From the head down, so that where several blocks wrote one key the last write in the batch is the value
        // before the lowest of them: the value at the target.
        for (var height = head; height > target; height--)
        {
            var key = StoreKeys.Height(height);
            var undo = _engine.Get(_stateUndo, key);
            if (undo is null || !SlotUndo.TryDecode(undo, out var slots))
            {
                throw new StoreException($"the undo record of block {height} is {(undo is null ? "missing" : "malformed")}: it cannot be undone in place");
            }
            foreach (var slot in slots)
            {
                if (slot.Previous is null)
                {
                    batch.Delete(_storage, slot.Key);
                }
                else
                {
                    batch.Put(_storage, slot.Key, slot.Previous);
                }
            }
            foreach (var (historyKey, previous) in _engine.Scan(_trieHistory, key))
            {
                var nodeKey = historyKey.AsSpan(key.Length).ToArray();
                if (previous is [0x00])
                {
                    batch.Delete(_trieNodes, nodeKey);
                }
                else if (previous is [0x01, _, ..])
                {
                    batch.Put(_trieNodes, nodeKey, previous.AsSpan(1).ToArray());
                }
                else
                {
                    throw new StoreException($"a storage-trie history record of block {height} is malformed: it cannot be undone in place");
                }
            }
            var journal = _engine.Get(_stateJournal, key);
            if (journal is null || !StateCommitment.TryDecodeJournal(journal, forward: false, out var accounts, out _))
            {
                throw new StoreException($"the state journal of block {height} is {(journal is null ? "missing" : "malformed")}: it cannot be undone in place");
            }
            foreach (var (address, leaf) in accounts)
            {
                if (leaf.Length == 0)
                {
                    batch.Delete(_accounts, address);
                }
                else
                {
                    batch.Put(_accounts, address, FlatAccountCodec.Encode(StateCommitment.DecodeLeaf(_suite, leaf)));
                }
            }
            batch.Delete(_stateUndo, key);
            batch.Delete(_stateJournal, key);
            batch.Delete(_stateRoots, key);
            batch.DeleteRange(_trieHistory, key, StoreKeys.Height(height + 1));
        }
        Commitment.Revert(target, batch);
    }
}
