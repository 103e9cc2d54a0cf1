using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

// What the store answers: blocks and the transaction index, the flat state, state roots over pending blocks, proofs and
// views. Plain reads go straight to their part; whatever depends on the head is decided under the commit lock.
public sealed partial class ChainStore
{
    /// <summary>How many flat accounts the startup check compares with the trie.</summary>
    public const int SampledAccounts = 256;

    /// <summary>How many flat storage slots the startup check compares with the storage tries.</summary>
    public const int SampledSlots = 256;

    public CommittedBlock? GetCommittedBlock(ulong height) => _blocks.GetCommittedBlock(height);

    public EpochEndCommit? GetEpochEnd(ulong epoch) => _blocks.GetEpochEnd(epoch);

    public ulong? GetHeightByHash(Hash32 hash) => hash == GenesisHash ? 0 : _blocks.GetHeightByHash(hash);

    public TxLocation? GetTxLocation(Hash32 txId) => _blocks.GetTxLocation(txId);

    /// <summary>True when the transaction is committed; cheaper than reading its location.</summary>
    public bool ContainsTransaction(Hash32 txId) => _blocks.ContainsTransaction(txId);

    /// <summary>For each id, whether the transaction is committed: one batched lookup for the whole list.</summary>
    public bool[] ContainsTransactions(IReadOnlyList<Hash32> txIds) => _blocks.ContainsTransactions(txIds);

    public Receipt? GetReceipt(Hash32 txId) => _blocks.GetReceipt(txId);

    public AccountState GetAccount(Address address) => _state.GetAccount(address);

    public byte[]? GetCode(Hash32 codeHash) => _state.GetCode(codeHash);

    public UInt256 GetStorage(Address address, UInt256 slot) => _state.GetStorage(address, slot);

    /// <summary>The state root after executing <paramref name="height"/>, or null if unknown.</summary>
    public Hash32? GetStateRoot(ulong height) => _state.GetStateRoot(height);

    /// <summary>
    /// Compares flat accounts with what the state trie holds for them: the first <paramref name="limit"/> accounts
    /// (all of them with int.MaxValue). A difference means the two were not committed together: the store is corrupt.
    /// </summary>
    public long CheckStateSample(string directory, int limit) => _state.CheckAccounts($"the data dir {directory}", limit);

    /// <summary>
    /// Compares the first <paramref name="limit"/> flat storage slots with their storage tries (under the storage root
    /// of the flat account, itself checked against the account trie). A difference means the store is corrupt.
    /// </summary>
    public long CheckStorageSample(string directory, int limit) => _state.CheckStorage($"the data dir {directory}", limit);

    /// <summary>
    /// The state root that committing <paramref name="layers"/> (account and contract diffs of blocks not yet committed,
    /// oldest first) on top of the head would give, computed without writing anything: what a leader puts in a header
    /// whose parent is still pending in consensus.
    /// </summary>
    public Hash32 ComputeStateRoot(IReadOnlyList<(IReadOnlyList<KeyValuePair<Address, AccountState>> Accounts, ContractStateDiff Contracts)> layers)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            return _state.ComputeRoot(layers);
        }
    }

    /// <summary>
    /// Trie nodes proving the account's value (or absence) under the state root after <paramref name="height"/>
    /// (null: the head), which must lie within <see cref="ProofWindow"/> of the head; null when it does not.
    /// </summary>
    public AccountProof? GetAccountProof(Address address, ulong? height, IReadOnlyList<UInt256>? slots = null)
    {
        if (height is not { } h)
        {
            return GetAccountProof(address, slots);
        }
        PastState? past;
        lock (_commitLock)
        {
            ThrowIfFailed();
            var head = _head.Height;
            if (h == head)
            {
                // Decided under the lock: a commit in between would otherwise turn this into a proof at the next height.
                return _proofs.ProveAtHead(head, address, slots);
            }
            past = h < head ? _state.TryOpenPast(h, head) : null;
        }
        if (past is null)
        {
            return null;
        }
        // The work happens outside the lock, so a slow historical proof never holds up commits.
        using (past)
        {
            return _proofs.ProveAt(past, address, slots);
        }
    }

    /// <summary>Trie nodes proving the account's value (or absence) at the head, with the head's height and state root.</summary>
    public AccountProof GetAccountProof(Address address, IReadOnlyList<UInt256>? slots = null)
    {
        lock (_commitLock)
        {
            ThrowIfFailed();
            return _proofs.ProveAtHead(_head.Height, address, slots);
        }
    }

    /// <summary>
    /// A view of the state after <paramref name="height"/> (null: the head). The head view reads the flat families on a
    /// snapshot (one get per read, unaffected by later commits); a view of an older height within
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
                return _state.OpenHeadView(h, root);
            }
            return _state.TryOpenPast(h, head) is { } past ? _state.OpenPastView(past) : null;
        }
    }
}
