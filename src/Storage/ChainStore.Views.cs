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
            return new HistoricalView(this, h, head, root, _db.CreateSnapshot());
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

    private sealed class HistoricalView(ChainStore store, ulong height, ulong head, Hash32 root, Snapshot snapshot) : IStateView
    {
        private readonly HistoricalRead _read = new(height, head, new ReadOptions().SetSnapshot(snapshot));
        private readonly Dictionary<Address, AccountState> _accounts = [];

        public ulong Height => height;

        public Hash32 StateRoot => root;

        public AccountState GetAccount(Address address)
        {
            if (_accounts.TryGetValue(address, out var cached))
            {
                return cached;
            }
            try
            {
                var (_, leaf) = store._state.GetHistoricalProof(address, root, height);
                var account = leaf is null ? AccountState.Empty : StateCommitment.DecodeLeaf(store._suite, leaf);
                _accounts[address] = account;
                return account;
            }
            catch (TrieException ex)
            {
                throw new StoreException($"the state at height {height} is no longer available: {ex.Message}", ex);
            }
        }

        public byte[]? GetCode(Hash32 codeHash) => store.GetCode(codeHash);

        public UInt256 GetStorage(Address address, UInt256 slot) =>
            store._storageTries.ReadThroughTrie(GetAccount(address).StorageRoot, address, slot, _read);

        public void Dispose() => snapshot.Dispose();
    }
}
