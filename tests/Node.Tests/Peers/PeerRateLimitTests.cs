using ShanghaiChain.Node.Peers;

namespace ShanghaiChain.Node.Tests.Peers;

public sealed class PeerRateLimitTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_burst_within_the_bucket_passes_and_the_frame_past_it_waits_for_its_share_of_the_rate()
    {
        var limit = new PeerRateLimit(framesPerSecond: 100, burst: 10);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(TimeSpan.Zero, limit.Take(Start));
        }
        // The eleventh frame at the same instant waits one frame's time (10 ms at 100/s); the twelfth two.
        Assert.Equal(TimeSpan.FromMilliseconds(10), limit.Take(Start));
        Assert.Equal(TimeSpan.FromMilliseconds(20), limit.Take(Start));
        Assert.Equal(2, limit.Throttled);
    }

    [Fact]
    public void A_steady_flood_is_held_to_the_rate_and_an_idle_link_refills_to_the_burst_only()
    {
        var limit = new PeerRateLimit(framesPerSecond: 1_000, burst: 100);
        // 10,000 frames offered in one second: the waits add up so that they take at least (10,000 - 100) / 1,000 s.
        var waited = TimeSpan.Zero;
        for (var i = 0; i < 10_000; i++)
        {
            var now = Start + TimeSpan.FromTicks(TimeSpan.TicksPerSecond * i / 10_000);
            waited = limit.Take(now);
        }
        Assert.InRange(waited.TotalSeconds, 8.8, 9.0);

        // After a long pause the bucket holds the burst and no more.
        var later = Start + TimeSpan.FromHours(1);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, limit.Take(later));
        }
        Assert.True(limit.Take(later) > TimeSpan.Zero);
    }
}
