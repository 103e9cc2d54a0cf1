namespace ShanghaiChain.Node.Peers;

/// <summary>
/// A token bucket over the frames one peer link delivers: <see cref="FramesPerSecond"/> sustained, bursts up to
/// <see cref="Burst"/>. Past it the receive loop waits before reading the next frame, so HTTP/2 flow control pushes
/// back on the sender: a flooding peer gets no more of this node's CPU than the rate, and an honest peer in a burst
/// (a catch-up, a backlog of gossip) is slowed, never scored or dropped. Not thread-safe: one per link, used by its
/// receive loop only.
/// </summary>
public sealed class PeerRateLimit(double framesPerSecond = PeerRateLimit.FramesPerSecond, double burst = PeerRateLimit.Burst)
{
    private readonly double _burst = burst;
    /// <summary>
    /// Sustained frames per second per link. Four validators under tools/chaos's load (about 100 transfers/s, 5-10
    /// blocks/s) exchange 20-30 frames per second per link, two orders of magnitude below it.
    /// </summary>
    public const double FramesPerSecond = 5_000;

    public const double Burst = 10_000;

    private double _tokens = burst;
    private long _lastTicks = -1;

    /// <summary>Frames that had to wait for the bucket, over the link's life.</summary>
    public long Throttled { get; private set; }

    /// <summary>Takes one frame's token at <paramref name="now"/>; returns how long to wait before handling it (zero when in budget).</summary>
    public TimeSpan Take(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        if (_lastTicks >= 0 && ticks > _lastTicks)
        {
            _tokens = Math.Min(_burst, _tokens + ((ticks - _lastTicks) / (double)TimeSpan.TicksPerSecond * framesPerSecond));
        }
        _lastTicks = Math.Max(_lastTicks, ticks);
        _tokens -= 1;
        if (_tokens >= 0)
        {
            return TimeSpan.Zero;
        }
        Throttled++;
        return TimeSpan.FromSeconds(-_tokens / framesPerSecond);
    }
}
