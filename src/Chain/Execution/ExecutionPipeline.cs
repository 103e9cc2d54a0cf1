using System.Collections.Concurrent;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Chain.Execution;

/// <summary>
/// The execute step, decoupled from ordering (ARCHITECTURE.md: block h carries the state root after executing h-1).
/// One worker thread is the only writer of the store: it executes pending blocks speculatively as soon as their
/// payload is known (on top of committed state plus the diffs of their pending ancestors), so that a leader whose
/// parent is certified but not yet committed can put the parent's state root in its header without waiting, and it
/// commits final blocks in order, reusing the speculative result when it was computed on the committed head.
/// Consensus never waits for execution except a leader for its own parent's result. Blocks enter through
/// <see cref="Accept"/> (validated payloads) and <see cref="CommitAsync"/> (final order, from consensus or block sync);
/// the pipeline drives the mempool's side of a block's life: in flight when accepted, gone when committed, back to the
/// proposable set when its branch loses.
/// </summary>
public sealed class ExecutionPipeline : IExecutedResults, IDisposable
{
    private sealed record Speculated(PendingBlock Block, ExecutionResult Result, StateLayer Layer, Hash32 ReceiptsRoot)
    {
        /// <summary>Computed only when someone needs it (a leader building on this block): trie work is the costly part.</summary>
        public Hash32? StateRoot { get; set; }
    }

    private abstract record Work;
    private sealed record SpeculateWork(PendingBlock Block) : Work;
    private sealed record CommitWork(PendingBlock Block, QuorumCertificate Certificate, EpochEndCommit? EpochEnd, TaskCompletionSource Done) : Work;
    private sealed record ResetWork(TaskCompletionSource Done) : Work;
    private sealed record RootWork(Hash32 BlockHash) : Work;

    private readonly BlockingCollection<Work> _queue = new(new ConcurrentQueue<Work>());
    private readonly ChainStore _store;
    private readonly PendingBlocks _pending;
    private readonly TransactionPool _pool;
    private readonly CryptoSuite _suite;
    private readonly BlockCommitter _committer;
    private readonly BlockExecutor _executor;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private int _started;
    private int _disposed;
    private int _reusedResults;
    private readonly ConcurrentDictionary<Hash32, Speculated> _results = new();
    private readonly ConcurrentDictionary<Hash32, TaskCompletionSource<ChainTip>> _waiters = new();
    private readonly Dictionary<Hash32, List<PendingBlock>> _waitingForParent = [];
    private readonly HashSet<Hash32> _rootsWanted = [];
    private volatile Exception? _fatal;

    public ExecutionPipeline(ChainStore store, ChainHead head, BlockExecutor executor, PendingBlocks pending, TransactionPool pool, ChainFeed feed,
        NodeMetrics metrics, CryptoSuite suite, TimeProvider time, ILogger<ExecutionPipeline> logger)
    {
        _pending = pending;
        _pool = pool;
        _suite = suite;
        _store = store;
        _committer = new BlockCommitter(store, head, executor, pool, feed, metrics, suite, time, logger);
        _executor = executor;
        _logger = logger;
        // The EVM recurses per call frame: the worker gets a large stack. Started by Start, not here.
        _thread = new Thread(Run, 64 * 1024 * 1024) { IsBackground = true, Name = "shc-execution" };
    }

    /// <summary>Starts the worker (once); work queued before is kept and runs then.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _thread.Start();
        }
    }

    /// <summary>Blocks committed with their speculative result instead of a second execution.</summary>
    internal int ReusedResults => Volatile.Read(ref _reusedResults);

    /// <summary>Set when committing failed (divergence, storage): the node must stop.</summary>
    public Exception? Fatal => _fatal;

    /// <summary>
    /// A block whose payload passed validation (a proposal, this node's own block, a fetched one): kept for the engine and
    /// peers, its transactions held back from new proposals, and executed ahead.
    /// </summary>
    public void Accept(PendingBlock block)
    {
        _pending.Add(block);
        Speculate(block);
    }

    /// <summary>
    /// A peer's proposal whose payload passed validation, taken as <see cref="Accept"/> takes a block but only within the
    /// peer's share and all peers' share of pending blocks (<see cref="PendingBlockLimits"/>); false, with the bound that
    /// refused it, when it is not held (nor executed, nor are its transactions held back).
    /// </summary>
    public bool TryAccept(PendingBlock block, string source, out PendingAdmission admission)
    {
        admission = _pending.TryAddFromPeer(block, source);
        if (admission is not (PendingAdmission.Added or PendingAdmission.AlreadyPending))
        {
            return false;
        }
        Speculate(block);
        return true;
    }

    /// <summary>Whether a proposal from <paramref name="source"/> could be taken now: checked before its costly validation.</summary>
    public bool HasRoomFor(string source) => _pending.HasRoomFor(source);

    private void Speculate(PendingBlock block)
    {
        _pool.MarkInFlight(block.Transactions.Select(t => t.Id));
        Enqueue(new SpeculateWork(block));
    }

    /// <summary>
    /// Queues final blocks, oldest first; the task completes when the last is durable. <paramref name="epochEnd"/> is the
    /// record of the last block when that block ends an epoch (checked by whoever hands it in: the engine made it, or
    /// <see cref="Validation.BlockValidator.VerifyCommitted"/> verified it), written in the same batch as the block.
    /// </summary>
    public Task CommitAsync(IReadOnlyList<(PendingBlock Block, QuorumCertificate Certificate)> blocks, EpochEndCommit? epochEnd = null)
    {
        var last = Task.CompletedTask;
        for (var i = 0; i < blocks.Count; i++)
        {
            var (block, certificate) = blocks[i];
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!Enqueue(new CommitWork(block, certificate, i == blocks.Count - 1 ? epochEnd : null, done)))
            {
                done.TrySetCanceled();
            }
            last = done.Task;
        }
        return last;
    }

    /// <summary>Drops every speculative result (after the engine is rebuilt, e.g. following a catch-up).</summary>
    public Task ResetAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Enqueue(new ResetWork(done)))
        {
            done.TrySetCanceled();
        }
        return done.Task;
    }

    /// <summary>
    /// The results of executing <paramref name="parentHash"/> (the committed head, or a pending block once its
    /// speculative execution finishes), as a new block's header must carry them.
    /// </summary>
    public Task<ChainTip> ResultsOfAsync(Hash32 parentHash, CancellationToken cancellationToken)
    {
        var tip = _committer.Tip;
        if (tip.Hash == parentHash)
        {
            return Task.FromResult(tip);
        }
        if (_results.TryGetValue(parentHash, out var done) && done.StateRoot is not null)
        {
            return Task.FromResult(TipOf(done));
        }
        var waiter = _waiters.GetOrAdd(parentHash, _ => new TaskCompletionSource<ChainTip>(TaskCreationOptions.RunContinuationsAsynchronously));
        // The worker computes the root (now, or once the block is executed) and completes the waiter.
        Enqueue(new RootWork(parentHash));
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The state root after a pending block, if executed already.</summary>
    public bool TryGetResults(Hash32 blockHash, out Hash32 stateRoot, out Hash32 receiptsRoot)
    {
        var tip = _committer.Tip;
        if (tip.Hash == blockHash)
        {
            (stateRoot, receiptsRoot) = (tip.StateRoot, tip.ReceiptsRoot);
            return true;
        }
        if (_results.TryGetValue(blockHash, out var done) && done.StateRoot is { } root)
        {
            (stateRoot, receiptsRoot) = (root, done.ReceiptsRoot);
            return true;
        }
        (stateRoot, receiptsRoot) = (default, default);
        return false;
    }

    private static ChainTip TipOf(Speculated s) =>
        new(s.Block.Height, s.Block.Hash, s.Block.Block.Header.TimestampMs, null, s.StateRoot!.Value, s.ReceiptsRoot);

    private void Run()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            if (_fatal is not null)
            {
                if (work is CommitWork failed)
                {
                    failed.Done.TrySetException(_fatal);
                }
                continue;
            }
            try
            {
                switch (work)
                {
                    case SpeculateWork speculate:
                        SpeculateOne(speculate.Block);
                        break;
                    case CommitWork commit:
                        CommitOne(commit);
                        break;
                    case RootWork root:
                        ProvideRoot(root.BlockHash);
                        break;
                    case ResetWork reset:
                        _results.Clear();
                        _waitingForParent.Clear();
                        _rootsWanted.Clear();
                        reset.Done.TrySetResult();
                        break;
                }
            }
            catch (Exception ex)
            {
                if (work is CommitWork commit)
                {
                    // A block that cannot be committed (divergence, storage failure) stops the node: never skip one.
                    _fatal = ex;
                    commit.Done.TrySetException(ex);
                    foreach (var waiter in _waiters.Values)
                    {
                        waiter.TrySetException(ex);
                    }
                }
                else
                {
                    _logger.LogWarning(ex, "speculative execution of a pending block failed");
                }
            }
        }
    }

    private void SpeculateOne(PendingBlock block)
    {
        if (_results.ContainsKey(block.Hash) || block.Height <= _committer.Tip.Height)
        {
            return;
        }
        if (PendingAncestors(block.ParentHash) is not { } ancestors)
        {
            // Its parent is not executed yet: it runs right after the parent does (bounded: stale entries go at commit).
            if (!_waitingForParent.TryGetValue(block.ParentHash, out var children))
            {
                _waitingForParent[block.ParentHash] = children = [];
            }
            if (children.Count < 16 && !children.Exists(c => c.Hash == block.Hash))
            {
                children.Add(block);
            }
            // A parent that is pending but lost its results in a reset is executed again; this block follows it.
            SpeculateWithAncestors(block.ParentHash);
            return;
        }
        var state = new LayeredState(_store, [.. ancestors.Select(a => a.Layer)]);
        // BLOCKHASH follows this block's own ancestry (pending ancestors, then the committed chain): the same answers as
        // when the block is executed again at commit, whichever of its ancestors have committed by then.
        var ancestry = new AncestryBlockHashes(_store, _pending, _suite, block.ParentHash, block.Height - 1);
        var result = _executor.Execute(state, _committer.ContextOf(block.Block, ancestry), block.Transactions, block.Block.Block.Evidence);
        var speculated = new Speculated(block, result, new StateLayer(result.StateDiff, result.Contracts), _committer.ReceiptsRoot(result.Receipts));
        _results[block.Hash] = speculated;
        if (_rootsWanted.Remove(block.Hash))
        {
            ProvideRoot(block.Hash);
        }
        RunChildrenOf(block.Hash);
    }

    /// <summary>
    /// The executed pending blocks from <paramref name="hash"/> down to the committed head, newest first (empty when
    /// <paramref name="hash"/> is the head); null when one of them is not executed yet.
    /// </summary>
    private List<Speculated>? PendingAncestors(Hash32 hash)
    {
        var chain = new List<Speculated>();
        for (var tip = _committer.Tip.Hash; hash != tip; hash = chain[^1].Block.ParentHash)
        {
            if (!_results.TryGetValue(hash, out var ancestor))
            {
                return null;
            }
            chain.Add(ancestor);
        }
        return chain;
    }

    /// <summary>
    /// Executes the pending block <paramref name="hash"/> and its pending ancestors that have no results, oldest first,
    /// when they link to the committed head. A reset between two engines drops every speculative result, but a block
    /// accepted just before it (the next epoch's first proposal, say) stays pending and is certified and extended: its
    /// results must come back when they are asked for. Does nothing for a block not pending, or on a branch that does not
    /// reach the head (its missing ancestor may still arrive; it is executed then).
    /// </summary>
    private void SpeculateWithAncestors(Hash32 hash)
    {
        var tip = _committer.Tip;
        var missing = new List<PendingBlock>();
        for (var cursor = hash; cursor != tip.Hash && !_results.ContainsKey(cursor);)
        {
            if (!_pending.TryGet(cursor, out var block) || block.Height <= tip.Height || missing.Count >= MaxRespeculated)
            {
                return;
            }
            missing.Add(block);
            cursor = block.ParentHash;
        }
        for (var i = missing.Count - 1; i >= 0; i--)
        {
            SpeculateOne(missing[i]);
        }
    }

    // Pending blocks above the head are bounded by the engine's window; this bounds one walk regardless.
    private const int MaxRespeculated = 256;

    /// <summary>Computes a pending block's state root if needed and completes whoever waits for its results.</summary>
    private void ProvideRoot(Hash32 hash)
    {
        var tip = _committer.Tip;
        if (tip.Hash == hash)
        {
            if (_waiters.TryRemove(hash, out var committedWaiter))
            {
                committedWaiter.TrySetResult(tip);
            }
            return;
        }
        if (!_results.TryGetValue(hash, out var speculated))
        {
            // Not executed yet: the root is computed as soon as it is. A pending block whose results a reset dropped
            // is executed again now (else a leader extending it would wait for ever).
            _rootsWanted.Add(hash);
            SpeculateWithAncestors(hash);
            return;
        }
        if (speculated.StateRoot is null)
        {
            if (PendingAncestors(speculated.Block.ParentHash) is not { } chain)
            {
                return;
            }
            chain.Insert(0, speculated);
            chain.Reverse();
            speculated.StateRoot = _store.ComputeStateRoot([.. chain.Select(c => (c.Result.StateDiff, c.Result.Contracts))]);
        }
        if (_waiters.TryRemove(hash, out var waiter))
        {
            waiter.TrySetResult(TipOf(speculated));
        }
    }

    private void RunChildrenOf(Hash32 hash)
    {
        if (_waitingForParent.Remove(hash, out var children))
        {
            foreach (var child in children)
            {
                SpeculateOne(child);
            }
        }
    }

    private void CommitOne(CommitWork work)
    {
        var block = work.Block;
        var tip = _committer.Tip;
        if (block.Height <= tip.Height)
        {
            // Already committed (a block can reach us through consensus and through catch-up). If the catch-up brought an
            // epoch's last block without its record, the engine's is kept now.
            if (work.EpochEnd is { } epochEnd)
            {
                _committer.KeepEpochEnd(block.Block, epochEnd);
            }
            work.Done.TrySetResult();
            return;
        }
        // A speculative result computed on what is now the head is the block's result: the store sets the storage roots
        // at commit, so the diff is reused as it is.
        var executed = _results.TryRemove(block.Hash, out var speculated) && block.ParentHash == tip.Hash ? speculated.Result : null;
        _committer.Commit(block.Block, block.Transactions, work.Certificate, executed, work.EpochEnd);
        if (executed is not null)
        {
            Interlocked.Increment(ref _reusedResults);
        }
        if (executed is not null && speculated!.StateRoot is { } expected && _committer.Tip.StateRoot != expected)
        {
            // Both roots come from the same diff over the same parent state: a mismatch is a bug, never a network fault.
            throw new InvalidOperationException($"block {block.Height}: committed state root {_committer.Tip.StateRoot} differs from its speculative root {expected}");
        }
        // Speculative results of other blocks at this height or below belong to branches that lost.
        foreach (var (hash, other) in _results)
        {
            if (other.Block.Height <= block.Height)
            {
                _results.TryRemove(hash, out _);
            }
        }
        if (_rootsWanted.Count > 256)
        {
            // Requests for blocks that never arrived (lost proposals); the builders waiting on them have given up.
            _rootsWanted.Clear();
        }
        foreach (var parentHash in _waitingForParent.Keys.ToList())
        {
            _waitingForParent[parentHash].RemoveAll(c => c.Height <= block.Height);
            if (_waitingForParent[parentHash].Count == 0)
            {
                _waitingForParent.Remove(parentHash);
            }
        }
        if (_waiters.TryRemove(block.Hash, out var waiter))
        {
            waiter.TrySetResult(_committer.Tip);
        }
        // Pending blocks at this height or below are done with; those of losing branches give their transactions back.
        foreach (var lost in _pending.PruneAtOrBelow(block.Height, new HashSet<Hash32> { block.Hash }))
        {
            _pool.Release(lost.Transactions.Select(t => t.Id));
        }
        work.Done.TrySetResult();
        RunChildrenOf(block.Hash);
    }

    /// <summary>Queues work unless the pipeline is stopping (work handed in during shutdown is dropped: nothing waits for it).</summary>
    private bool Enqueue(Work work)
    {
        try
        {
            _queue.Add(work);
            return true;
        }
        catch (InvalidOperationException) when (_queue.IsAddingCompleted)
        {
            return false;
        }
    }

    /// <summary>Lets queued work finish (up to 10 s) and stops the worker; the host calls it before closing the store.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _queue.CompleteAdding();
        if (Volatile.Read(ref _started) == 1)
        {
            _thread.Join(TimeSpan.FromSeconds(10));
        }
    }
}
