using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Chain.Tests.Pipeline;

public sealed class BlockBuilderTests : IDisposable
{
    private readonly PipelineHarness _node = new();

    public void Dispose() => _node.Dispose();

    [Fact]
    public async Task A_leader_builds_on_the_head_with_the_parent_results_and_the_mempool_in_arrival_order()
    {
        Assert.All(_node.Pool.Admit([PipelineHarness.Transfer(PipelineHarness.Alice, 0), PipelineHarness.Transfer(PipelineHarness.Bob, 0)]),
            r => Assert.True(r.Accepted, r.Message));
        var tip = _node.Head.Tip;

        var block = await _node.Builder.BuildAsync(_node.BuildRequest(tip.Hash, 1, 1), () => true);

        Assert.NotNull(block);
        Assert.Equal(1UL, block.Height);
        Assert.Equal(tip.Hash, block.ParentHash);
        Assert.Equal(tip.StateRoot, new Hash32(block.Block.Header.StateRootOfParent.Span));
        Assert.Equal([PipelineHarness.Alice.Address, PipelineHarness.Bob.Address], block.Transactions.Select(t => t.Sender));
        // Accepted into the pipeline: pending for the engine and peers, its transactions held back from the next proposal.
        Assert.True(_node.Pending.TryGet(block.Hash, out _));
        Assert.Equal(0, _node.Pool.ReadyCount);
    }

    [Fact]
    public async Task A_block_extending_a_pending_parent_carries_the_parent_speculative_roots()
    {
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 0));
        var first = await _node.Builder.BuildAsync(_node.BuildRequest(_node.Head.Tip.Hash, 1, 1), () => true);
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 1));

        var second = await _node.Builder.BuildAsync(_node.BuildRequest(first!.Hash, 2, 2), () => true);

        // Committing the parent later must give exactly the root the child carries (executed ahead, on the same state).
        await _node.Execution.CommitAsync([(first, _node.Certify(first))]);
        Assert.Equal(_node.Head.Tip.StateRoot, new Hash32(second!.Block.Header.StateRootOfParent.Span));
        Assert.Equal(_node.Head.Tip.ReceiptsRoot, new Hash32(second.Block.Header.ReceiptsRootOfParent.Span));
        Assert.Equal([1UL], second.Transactions.Select(t => t.Nonce));
    }

    [Fact]
    public async Task A_nonce_held_by_a_losing_branch_is_not_followed_by_the_next_nonce_on_another_branch()
    {
        // The race behind commit 30679ab: a pending block of a branch that later loses holds Alice's nonce 0 in flight; a
        // leader extending the committed head reaped nonce 1 alone and proposed it, which fails on nonce 0 for good.
        var losing = _node.HandBuilt(_node.Head.Tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 0)]);
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 0));
        _node.Execution.Accept(losing);
        Assert.True(_node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 1)).Accepted);

        var block = await _node.Builder.BuildAsync(_node.BuildRequest(_node.Head.Tip.Hash, 1, 2), () => true);

        Assert.NotNull(block);
        Assert.Empty(block.Transactions);
        // Nonce 1 went back to the proposable set.
        Assert.Equal(1, _node.Pool.ReadyCount);
    }

    [Fact]
    public async Task Transactions_the_parent_chain_already_carries_are_left_out()
    {
        var tx = PipelineHarness.Transfer(PipelineHarness.Alice, 0);
        var parent = _node.HandBuilt(_node.Head.Tip, [tx]);
        _node.Execution.Accept(parent);
        // The same transaction arrives by gossip after its block was seen, and is in the mempool again.
        _node.Pool.Release([parent.Transactions[0].Id]);

        var block = await _node.Builder.BuildAsync(_node.BuildRequest(parent.Hash, 2, 2), () => true);

        Assert.NotNull(block);
        Assert.Empty(block.Transactions);
    }

    [Fact]
    public async Task An_idle_leader_waits_for_a_transaction_then_proposes_it_without_waiting_for_the_interval()
    {
        // An empty block committed now: its timestamp starts the empty-block interval.
        var empty = await _node.BuildAndCommitAsync();
        Assert.Empty(empty.Transactions);
        var building = _node.Builder.BuildAsync(_node.BuildRequest(_node.Head.Tip.Hash, 2, 2), () => true);
        // The head's results are at hand, so the builder is already waiting on the mempool; the fake clock never ends
        // the interval on its own.
        Assert.False(building.IsCompleted);

        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Bob, 0));
        var block = await building.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(block);
        Assert.Single(block.Transactions);
    }

    [Fact]
    public async Task A_block_no_longer_wanted_when_the_wait_ends_is_not_built_and_reaps_nothing()
    {
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 0));

        var block = await _node.Builder.BuildAsync(_node.BuildRequest(_node.Head.Tip.Hash, 1, 1), () => false);

        Assert.Null(block);
        Assert.Equal(1, _node.Pool.ReadyCount);
        Assert.Equal(0, _node.Pending.Count);
    }

    [Fact]
    public async Task A_leader_whose_parent_never_executes_gives_up_after_the_interval()
    {
        var unknownParent = new Hash32(Enumerable.Repeat((byte)7, 32).ToArray());
        var building = _node.Builder.BuildAsync(_node.BuildRequest(unknownParent, 5, 3), () => true);

        _node.Time.Advance(TimeSpan.FromSeconds(3));

        Assert.Null(await building.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0UL, _node.Head.Height);
    }
}
