using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

// Export of the state at a height as snapshot chunks (SnapshotChunks): the flat state of a snapshot taken at the head,
// corrected by the journal to the accounts and slots of the height asked for.
internal sealed partial class StateStore
{
    /// <summary>
    /// Writes the state after <paramref name="height"/> as chunks, in trie-key order. <paramref name="head"/> is the flat
    /// state's height (the snapshot <paramref name="flat"/> was taken at it) and <paramref name="past"/> the state of the
    /// height when it lies below the head (null when it is the head). Accounts that no block after the height changed are
    /// read from the flat state as they are; changed ones through the past state's trie, and their storage through its
    /// storage tries. A slot that was set at the height and cleared since has no key left in the flat state: the storage
    /// root of what is found then differs from the account's, and the export is refused rather than written wrong.
    /// </summary>
    public SnapshotExport Export(ulong height, ulong head, IKeyValueSnapshot flat, IStateView? past, int chunkBytes, Action<byte[]> onChunk,
        CancellationToken cancellationToken)
    {
        var changed = new HashSet<Address>();
        for (var h = height + 1; h <= head; h++)
        {
            var record = flat.Get(_stateJournal, StoreKeys.Height(h));
            if (record is null || !StateCommitment.TryDecodeJournal(record, forward: true, out var updates, out _))
            {
                throw new StoreException($"the state journal of block {h} is missing or malformed: the state at {height} cannot be exported");
            }
            foreach (var (key, _) in updates)
            {
                changed.Add(new Address(key));
            }
        }
        // (trie key, address, account) for every account of the height, then sorted by trie key.
        var accounts = new List<(Hash32 Key, Address Address, AccountState Account)>();
        foreach (var (key, value) in flat.Scan(_accounts, []))
        {
            var address = new Address(key);
            var account = changed.Contains(address) ? past!.GetAccount(address) : FlatAccountCodec.Decode(value);
            if (!account.IsEmpty)
            {
                accounts.Add((_suite.Hash(key), address, account));
            }
        }
        foreach (var address in changed)
        {
            // Accounts deleted since the height are not in the flat state.
            if (flat.Get(_accounts, address.ToArray()) is null && past!.GetAccount(address) is { IsEmpty: false } account)
            {
                accounts.Add((_suite.Hash(address.ToArray()), address, account));
            }
        }
        accounts.Sort((a, b) => a.Key.CompareTo(b.Key));
        cancellationToken.ThrowIfCancellationRequested();

        var builder = new SnapshotChunkBuilder(_suite, chunkBytes, onChunk);
        var codesWritten = new HashSet<Hash32>();
        foreach (var (_, address, account) in accounts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte[]? code = null;
            if (account.HasCode && codesWritten.Add(account.CodeHash))
            {
                code = flat.Get(_code, account.CodeHash.ToArray())
                    ?? throw new StoreException($"the code {account.CodeHash} of {address} is missing: the store is corrupt");
            }
            var slots = account.StorageRoot.IsZero ? [] : SlotsAt(address, account, changed.Contains(address) ? past : null, flat, height);
            builder.Add(address, account, code, slots);
        }
        builder.Finish();
        return new SnapshotExport(height, builder.Hashes, builder.Accounts, builder.Slots, builder.Codes);
    }

    private List<KeyValuePair<UInt256, UInt256>> SlotsAt(Address address, AccountState account, IStateView? past, IKeyValueSnapshot flat, ulong height)
    {
        var slots = new List<KeyValuePair<UInt256, UInt256>>();
        foreach (var (key, value) in flat.Scan(_storage, address.ToArray()))
        {
            var slot = UInt256.ReadBigEndian(key.AsSpan(Address.Size));
            var atHeight = past is null ? UInt256.ReadBigEndian(value) : past.GetStorage(address, slot);
            if (!atHeight.IsZero)
            {
                slots.Add(new(slot, atHeight));
            }
        }
        if (past is not null)
        {
            var diff = new ContractStateDiff { Storage = [.. slots.Select(s => new StorageChange(address, s.Key, s.Value))] };
            var root = _storageTries.ComputeRoots(diff, _ => Hash32.Zero) is [var only] ? only.Value : Hash32.Zero;
            if (root != account.StorageRoot)
            {
                throw new StoreException($"the storage of {address} at height {height} holds slots cleared since, which the flat state " +
                    "no longer names: take the snapshot at a later height");
            }
        }
        return slots;
    }
}

/// <summary>What an export wrote: the height, each chunk's suite hash in order, and counts.</summary>
public sealed record SnapshotExport(ulong Height, IReadOnlyList<Hash32> ChunkHashes, long Accounts, long Slots, long Codes);
