using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Mempool;

/// <summary>
/// Transactions admitted but not yet committed, bounded by count and bytes.
/// Validation happens in two places: stateless checks (encoding, chain id, fields, signature) run once per
/// transaction, in parallel, before the pool lock, and are remembered for a while by id (<see cref="RecentlyVerified"/>,
/// shared with proposal validation) so that no transaction has its signature checked twice; stateful checks (duplicate,
/// nonce, balance, expiry, capacity) run under the lock against committed state plus what the sender already has pending.
/// Only the next expected nonce is admitted, so arrival order is always a valid execution order and a
/// block is a prefix of the arrival queue.
/// </summary>
public sealed class TransactionPool(TransactionValidator validator, ChainParameters parameters, IStateReader state,
    IBlockReader blocks, Func<IReadOnlyList<Hash32>, bool[]> committedAmong, int maxTxs, long maxBytes, int maxTxsPerSender = int.MaxValue)
{
    /// <summary>
    /// The chain parameters in force at the committed head, when the committee may change them (a governed chain):
    /// admission then checks max_tx_bytes, block_gas_limit and tx_max_lifetime_blocks against them. Without it, the
    /// genesis <c>parameters</c> hold for ever.
    /// </summary>
    public Func<ChainParameters>? ParametersInForce { get; init; }

    /// <summary>
    /// Told of every transaction the roles rule refuses at admission, with the reason (the audit trail). Called from
    /// admission's parallel checks: it must be thread-safe and must not block.
    /// </summary>
    public Action<VerifiedTransaction, string>? PermissionRefused { get; init; }

    /// <summary>The stateless checks with the limits in force.</summary>
    private TransactionValidator Rules => ParametersInForce is { } inForce ? validator.With(inForce()) : validator;

    /// <summary>
    /// The nonce admission expects next from <paramref name="sender"/>, whose committed nonce is
    /// <paramref name="committedNonce"/>: past the transactions waiting here in sequence (the committed nonce when
    /// none wait, or when the queue still counts from an older committed nonce).
    /// </summary>
    public ulong NextNonce(Address sender, ulong committedNonce)
    {
        lock (_lock)
        {
            return _senders.TryGetValue(sender, out var queue) && queue.BaseNonce == committedNonce ? queue.NextNonce : committedNonce;
        }
    }

    private sealed class Entry(VerifiedTransaction tx)
    {
        public VerifiedTransaction Tx { get; } = tx;
        public LinkedListNode<Entry>? Node;
        public bool InFlight;
    }

    private sealed class SenderQueue(ulong baseNonce)
    {
        /// <summary>The sender's committed nonce: the nonce of the first pending transaction.</summary>
        public ulong BaseNonce = baseNonce;
        public readonly List<Entry> Pending = [];
        public UInt256 PendingCost;
        public ulong NextNonce => BaseNonce + (ulong)Pending.Count;
    }

    // Enough to cover the lag between a transaction's arrival in a proposal and by gossip at several thousand per second.
    private const int RecentlyVerifiedCapacity = 32_768;

    private readonly RecentlyVerified _recentlyVerified = new(RecentlyVerifiedCapacity);
    private long _signatureChecks;
    private readonly object _lock = new();
    private readonly LinkedList<Entry> _arrival = new();
    private readonly Dictionary<Hash32, Entry> _byId = [];
    private readonly Dictionary<Address, SenderQueue> _senders = [];
    private long _bytes;
    private int _inFlight;
    private TaskCompletionSource _available = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// Who may send and deploy (the governance module's roles), checked against committed state at admission; null
    /// where anyone may. Execution checks the same rule again (BlockExecutor), so admission is a courtesy to the
    /// sender, not the guard.
    /// </summary>
    public ITransactionPermissions? Permissions { get; init; }

    /// <summary>Stateless validations (signature included) this pool has run: a transaction seen twice counts once.</summary>
    public long SignatureChecks => Interlocked.Read(ref _signatureChecks);

    /// <summary>Number of transactions waiting that are not already in a proposed block.</summary>
    public int ReadyCount
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count - _inFlight;
            }
        }
    }

    /// <summary>Completes when a transaction becomes available for a block.</summary>
    public Task WaitForTransactionsAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_byId.Count - _inFlight > 0)
            {
                return Task.CompletedTask;
            }
            return _available.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Transactions admitted from this node's clients (not from peers), in admission order: what the node gossips.
    /// Raised outside the pool's lock.
    /// </summary>
    public event Action<IReadOnlyList<VerifiedTransaction>>? LocallyAdmitted;

    /// <summary>
    /// Admits a batch: signatures are checked in parallel, then each transaction is admitted in request order.
    /// <paramref name="fromPeer"/> marks gossip from a peer, which is not gossiped again.
    /// </summary>
    public AdmissionResult[] Admit(IReadOnlyList<byte[]> encoded, bool fromPeer = false)
    {
        var validations = new TxValidation[encoded.Count];
        // A transaction already pending (typically one that reached this node both from a client and through gossip)
        // is answered by its id, a hash, without checking its signature a second time.
        var pending = new TxValidation?[encoded.Count];
        var ids = new Hash32[encoded.Count];
        for (var i = 0; i < encoded.Count; i++)
        {
            ids[i] = validator.Suite.Hash(encoded[i]);
        }
        lock (_lock)
        {
            for (var i = 0; i < encoded.Count; i++)
            {
                if (_byId.TryGetValue(ids[i], out var known))
                {
                    pending[i] = new TxValidation(known.Tx, TxRejectReason.None, "");
                }
            }
        }
        // A committed transaction (gossip arriving after the block) is refused by its id before any signature check.
        // One batched store lookup for the ids not pending, outside the lock.
        var unknown = new List<int>(encoded.Count);
        for (var i = 0; i < encoded.Count; i++)
        {
            if (pending[i] is null)
            {
                unknown.Add(i);
            }
        }
        var committed = new bool[encoded.Count];
        var found = committedAmong(unknown.ConvertAll(i => ids[i]));
        for (var k = 0; k < unknown.Count; k++)
        {
            committed[unknown[k]] = found[k];
        }
        // A suite that verifies signatures faster in groups (SM2 in AVX-512 lanes) checks a large batch's new
        // transactions together first; the rest is as for one transaction.
        var batched = validator.Suite.PreferredBatch > 1 && encoded.Count > 16 ? ValidateBatch(ids, encoded, i => committed[i] || pending[i] is not null, Rules) : null;
        void Check(int i)
        {
            if (committed[i])
            {
                return;
            }
            validations[i] = pending[i] ?? batched?[i] ?? ValidateOnce(ids[i], encoded[i]);
            // The roles rule reads committed state: checked here, in parallel and outside the pool's lock.
            if (Permissions is not null && pending[i] is null && validations[i].Transaction is { } tx &&
                Permissions.Refusal(state, tx.Sender, tx.To is null) is { } refusal)
            {
                validations[i] = new TxValidation(null, TxRejectReason.PermissionDenied, refusal);
                PermissionRefused?.Invoke(tx, refusal);
            }
        }
        if (encoded.Count > 16)
        {
            Parallel.For(0, encoded.Count, Check);
        }
        else
        {
            for (var i = 0; i < encoded.Count; i++)
            {
                Check(i);
            }
        }
        var results = new AdmissionResult[encoded.Count];
        var added = false;
        lock (_lock)
        {
            var head = blocks.HeadHeight;
            for (var i = 0; i < encoded.Count; i++)
            {
                if (committed[i])
                {
                    results[i] = new AdmissionResult(ids[i], TxRejectReason.Duplicate, "transaction is already committed");
                    continue;
                }
                var validation = validations[i];
                if (validation.Transaction is not { } tx)
                {
                    results[i] = new AdmissionResult(default, validation.Reason, validation.Message);
                    continue;
                }
                results[i] = AdmitLocked(tx, head);
                added |= results[i].Accepted;
            }
            if (added)
            {
                _available.TrySetResult();
            }
        }
        if (added && !fromPeer && LocallyAdmitted is { } gossip)
        {
            var admitted = new List<VerifiedTransaction>();
            for (var i = 0; i < results.Length; i++)
            {
                if (results[i].Accepted)
                {
                    admitted.Add(validations[i].Transaction!);
                }
            }
            gossip(admitted);
        }
        return results;
    }

    public AdmissionResult Admit(byte[] encoded) => Admit([encoded])[0];

    /// <summary>
    /// The stateless checks of the batch's transactions that are neither committed, pending nor recently verified, with
    /// their signatures verified in groups (<see cref="Core.Crypto.CryptoSuite.VerifyBatch"/>, the same verdicts as one by
    /// one); null entries are left to <see cref="ValidateOnce"/>.
    /// </summary>
    private TxValidation?[] ValidateBatch(Hash32[] ids, IReadOnlyList<byte[]> encoded, Func<int, bool> skip, TransactionValidator rules)
    {
        var results = new TxValidation?[encoded.Count];
        var signed = new SignedTransaction?[encoded.Count];
        Parallel.For(0, encoded.Count, i =>
        {
            if (skip(i) || _recentlyVerified.TryGet(ids[i], out _))
            {
                return;
            }
            Interlocked.Increment(ref _signatureChecks);
            var decoded = rules.Validate(encoded[i], checkSignature: false);
            results[i] = decoded;
            if (decoded.Transaction is not null)
            {
                signed[i] = SignedTransaction.Parser.ParseFrom(encoded[i]);
            }
        });
        var toVerify = new List<int>();
        for (var i = 0; i < encoded.Count; i++)
        {
            if (signed[i] is not null)
            {
                toVerify.Add(i);
            }
        }
        const int Chunk = 64;
        Parallel.For(0, (toVerify.Count + Chunk - 1) / Chunk, c =>
        {
            var count = Math.Min(Chunk, toVerify.Count - c * Chunk);
            var checks = new Core.Crypto.SignatureCheck[count];
            for (var k = 0; k < count; k++)
            {
                var tx = signed[toVerify[c * Chunk + k]]!;
                checks[k] = new Core.Crypto.SignatureCheck(tx.PublicKey.Memory, tx.Body.Memory, tx.Signature.Memory);
            }
            var verdicts = new bool[count];
            validator.Suite.VerifyBatch(checks, Core.Crypto.SigningDomain.Transaction, verdicts);
            for (var k = 0; k < count; k++)
            {
                var i = toVerify[c * Chunk + k];
                if (verdicts[k])
                {
                    _recentlyVerified.Add(results[i]!.Value.Transaction!);
                }
                else
                {
                    results[i] = TxValidation.Reject(TxRejectReason.BadSignature, "signature does not verify");
                }
            }
        });
        return results;
    }

    /// <summary>
    /// <see cref="ValidateOnce"/> for many transactions (a block's): in parallel, and, with a suite that verifies
    /// signatures faster in groups (SM2 in AVX-512 lanes), the new ones' signatures checked together.
    /// </summary>
    public TxValidation[] ValidateOnceAll(Hash32[] ids, IReadOnlyList<byte[]> encoded, TransactionValidator? rules = null)
    {
        var checks = rules ?? Rules;
        var batched = validator.Suite.PreferredBatch > 1 && encoded.Count > 16 ? ValidateBatch(ids, encoded, _ => false, checks) : null;
        var results = new TxValidation[encoded.Count];
        if (encoded.Count > 32)
        {
            Parallel.For(0, encoded.Count, i => results[i] = batched?[i] ?? ValidateOnce(ids[i], encoded[i], checks));
        }
        else
        {
            for (var i = 0; i < encoded.Count; i++)
            {
                results[i] = batched?[i] ?? ValidateOnce(ids[i], encoded[i], checks);
            }
        }
        return results;
    }

    /// <summary>
    /// The stateless checks of a transaction with this id and these bytes: remembered from an earlier check if there
    /// was one (here or in a proposal), else run now and remembered. Only passing results are remembered.
    /// </summary>
    /// <param name="rules">The checks to run: by default those in force at the head; a block's validator passes its epoch's.</param>
    public TxValidation ValidateOnce(Hash32 id, byte[] encoded, TransactionValidator? rules = null)
    {
        if (_recentlyVerified.TryGet(id, out var seen))
        {
            return new TxValidation(seen, TxRejectReason.None, "");
        }
        Interlocked.Increment(ref _signatureChecks);
        var validation = (rules ?? Rules).Validate(encoded);
        if (validation.Transaction is { } tx)
        {
            _recentlyVerified.Add(tx);
        }
        return validation;
    }

    private AdmissionResult AdmitLocked(VerifiedTransaction tx, ulong head)
    {
        if (_byId.ContainsKey(tx.Id))
        {
            return new AdmissionResult(tx.Id, TxRejectReason.Duplicate, "transaction is already pending");
        }
        if (tx.ExpiresAtHeight <= head)
        {
            return new AdmissionResult(tx.Id, TxRejectReason.Expired, $"expired at height {tx.ExpiresAtHeight}, head is {head}");
        }
        var lifetime = (ParametersInForce?.Invoke() ?? parameters).TxMaxLifetimeBlocks;
        if (tx.ExpiresAtHeight > head + lifetime)
        {
            return new AdmissionResult(tx.Id, TxRejectReason.Expired,
                $"expires_at_height {tx.ExpiresAtHeight} is more than {lifetime} blocks after head {head}");
        }
        if (_byId.Count >= maxTxs || _bytes + tx.Size > maxBytes)
        {
            return new AdmissionResult(tx.Id, TxRejectReason.MempoolFull, "mempool is full; retry later");
        }
        var account = state.GetAccount(tx.Sender);
        if (_senders.TryGetValue(tx.Sender, out var existing) && existing.BaseNonce != account.Nonce)
        {
            // A block committed since this sender's queue was last brought up to date: do it now, or its committed
            // transactions would still count against the (already debited) balance.
            Revalidate(tx.Sender, existing, head);
        }
        if (!_senders.TryGetValue(tx.Sender, out var queue))
        {
            queue = new SenderQueue(account.Nonce);
        }
        if (tx.Nonce < queue.BaseNonce)
        {
            return new AdmissionResult(tx.Id, TxRejectReason.NonceTooLow, $"nonce {tx.Nonce} is already used; next is {queue.NextNonce}");
        }
        if (tx.Nonce < queue.NextNonce)
        {
            return new AdmissionResult(tx.Id, TxRejectReason.NonceTooLow, $"nonce {tx.Nonce} is taken by a pending transaction; next is {queue.NextNonce}");
        }
        if (tx.Nonce > queue.NextNonce)
        {
            return new AdmissionResult(tx.Id, TxRejectReason.NonceGap, $"nonce {tx.Nonce} skips ahead; next is {queue.NextNonce}");
        }
        if (queue.Pending.Count >= maxTxsPerSender)
        {
            // One sender's share of the pool is bounded, so a single busy or hostile account cannot fill it for everyone.
            return new AdmissionResult(tx.Id, TxRejectReason.SenderLimitReached,
                $"the sender already has {queue.Pending.Count} pending transactions, its limit (mempool.max_txs_per_sender); retry once some commit");
        }
        if (!UInt256.TryAdd(queue.PendingCost, tx.MaxCost!.Value, out var cost) || cost > account.Balance)
        {
            return new AdmissionResult(tx.Id, TxRejectReason.InsufficientBalance,
                $"balance {account.Balance} does not cover this and the sender's pending transactions");
        }
        var entry = new Entry(tx);
        entry.Node = _arrival.AddLast(entry);
        queue.Pending.Add(entry);
        queue.PendingCost = cost;
        _senders[tx.Sender] = queue;
        _byId.Add(tx.Id, entry);
        _bytes += tx.Size;
        return new AdmissionResult(tx.Id, TxRejectReason.None, "");
    }

    /// <summary>
    /// Takes the oldest transactions not yet in flight, within the block's bounds, and marks them in flight so
    /// the next proposal does not repeat them. They stay in the pool until committed or released.
    /// </summary>
    public List<VerifiedTransaction> ReapForBlock(BlockLimits limits, ulong height)
    {
        var taken = new List<VerifiedTransaction>();
        lock (_lock)
        {
            long bytes = 0;
            ulong gas = 0;
            HashSet<Address>? held = null;
            for (var node = _arrival.First; node is not null && taken.Count < limits.MaxTxs; node = node.Next)
            {
                var entry = node.Value;
                if (entry.InFlight)
                {
                    continue;
                }
                // Expired by the height of this block: leave it (and everything after it from its sender) out, so it
                // does not fail in the block and take the sender's later transactions with it. The expiry sweep drops it.
                // The same for a transaction over this block's per-transaction limits (admitted before the committee
                // lowered them): it waits for its expiry instead of stopping every block behind it.
                if (entry.Tx.ExpiresAtHeight < height || entry.Tx.Size > limits.MaxTxBytes || entry.Tx.GasLimit > limits.MaxGas ||
                    (held is not null && held.Contains(entry.Tx.Sender)))
                {
                    (held ??= []).Add(entry.Tx.Sender);
                    continue;
                }
                if (bytes + entry.Tx.Size > limits.MaxBytes || gas + entry.Tx.GasLimit > limits.MaxGas)
                {
                    break;
                }
                entry.InFlight = true;
                _inFlight++;
                bytes += entry.Tx.Size;
                gas += entry.Tx.GasLimit;
                taken.Add(entry.Tx);
            }
            if (_byId.Count - _inFlight == 0)
            {
                _available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        return taken;
    }

    /// <summary>The pool's verified copy of a transaction, so a proposal carrying it needs no second signature check.</summary>
    /// <summary>Up to <paramref name="limit"/> waiting transactions in arrival order (in flight in a pending block or not), and how many wait in all.</summary>
    public (List<VerifiedTransaction> Transactions, int Total) List(int limit)
    {
        lock (_lock)
        {
            var listed = new List<VerifiedTransaction>(Math.Min(limit, _arrival.Count));
            for (var node = _arrival.First; node is not null && listed.Count < limit; node = node.Next)
            {
                listed.Add(node.Value.Tx);
            }
            return (listed, _byId.Count);
        }
    }

    public bool TryGet(Hash32 id, out VerifiedTransaction tx)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var entry))
            {
                tx = entry.Tx;
                return true;
            }
        }
        tx = null!;
        return false;
    }

    /// <summary>
    /// Marks transactions that a pending (proposed, not yet committed) block carries, so this node's own proposals
    /// do not repeat them. Unknown ids are ignored.
    /// </summary>
    public void MarkInFlight(IEnumerable<Hash32> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (_byId.TryGetValue(id, out var entry) && !entry.InFlight)
                {
                    entry.InFlight = true;
                    _inFlight++;
                }
            }
            if (_byId.Count - _inFlight == 0)
            {
                _available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Returns the transactions of a pending block that will never commit (another branch won) to the proposable set.</summary>
    public void Release(IEnumerable<Hash32> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (_byId.TryGetValue(id, out var entry) && entry.InFlight)
                {
                    entry.InFlight = false;
                    _inFlight--;
                }
            }
            if (_byId.Count - _inFlight > 0)
            {
                _available.TrySetResult();
            }
        }
    }

    /// <summary>Returns in-flight transactions of a proposal that was not committed, so they can be proposed again.</summary>
    public void ReleaseInFlight()
    {
        lock (_lock)
        {
            foreach (var entry in _arrival)
            {
                entry.InFlight = false;
            }
            _inFlight = 0;
            if (_byId.Count > 0)
            {
                _available.TrySetResult();
            }
        }
    }

    /// <summary>
    /// After a block commits: removes its transactions, moves each touched sender's base nonce to the
    /// committed one, and drops what committed state has made invalid (used nonces, expired, unaffordable).
    /// </summary>
    public void OnBlockCommitted(IReadOnlyList<VerifiedTransaction> committed, ulong height)
    {
        lock (_lock)
        {
            var touched = new HashSet<Address>();
            foreach (var tx in committed)
            {
                touched.Add(tx.Sender);
                if (_byId.TryGetValue(tx.Id, out var entry))
                {
                    RemoveFromIndexes(entry);
                }
            }
            foreach (var sender in touched)
            {
                if (_senders.TryGetValue(sender, out var queue))
                {
                    Revalidate(sender, queue, height);
                }
            }
            if (height % 64 == 0)
            {
                DropExpired(height);
            }
        }
    }

    private void Revalidate(Address sender, SenderQueue queue, ulong height)
    {
        var account = state.GetAccount(sender);
        queue.BaseNonce = account.Nonce;
        var keep = new List<Entry>(queue.Pending.Count);
        var cost = UInt256.Zero;
        var expected = account.Nonce;
        var broken = false;
        foreach (var entry in queue.Pending)
        {
            var tx = entry.Tx;
            if (entry.Node is null)
            {
                // Already removed (committed in a block, possibly one that failed it): not pending any more.
                continue;
            }
            if (!broken && tx.Nonce < expected)
            {
                // Its nonce is used: committed (maybe in a block another validator proposed) or replaced.
                RemoveFromIndexes(entry);
                continue;
            }
            var next = UInt256.Zero;
            broken = broken || tx.Nonce != expected || tx.ExpiresAtHeight <= height ||
                !UInt256.TryAdd(cost, tx.MaxCost!.Value, out next) || next > account.Balance;
            if (broken)
            {
                // Everything after an unusable transaction has a gap in front of it: it goes too.
                RemoveFromIndexes(entry);
                continue;
            }
            cost = next;
            keep.Add(entry);
            expected++;
        }
        queue.Pending.Clear();
        queue.Pending.AddRange(keep);
        queue.PendingCost = cost;
        if (keep.Count == 0)
        {
            _senders.Remove(sender);
        }
    }

    private void DropExpired(ulong height)
    {
        var expiredSenders = new HashSet<Address>();
        foreach (var entry in _arrival)
        {
            if (entry.Tx.ExpiresAtHeight <= height)
            {
                expiredSenders.Add(entry.Tx.Sender);
            }
        }
        foreach (var sender in expiredSenders)
        {
            if (_senders.TryGetValue(sender, out var queue))
            {
                Revalidate(sender, queue, height);
            }
        }
    }

    private void RemoveFromIndexes(Entry entry)
    {
        if (!_byId.Remove(entry.Tx.Id))
        {
            return;
        }
        if (entry.Node is not null)
        {
            _arrival.Remove(entry.Node);
            entry.Node = null;
        }
        if (entry.InFlight)
        {
            entry.InFlight = false;
            _inFlight--;
        }
        _bytes -= entry.Tx.Size;
    }
}
