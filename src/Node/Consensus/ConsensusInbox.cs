using System.Threading.Channels;
using ShanghaiChain.Consensus;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// The engine's input queue and its clock: peer messages, timers, built and fetched blocks are posted here, each
/// stamped with the time since the node started (the engine never reads a clock). Messages from the network are capped
/// (consensus recovers dropped ones through timeouts and sync info); the driver's own wake-ups are null entries the
/// engine never sees.
/// </summary>
public sealed class ConsensusInbox(TimeProvider time)
{
    /// <summary>Peer messages queued at most; more are dropped.</summary>
    public const int MaxQueuedNetworkEvents = 16_384;

    private readonly Channel<ConsensusEvent?> _events = Channel.CreateUnbounded<ConsensusEvent?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly long _startTimestamp = time.GetTimestamp();
    private int _queuedNetworkEvents;
    private volatile bool _catchUpRequested;

    /// <summary>Milliseconds since this node started: the time every event carries.</summary>
    public long NowMs => (long)time.GetElapsedTime(_startTimestamp).TotalMilliseconds;

    public void Post(ConsensusEvent ev) => _events.Writer.TryWrite(ev);

    /// <summary>Queues a message from a peer unless too many are waiting already; false when dropped.</summary>
    public bool TryPostFromNetwork(ConsensusEvent ev)
    {
        if (Interlocked.Increment(ref _queuedNetworkEvents) > MaxQueuedNetworkEvents)
        {
            Interlocked.Decrement(ref _queuedNetworkEvents);
            return false;
        }
        _events.Writer.TryWrite(ev);
        return true;
    }

    /// <summary>Wakes the reader without an engine event, so the driver looks at its own state (a commit failure, a catch-up).</summary>
    public void Wake() => _events.Writer.TryWrite(null);

    /// <summary>Asks the driver to stop the engine and catch up by block sync (the network is far ahead).</summary>
    public void RequestCatchUp()
    {
        _catchUpRequested = true;
        Wake();
    }

    /// <summary>True once after <see cref="RequestCatchUp"/>.</summary>
    public bool TakeCatchUpRequest()
    {
        if (!_catchUpRequested)
        {
            return false;
        }
        _catchUpRequested = false;
        return true;
    }

    /// <summary>The next event, or null for a wake-up.</summary>
    public async ValueTask<ConsensusEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        var ev = await _events.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (ev is MessageReceived)
        {
            Interlocked.Decrement(ref _queuedNetworkEvents);
        }
        return ev;
    }

    /// <summary>Posts <see cref="TimerFired"/> for <paramref name="round"/> at <paramref name="deadlineMs"/> (node time).</summary>
    public ITimer Schedule(ulong round, long deadlineMs)
    {
        var due = TimeSpan.FromMilliseconds(Math.Max(0, deadlineMs - NowMs));
        return time.CreateTimer(_ => Post(new TimerFired(NowMs, round)), null, due, Timeout.InfiniteTimeSpan);
    }
}
