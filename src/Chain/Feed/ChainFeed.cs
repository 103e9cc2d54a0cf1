using System.Threading.Channels;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Feed;

/// <summary>One block of a followed chain: read back from the store (history) or handed over live.</summary>
public readonly record struct FollowedBlock(ulong Height, CommittedBlock? Stored, CommittedBlockInfo? Live);

/// <summary>A follower fell further behind than its buffer; it can resume from <see cref="NextHeight"/>.</summary>
public sealed class FollowerOverflowException(ulong nextHeight, int capacity)
    : Exception($"fell more than {capacity} blocks behind; resume from height {nextHeight}")
{
    public ulong NextHeight { get; } = nextHeight;
}

/// <summary>A block as it was committed: what subscribers and receipt waiters are told.</summary>
public sealed record CommittedBlockInfo(SealedBlock Block, QuorumCertificate Certificate, IReadOnlyList<Hash32> TxIds,
    IReadOnlyList<Receipt> Receipts, ulong CommittedAtMs);

/// <summary>
/// Fans committed blocks out to receipt waiters and block subscribers. A subscriber has a bounded buffer;
/// one that falls further behind than its buffer is ended with an overflow error (it can resume from the
/// next height), so no subscriber ever misses a block silently and none can hold the node's memory hostage.
/// </summary>
public sealed class ChainFeed
{
    private sealed class Waiter
    {
        public readonly TaskCompletionSource<Receipt> Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count;
    }

    private readonly object _lock = new();
    private readonly Dictionary<Hash32, Waiter> _waiters = [];
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>A live subscription: blocks in commit order, or an overflow signal.</summary>
    public sealed class Subscription(ChainFeed feed, int capacity) : IDisposable
    {
        private readonly Channel<CommittedBlockInfo> _channel = Channel.CreateBounded<CommittedBlockInfo>(
            new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public ChannelReader<CommittedBlockInfo> Reader => _channel.Reader;

        /// <summary>Set when the subscriber fell behind by more than its buffer; the reader then completes.</summary>
        public bool Overflowed { get; private set; }

        internal void Offer(CommittedBlockInfo block)
        {
            if (!Overflowed && !_channel.Writer.TryWrite(block))
            {
                Overflowed = true;
                _channel.Writer.TryComplete();
            }
        }

        public void Dispose()
        {
            _channel.Writer.TryComplete();
            feed.Remove(this);
        }
    }

    public Subscription Subscribe(int capacity)
    {
        var subscription = new Subscription(this, capacity);
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }
        return subscription;
    }

    /// <summary>
    /// Committed blocks from <paramref name="from"/> on, in height order with no gap and no repetition: history read
    /// with <paramref name="load"/> up to the head, then live blocks. The live subscription is taken before the
    /// history is read, so nothing committed in between is missed. Throws <see cref="FollowerOverflowException"/>
    /// when the reader falls more than <paramref name="capacity"/> blocks behind.
    /// </summary>
    public async IAsyncEnumerable<FollowedBlock> FollowAsync(ulong from, Func<ulong> headHeight, Func<ulong, CommittedBlock> load,
        int capacity, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = Subscribe(capacity);
        var next = from;
        var head = headHeight();
        for (; next <= head; next++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new FollowedBlock(next, load(next), null);
        }
        await foreach (var live in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            // Blocks committed between the replay and the first live one come from the store.
            for (; next < live.Block.Height; next++)
            {
                yield return new FollowedBlock(next, load(next), null);
            }
            if (live.Block.Height == next)
            {
                yield return new FollowedBlock(next, null, live);
                next++;
            }
        }
        if (subscription.Overflowed)
        {
            throw new FollowerOverflowException(next, capacity);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>Called by the pipeline after a block is durably committed, in height order.</summary>
    public void Publish(CommittedBlockInfo block)
    {
        lock (_lock)
        {
            if (_waiters.Count > 0)
            {
                for (var i = 0; i < block.TxIds.Count; i++)
                {
                    if (_waiters.Remove(block.TxIds[i], out var waiter))
                    {
                        waiter.Completion.TrySetResult(block.Receipts[i]);
                    }
                }
            }
            foreach (var subscription in _subscriptions)
            {
                subscription.Offer(block);
            }
        }
    }

    /// <summary>
    /// Waits for the receipt of <paramref name="txId"/>. <paramref name="lookup"/> reads the store; it is tried
    /// after registering, so a commit between the caller's check and the registration is never missed.
    /// Returns null on timeout.
    /// </summary>
    public async Task<Receipt?> WaitForReceiptAsync(Hash32 txId, Func<Receipt?> lookup, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (!_waiters.TryGetValue(txId, out waiter!))
            {
                waiter = new Waiter();
                _waiters.Add(txId, waiter);
            }
            waiter.Count++;
        }
        try
        {
            if (lookup() is { } committed)
            {
                return committed;
            }
            return await waiter.Completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            lock (_lock)
            {
                if (--waiter.Count == 0 && _waiters.TryGetValue(txId, out var current) && current == waiter)
                {
                    _waiters.Remove(txId);
                }
            }
        }
    }
}
