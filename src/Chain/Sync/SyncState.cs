using ShanghaiChain.Chain.Blocks;

namespace ShanghaiChain.Chain.Sync;

/// <summary>
/// Whether this node is behind the best head its peers are known to have: what the status API, /ready, the health check
/// and the syncing metric report. Two kinds of height count, and neither can be set for good by one lying peer:
/// <list type="bullet">
/// <item>certified heights (<see cref="ObserveCertifiedHeight"/>): a quorum certificate that verified, or a block that block
/// sync verified. They are true, so they are kept until the head passes them.</item>
/// <item>claimed heights (<see cref="ObservePeerClaim"/>): a block source's status answer, signed by nothing. A claim counts
/// for <see cref="ClaimLifetime"/> after it was last made (an honest source repeats it at every pull), and is withdrawn
/// when a pull from its source ends short of it (<see cref="WithdrawPeerClaim"/>).</item>
/// </list>
/// </summary>
public sealed class SyncState(ChainHead head, TimeProvider time)
{
    /// <summary>How long an unverified claim counts after it was last made.</summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Blocks a node may be behind the best known height and still be in step: a certified block is committed one or two
    /// rounds later (two-chain rule), and a catch-up stops one block short of its source's head.
    /// </summary>
    public const ulong InStepLag = 2;

    private readonly Lock _claimGate = new();
    private long _certified;
    private long _claimed;
    private long _claimedAtMs;

    /// <summary>The best height peers are known to have (0 when no peer is ahead or all claims expired).</summary>
    public ulong BestPeerHeight
    {
        get
        {
            var certified = (ulong)Interlocked.Read(ref _certified);
            var claimed = (ulong)Interlocked.Read(ref _claimed);
            var claimFresh = NowMs - Interlocked.Read(ref _claimedAtMs) <= (long)ClaimLifetime.TotalMilliseconds;
            return Math.Max(certified, claimFresh ? claimed : 0);
        }
    }

    /// <summary>The best certified height seen (no claims).</summary>
    public ulong CertifiedPeerHeight => (ulong)Interlocked.Read(ref _certified);

    /// <summary>A height whose certificate verified (or a block that verified): counts until the head passes it.</summary>
    public void ObserveCertifiedHeight(ulong height) => RaiseTo(ref _certified, height);

    /// <summary>
    /// A height a source claims (unverified): counts for <see cref="ClaimLifetime"/>. A higher claim replaces a lower one;
    /// an expired claim is replaced by any new one, so a single absurd claim cannot outlive its lifetime.
    /// </summary>
    public void ObservePeerClaim(ulong height)
    {
        var now = NowMs;
        lock (_claimGate)
        {
            var expired = now - Interlocked.Read(ref _claimedAtMs) > (long)ClaimLifetime.TotalMilliseconds;
            var current = (ulong)Interlocked.Read(ref _claimed);
            if (expired || height >= current)
            {
                Interlocked.Exchange(ref _claimed, (long)height);
                Interlocked.Exchange(ref _claimedAtMs, now);
            }
        }
    }

    /// <summary>Forgets the claim of <paramref name="height"/> if it is the one that counts (its source did not deliver it).</summary>
    public void WithdrawPeerClaim(ulong height)
    {
        lock (_claimGate)
        {
            if ((ulong)Interlocked.Read(ref _claimed) == height)
            {
                Interlocked.Exchange(ref _claimed, 0);
            }
        }
    }

    /// <summary>True when the node is more than <see cref="InStepLag"/> blocks behind the best height peers are known to have.</summary>
    public bool Syncing => head.Height + InStepLag < BestPeerHeight;

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static void RaiseTo(ref long field, ulong height)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref field);
        }
        while ((ulong)current < height && Interlocked.CompareExchange(ref field, (long)height, current) != current);
    }
}
