namespace ShanghaiChain.Chain;

/// <summary>
/// The one retry delay of the node's reconnect and follow loops: doubles from <see cref="Initial"/> after each failure up
/// to <see cref="Cap"/>, back to the start after a success.
/// </summary>
public struct CappedBackoff()
{
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);

    private TimeSpan _next = Initial;

    /// <summary>The delay before the next attempt; the one after it is twice as long, up to the cap.</summary>
    public TimeSpan Next()
    {
        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(Cap.Ticks, delay.Ticks * 2));
        return delay;
    }

    public void Reset() => _next = Initial;
}
