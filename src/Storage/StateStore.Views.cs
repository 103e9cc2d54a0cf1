using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

// Consistent reads of the state at the head or at a recent height, for read-only contract calls and proofs.
internal sealed partial class StateStore
{
    /// <summary>
    /// A view of the state at the head <paramref name="height"/>: the flat families on a snapshot (one get per read,
    /// unaffected by later commits). Called under the commit lock, so that the snapshot is of that height.
    /// </summary>
    public IStateView OpenHeadView(ulong height, Hash32 root) => new HeadView(this, height, root, _engine.CreateSnapshot());

    /// <summary>
    /// The state of <paramref name="height"/>, below the head <paramref name="head"/>, when it lies within
    /// <see cref="ProofWindow"/> and its history is kept; null when it does not. Called under the commit lock: the
    /// snapshots are taken with the window check, so that nothing the state needs is pruned under it.
    /// </summary>
    public PastState? TryOpenPast(ulong height, ulong head)
    {
        if (height >= head || head - height > ProofWindow || height + 1 < _historyFrom || GetStateRoot(height) is not { } root)
        {
            return null;
        }
        // One snapshot for the storage tries, one to rebuild the account trie of that height unless it is rebuilt already.
        var snapshot = _engine.CreateSnapshot();
        var lease = Commitment.TryLeaseHistorical(height, root);
        return new PastState(Commitment, height, head, root, snapshot, lease, lease is null ? _engine.CreateSnapshot() : null);
    }

    /// <summary>A view over a past state, which it owns.</summary>
    public IStateView OpenPastView(PastState past) => new HistoricalView(this, past);

    private sealed class HeadView(StateStore state, ulong height, Hash32 root, IKeyValueSnapshot snapshot) : IStateView
    {
        public ulong Height => height;

        public Hash32 StateRoot => root;

        public AccountState GetAccount(Address address)
        {
            var value = snapshot.Get(state._accounts, address.ToArray());
            return value is null ? AccountState.Empty : FlatAccountCodec.Decode(value);
        }

        // Code is immutable and never deleted, so reading it needs no snapshot.
        public byte[]? GetCode(Hash32 codeHash) => state.GetCode(codeHash);

        public UInt256 GetStorage(Address address, UInt256 slot)
        {
            var value = snapshot.Get(state._storage, StorageTries.FlatKey(address, slot));
            return value is null ? UInt256.Zero : UInt256.ReadBigEndian(value);
        }

        public void Dispose() => snapshot.Dispose();
    }

    private sealed class HistoricalView(StateStore state, PastState past) : IStateView
    {
        private readonly Dictionary<Address, AccountState> _accounts = [];

        public ulong Height => past.Height;

        public Hash32 StateRoot => past.Root;

        public AccountState GetAccount(Address address)
        {
            if (_accounts.TryGetValue(address, out var cached))
            {
                return cached;
            }
            IHistoricalState trie;
            try
            {
                trie = past.AccountTrie();
            }
            catch (TrieException ex)
            {
                throw new StoreException($"the state at height {past.Height} is no longer available: {ex.Message}", ex);
            }
            var leaf = trie.ReadLeaf(address);
            var account = leaf is null ? AccountState.Empty : StateCommitment.DecodeLeaf(state._suite, leaf);
            _accounts[address] = account;
            return account;
        }

        public byte[]? GetCode(Hash32 codeHash) => state.GetCode(codeHash);

        public UInt256 GetStorage(Address address, UInt256 slot) =>
            state._storageTries.ReadThroughTrie(GetAccount(address).StorageRoot, address, slot, past.Read);

        public void Dispose() => past.Dispose();
    }
}

/// <summary>
/// The state of a recent height below the head: its storage tries read through their history on a snapshot, and its
/// account trie, leased when already rebuilt or else rebuilt on first use from a second snapshot. Not thread-safe; the
/// holder disposes it, which releases both.
/// </summary>
internal sealed class PastState(IStateCommitment commitment, ulong height, ulong head, Hash32 root, IKeyValueSnapshot snapshot,
    IHistoricalState? lease, IKeyValueSnapshot? rebuildSnapshot) : IDisposable
{
    private IHistoricalState? _lease = lease;
    private IKeyValueSnapshot? _rebuildSnapshot = rebuildSnapshot;

    public ulong Height => height;

    public Hash32 Root => root;

    /// <summary>How the storage tries of that height are read.</summary>
    public HistoricalRead Read { get; } = new(height, head, snapshot);

    /// <summary>
    /// The account trie of that height, held until disposal. Throws <see cref="TrieException"/> when it can no longer be
    /// rebuilt (never one of another root), and <see cref="StoreException"/> when an earlier attempt failed.
    /// </summary>
    public IHistoricalState AccountTrie()
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
        return _lease = commitment.LeaseHistorical(height, root, rebuild);
    }

    public void Dispose()
    {
        _lease?.Dispose();
        _rebuildSnapshot?.Dispose();
        snapshot.Dispose();
    }
}
