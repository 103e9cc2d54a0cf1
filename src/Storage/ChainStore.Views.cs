using RocksDbSharp;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Storage;

/// <summary>Consistent read views of the state at the head or at a recent height, for read-only contract calls.</summary>
public sealed partial class ChainStore
{
    /// <summary>
    /// A view of the state after <paramref name="height"/> (null: the head). The head view reads the flat families on a
    /// RocksDB snapshot (one get per read, unaffected by later commits); a view of an older height within
    /// <see cref="ProofWindow"/> reads through the tries as they were then. Null when the height is not served.
    /// </summary>
    public IStateView? OpenStateView(ulong? height)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            var head = _head.Height;
            var h = height ?? head;
            if (h > head || GetStateRoot(h) is not { } root)
            {
                return null;
            }
            if (h == head)
            {
                return new HeadView(this, h, root, _db.CreateSnapshot());
            }
            if (head - h > ProofWindow || h + 1 < _historyFrom)
            {
                return null;
            }
            // Snapshots taken with the window check, so that nothing the view needs is pruned under it: one for the
            // storage tries, one to rebuild the account trie of that height unless it is rebuilt already.
            var lease = _state.TryLeaseHistorical(h, root);
            return new HistoricalView(this, h, head, root, _db.CreateSnapshot(), lease, lease is null ? _db.CreateSnapshot() : null);
        }
    }

    private sealed class HeadView(ChainStore store, ulong height, Hash32 root, Snapshot snapshot) : IStateView
    {
        private readonly ReadOptions _read = new ReadOptions().SetSnapshot(snapshot);

        public ulong Height => height;

        public Hash32 StateRoot => root;

        public AccountState GetAccount(Address address)
        {
            var value = store._db.Get(address.ToArray(), store._accounts, _read);
            return value is null ? AccountState.Empty : DecodeAccount(value);
        }

        // Code is immutable and never deleted, so reading it needs no snapshot.
        public byte[]? GetCode(Hash32 codeHash) => store.GetCode(codeHash);

        public UInt256 GetStorage(Address address, UInt256 slot)
        {
            var value = store._db.Get(StorageTries.FlatKey(address, slot), store._storage, _read);
            return value is null ? UInt256.Zero : UInt256.ReadBigEndian(value);
        }

        public void Dispose() => snapshot.Dispose();
    }

    private sealed class HistoricalView(ChainStore store, ulong height, ulong head, Hash32 root, Snapshot snapshot,
        IHistoricalState? lease, Snapshot? rebuildSnapshot) : IStateView
    {
        private readonly HistoricalRead _read = new(height, head, new ReadOptions().SetSnapshot(snapshot));
        private readonly Dictionary<Address, AccountState> _accounts = [];
        private IHistoricalState? _lease = lease;
        private Snapshot? _rebuildSnapshot = rebuildSnapshot;

        public ulong Height => height;

        public Hash32 StateRoot => root;

        public AccountState GetAccount(Address address)
        {
            if (_accounts.TryGetValue(address, out var cached))
            {
                return cached;
            }
            var leaf = State().ReadLeaf(address);
            var account = leaf is null ? AccountState.Empty : StateCommitment.DecodeLeaf(store._suite, leaf);
            _accounts[address] = account;
            return account;
        }

        // The account trie of the view's height, rebuilt on first use and held until the view is disposed.
        private IHistoricalState State()
        {
            if (_lease is { } held)
            {
                return held;
            }
            if (_rebuildSnapshot is not { } rebuild)
            {
                throw new StoreException($"the state at height {height} is no longer available");
            }
            // The lease owns the snapshot from here, whether the rebuild succeeds or not.
            _rebuildSnapshot = null;
            try
            {
                return _lease = store._state.LeaseHistorical(height, root, rebuild);
            }
            catch (TrieException ex)
            {
                throw new StoreException($"the state at height {height} is no longer available: {ex.Message}", ex);
            }
        }

        public byte[]? GetCode(Hash32 codeHash) => store.GetCode(codeHash);

        public UInt256 GetStorage(Address address, UInt256 slot) =>
            store._storageTries.ReadThroughTrie(GetAccount(address).StorageRoot, address, slot, _read);

        public void Dispose()
        {
            _lease?.Dispose();
            _rebuildSnapshot?.Dispose();
            snapshot.Dispose();
        }
    }
}
