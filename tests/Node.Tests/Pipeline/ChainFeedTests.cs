using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Pipeline;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Pipeline;

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
