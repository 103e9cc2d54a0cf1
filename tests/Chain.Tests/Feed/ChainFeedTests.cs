using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Tests.Feed;

public sealed class ChainFeedTests
{
    private static CommittedBlockInfo Block(ulong height, params Hash32[] txIds) =>
        new(new SealedBlock(new BlockHeader { Height = height }, [], CryptoSuite.Ed25519Sha256), new QuorumCertificate(), txIds,
            txIds.Select(id => new Receipt { BlockHeight = height, Status = ReceiptStatus.Success }).ToList(), 0);

    [Fact]
    public void A_subscriber_that_falls_behind_its_buffer_is_told_it_overflowed()
    {
        var feed = new ChainFeed();
        using var subscription = feed.Subscribe(capacity: 2);
        for (ulong h = 1; h <= 3; h++)
        {
            feed.Publish(Block(h));
        }
        Assert.True(subscription.Overflowed);
        Assert.True(subscription.Reader.TryRead(out var first));
        Assert.Equal(1UL, first.Block.Height);
        Assert.True(subscription.Reader.TryRead(out var second));
        Assert.Equal(2UL, second.Block.Height);
        Assert.False(subscription.Reader.TryRead(out _));
        Assert.True(subscription.Reader.Completion.IsCompleted);
    }

    [Fact]
    public async Task Following_replays_history_then_hands_over_to_live_blocks_without_gap_or_repeat()
    {
        var feed = new ChainFeed();
        ulong head = 3;
        var loaded = new List<ulong>();
        CommittedBlock Load(ulong h)
        {
            loaded.Add(h);
            return new CommittedBlock();
        }
        var heights = new List<ulong>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var blocks = feed.FollowAsync(2, () => head, Load, 16, cancel.Token).GetAsyncEnumerator(cancel.Token);
        // History: 2 and 3 from the store.
        for (var i = 0; i < 2; i++)
        {
            Assert.True(await blocks.MoveNextAsync());
            heights.Add(blocks.Current.Height);
        }
        // Block 3 arrives live too (committed during the replay) and is skipped; 4 is missed live and read back; 5 is live.
        feed.Publish(Block(3));
        feed.Publish(Block(5));
        for (var i = 0; i < 2; i++)
        {
            Assert.True(await blocks.MoveNextAsync());
            heights.Add(blocks.Current.Height);
            Assert.Equal(blocks.Current.Height == 5, blocks.Current.Live is not null);
        }
        Assert.Equal([2UL, 3UL, 4UL, 5UL], heights);
        Assert.Equal([2UL, 3UL, 4UL], loaded);
    }

    [Fact]
    public async Task A_follower_that_overflows_learns_where_to_resume()
    {
        var feed = new ChainFeed();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var blocks = feed.FollowAsync(1, () => 1, _ => new CommittedBlock(), 2, cancel.Token).GetAsyncEnumerator(cancel.Token);
        // Block 1 from history: the follower is now subscribed but not reading while 2..5 commit.
        Assert.True(await blocks.MoveNextAsync());
        for (ulong h = 2; h <= 5; h++)
        {
            feed.Publish(Block(h));
        }
        Assert.True(await blocks.MoveNextAsync());
        Assert.True(await blocks.MoveNextAsync());
        var ex = await Assert.ThrowsAsync<FollowerOverflowException>(async () => await blocks.MoveNextAsync());
        Assert.Equal(4UL, ex.NextHeight);
    }

    [Fact]
    public async Task Receipt_waiters_are_completed_by_the_block_that_commits_their_transaction()
    {
        var feed = new ChainFeed();
        var txId = CryptoSuite.Ed25519Sha256.Hash("tx"u8);
        var first = feed.WaitForReceiptAsync(txId, () => null, TimeSpan.FromSeconds(10), CancellationToken.None);
        var second = feed.WaitForReceiptAsync(txId, () => null, TimeSpan.FromSeconds(10), CancellationToken.None);
        feed.Publish(Block(5, txId));
        Assert.Equal(5UL, (await first)!.BlockHeight);
        Assert.Equal(5UL, (await second)!.BlockHeight);
    }

    [Fact]
    public async Task A_receipt_committed_before_registration_is_found_by_the_lookup()
    {
        var feed = new ChainFeed();
        var stored = new Receipt { BlockHeight = 9 };
        var receipt = await feed.WaitForReceiptAsync(Hash32.Zero, () => stored, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Same(stored, receipt);
    }

    [Fact]
    public async Task Waiting_times_out_with_null()
    {
        var feed = new ChainFeed();
        Assert.Null(await feed.WaitForReceiptAsync(Hash32.Zero, () => null, TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }
}
