using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Tests.Pipeline;

public sealed class BlockSyncTests : IDisposable
{
    private readonly PipelineHarness _leader = new();
    private readonly PipelineHarness _behind = new();

    public void Dispose()
    {
        _leader.Dispose();
        _behind.Dispose();
    }

    private async Task CommitBlocksAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _leader.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, _leader.Store.GetAccount(PipelineHarness.Alice.Address).Nonce));
            await _leader.BuildAndCommitAsync(round: _leader.Head.Height + 1);
            _leader.Time.Advance(TimeSpan.FromMilliseconds(5));
        }
    }

    [Fact]
    public async Task Catch_up_commits_every_block_of_a_source_and_ends_with_the_same_state()
    {
        await CommitBlocksAsync(5);
        var source = new StoreBlockSource(_leader.Store, "leader");
        _behind.AddSource(source);

        var caught = await _behind.BlockSync.CatchUpAsync(CancellationToken.None);

        Assert.Equal(5UL, caught);
        Assert.Equal(_leader.Head.Tip.Hash, _behind.Head.Tip.Hash);
        Assert.Equal(_leader.Store.StateRoot, _behind.Store.StateRoot);
        Assert.Empty(source.Failures);
        Assert.False(_behind.Sync.Syncing);
    }

    [Fact]
    public async Task A_source_that_forges_a_certificate_is_told_and_the_next_source_serves()
    {
        await CommitBlocksAsync(3);
        var liar = new StoreBlockSource(_leader.Store, "liar")
        {
            Tamper = b =>
            {
                var forged = b.Clone();
                forged.Certificate.Signatures.Clear();
                return forged;
            },
        };
        var honest = new StoreBlockSource(_leader.Store, "honest");
        _behind.AddSource(liar);
        _behind.AddSource(honest);

        await _behind.BlockSync.CatchUpAsync(CancellationToken.None);

        Assert.Single(liar.Failures);
        Assert.IsType<InvalidDataException>(liar.Failures[0]);
        Assert.Equal(3UL, _behind.Head.Height);
        Assert.Equal(_leader.Store.StateRoot, _behind.Store.StateRoot);
    }

    [Fact]
    public async Task A_source_that_attaches_an_epoch_end_record_to_a_block_that_ends_no_epoch_is_told_and_nothing_of_it_is_kept()
    {
        await CommitBlocksAsync(3);
        var liar = new StoreBlockSource(_leader.Store, "liar")
        {
            Tamper = b =>
            {
                // A record a light client would refuse, which this node would otherwise serve to relayers.
                var forged = b.Clone();
                var header = BlockHeader.Parser.ParseFrom(b.Block.Header);
                forged.EpochEnd = new EpochEndCommit
                {
                    Epoch = header.Epoch,
                    Height = header.Height,
                    Commit = new CommitProof { Descendants = { b.Block.Header }, Certificate = b.Certificate },
                    NextValidators = new RelayValidatorSet(),
                };
                return forged;
            },
        };
        var honest = new StoreBlockSource(_leader.Store, "honest");
        _behind.AddSource(liar);
        _behind.AddSource(honest);

        await _behind.BlockSync.CatchUpAsync(CancellationToken.None);

        Assert.Contains("announces no validator-set change", Assert.IsType<InvalidDataException>(Assert.Single(liar.Failures)).Message, StringComparison.Ordinal);
        Assert.Equal(3UL, _behind.Head.Height);
        Assert.Null(_behind.Store.GetEpochEnd(ChainEpochs.First));
        Assert.All(Enumerable.Range(1, 3), h => Assert.Null(_behind.Store.GetCommittedBlock((ulong)h)!.EpochEnd));
    }

    [Fact]
    public async Task A_source_on_another_chain_is_refused()
    {
        await CommitBlocksAsync(2);
        var stranger = new StoreBlockSource(_leader.Store, "stranger", chainId: "another-chain");
        _behind.AddSource(stranger);

        Assert.Equal(0UL, await _behind.BlockSync.CatchUpAsync(CancellationToken.None));
        Assert.IsType<BlockSourceException>(Assert.Single(stranger.Failures));
        Assert.Equal(0UL, _behind.Head.Height);
    }

    [Fact]
    public async Task Following_commits_what_the_source_has_and_asks_again_after_the_backoff()
    {
        await CommitBlocksAsync(2);
        _behind.AddSource(new StoreBlockSource(_leader.Store, "leader"));
        using var stop = new CancellationTokenSource();

        var following = _behind.BlockSync.FollowAsync(stop.Token);
        await WaitForHeightAsync(2);
        // The source's stream ended (a peer going away); the follower waits its backoff on the fake clock, then asks again.
        await CommitBlocksAsync(2);
        await WaitForHeightAsync(4, advanceClock: true);
        stop.Cancel();
        await following.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(_leader.Store.StateRoot, _behind.Store.StateRoot);
    }

    /// <summary>Polls the follower's head until it reaches <paramref name="height"/> (30 s at most), moving its fake clock on when asked.</summary>
    private async Task WaitForHeightAsync(ulong height, bool advanceClock = false)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_behind.Head.Height < height)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the follower is at {_behind.Head.Height}, not {height}");
            if (advanceClock)
            {
                // Past any backoff the follower is waiting out.
                _behind.Time.Advance(CappedBackoff.Initial);
            }
            await Task.Delay(10);
        }
    }
}
