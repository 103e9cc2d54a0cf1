using System.Collections.Concurrent;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Pipeline;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// The execute step, decoupled from ordering (ARCHITECTURE.md: block h carries the state root after executing h-1).
/// One worker thread is the only writer of the store: it executes pending blocks speculatively as soon as their
/// payload is known (on top of committed state plus the diffs of their pending ancestors), so that a leader whose
/// parent is certified but not yet committed can put the parent's state root in its header without waiting, and it
/// commits final blocks in order, reusing the speculative result when it was computed on the committed head.
/// Consensus never waits for execution except a leader for its own parent's result.
/// </summary>
public sealed class ExecutionPipeline : IDisposable
{
    private sealed record Speculated(PendingBlock Block, ExecutionResult Result, StateLayer Layer, Hash32 ReceiptsRoot)
    {
        /// <summary>Computed only when someone needs it (a leader building on this block): trie work is the costly part.</summary>
        public Hash32? StateRoot { get; set; }
    }

    private abstract record Work;
    private sealed record SpeculateWork(PendingBlock Block) : Work;
    private sealed record CommitWork(PendingBlock Block, QuorumCertificate Certificate, TaskCompletionSource Done) : Work;
    private sealed record ResetWork(TaskCompletionSource Done) : Work;
    private sealed record RootWork(Hash32 BlockHash) : Work;

    private readonly BlockingCollection<Work> _queue = new(new ConcurrentQueue<Work>());
    private readonly ChainStore _store;
    private readonly PendingBlocks _pending;
    private readonly CryptoSuite _suite;
    private readonly BlockCommitter _committer;
    private readonly BlockExecutor _executor;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly ConcurrentDictionary<Hash32, Speculated> _results = new();
    private readonly ConcurrentDictionary<Hash32, TaskCompletionSource<ChainTip>> _waiters = new();
    private readonly Dictionary<Hash32, List<PendingBlock>> _waitingForParent = [];
    private readonly HashSet<Hash32> _rootsWanted = [];
    private volatile Exception? _fatal;

    public ExecutionPipeline(ChainStore store, BlockCommitter committer, BlockExecutor executor, PendingBlocks pending, CryptoSuite suite,
        ILogger<ExecutionPipeline> logger)
    {
        _pending = pending;
        _suite = suite;
        _store = store;
        _committer = committer;
        _executor = executor;
        _logger = logger;
        // The EVM recurses per call frame: the worker gets a large stack.
        _thread = new Thread(Run, 64 * 1024 * 1024) { IsBackground = true, Name = "shc-execution" };
        _thread.Start();
    }

    /// <summary>Set when committing failed (divergence, storage): the node must stop.</summary>
    public Exception? Fatal => _fatal;

    /// <summary>Raised on the worker after each committed block.</summary>
    public event Action<PendingBlock>? BlockCommitted;

    public void Speculate(PendingBlock block) => _queue.Add(new SpeculateWork(block));

    /// <summary>Queues final blocks, oldest first; the task completes when the last is durable.</summary>
    public Task CommitAsync(IReadOnlyList<(PendingBlock Block, QuorumCertificate Certificate)> blocks)
    {
        var last = Task.CompletedTask;
        foreach (var (block, certificate) in blocks)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _queue.Add(new CommitWork(block, certificate, done));
            last = done.Task;
        }
        return last;
    }

    /// <summary>Drops every speculative result (after the engine is rebuilt, e.g. following a catch-up).</summary>
    public Task ResetAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(new ResetWork(done));
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
        _queue.Add(new RootWork(parentHash));
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The state root after a pending block, if executed already.</summary>
    public bool TryGetStateRoot(Hash32 blockHash, out Hash32 stateRoot, out Hash32 receiptsRoot)
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
            return;
        }
        var state = new LayeredState(_store, [.. ancestors.Select(a => a.Layer)]);
        // BLOCKHASH follows this block's own ancestry (pending ancestors, then the committed chain): the same answers as
        // when the block is executed again at commit, whichever of its ancestors have committed by then.
        var ancestry = new AncestryBlockHashes(_store, _pending, _suite, block.ParentHash, block.Height - 1);
        var result = _executor.Execute(state, _committer.ContextOf(block.Block, ancestry), block.Transactions);
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
            // Not executed yet: the root is computed as soon as it is.
            _rootsWanted.Add(hash);
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
            // Already committed (a block can reach us through consensus and through catch-up).
            work.Done.TrySetResult();
            return;
        }
        // A speculative result computed on what is now the head is the block's result: the store sets the storage roots
        // at commit, so the diff is reused as it is.
        var executed = _results.TryRemove(block.Hash, out var speculated) && block.ParentHash == tip.Hash ? speculated.Result : null;
        _committer.Commit(block.Block, block.Transactions, work.Certificate, executed);
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
        BlockCommitted?.Invoke(block);
        work.Done.TrySetResult();
        RunChildrenOf(block.Hash);
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        _queue.Dispose();
    }
}
