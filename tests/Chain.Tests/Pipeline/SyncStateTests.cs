using ShanghaiChain.Chain.Sync;

namespace ShanghaiChain.Chain.Tests.Pipeline;

/// <summary>
/// The "syncing" status that the status API, /ready, the health check and the metric report: an unverified claim of a
/// peer's head cannot set it for good, a verified height can, and a node a block or two behind is in step.
/// </summary>
public sealed class SyncStateTests : IDisposable
{
    private readonly PipelineHarness _node = new();
    private readonly PipelineHarness _source = new();

    public void Dispose()
    {
        _node.Dispose();
        _source.Dispose();
    }

    [Fact]
    public void An_unverified_claim_counts_for_its_lifetime_only_and_a_certified_height_until_the_head_passes_it()
    {
        var sync = _node.Sync;
        sync.ObservePeerClaim(ulong.MaxValue);
        Assert.True(sync.Syncing);
        Assert.Equal(ulong.MaxValue, sync.BestPeerHeight);

        _node.Time.Advance(SyncState.ClaimLifetime + TimeSpan.FromSeconds(1));
        Assert.False(sync.Syncing);
        Assert.Equal(0UL, sync.BestPeerHeight);

        // A lower claim after the absurd one expired counts (and a repeated claim stays fresh).
        sync.ObservePeerClaim(40);
        _node.Time.Advance(SyncState.ClaimLifetime / 2);
        sync.ObservePeerClaim(40);
        _node.Time.Advance(SyncState.ClaimLifetime / 2 + TimeSpan.FromSeconds(1));
        Assert.Equal(40UL, sync.BestPeerHeight);

        sync.ObserveCertifiedHeight(20);
        _node.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(20UL, sync.BestPeerHeight);
        Assert.True(sync.Syncing);
    }

    [Fact]
    public void A_node_within_the_in_step_lag_is_not_syncing()
    {
        var sync = _node.Sync;
        sync.ObserveCertifiedHeight(SyncState.InStepLag);
        Assert.False(sync.Syncing);
        sync.ObserveCertifiedHeight(SyncState.InStepLag + 1);
        Assert.True(sync.Syncing);
    }

    [Fact]
    public async Task A_source_claiming_a_head_it_does_not_serve_leaves_the_node_not_syncing_after_the_catch_up()
    {
        for (var i = 0; i < 3; i++)
        {
            // A block with a transaction: an empty one would wait for the empty-block interval on the harness's fake clock.
            _source.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, (ulong)i));
            await _source.BuildAndCommitAsync(round: _source.Head.Height + 1);
            _source.Time.Advance(TimeSpan.FromMilliseconds(5));
        }
        _node.AddSource(new StoreBlockSource(_source.Store, "liar") { ClaimedHead = ulong.MaxValue });

        await _node.BlockSync.CatchUpAsync(CancellationToken.None);

        // Its three real blocks were taken (each renewing its claim); the claim was withdrawn when it served nothing more.
        Assert.Equal(3UL, _node.Head.Height);
        Assert.False(_node.Sync.Syncing);
        Assert.Equal(3UL, _node.Sync.BestPeerHeight);
    }
}
