using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Chain.Tests.Pipeline;

public sealed class ExecutionPipelineTests : IDisposable
{
    private readonly PipelineHarness _node = new();

    public void Dispose() => _node.Dispose();

    [Fact]
    public async Task An_epoch_end_record_handed_in_with_a_block_already_committed_is_kept_once()
    {
        // The block came by catch-up first (no record); the engine's commit of it then brings the record.
        var block = await _node.BuildAndCommitAsync();
        var record = new V1.EpochEndCommit { Epoch = block.Block.Header.Epoch, Height = block.Height, Commit = new V1.CommitProof() };
        record.Commit.Descendants.Add(Google.Protobuf.ByteString.CopyFromUtf8("suffix header"));
        await _node.Execution.CommitAsync([(block, _node.Certify(block))], record).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(record, _node.Store.GetEpochEnd(block.Block.Header.Epoch));

        // Never replaced by a later one.
        var other = new V1.EpochEndCommit(record) { Commit = new V1.CommitProof() };
        await _node.Execution.CommitAsync([(block, _node.Certify(block))], other).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(record, _node.Store.GetEpochEnd(block.Block.Header.Epoch));
        Assert.Equal(1UL, _node.Head.Height);
    }

    [Fact]
    public async Task A_committed_block_advances_the_head_updates_state_leaves_the_mempool_and_reaches_the_feed()
    {
        using var subscription = _node.Feed.Subscribe(16);
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 0, value: 25));

        var block = await _node.BuildAndCommitAsync();

        Assert.Equal(1UL, _node.Head.Height);
        Assert.Equal(block.Hash, _node.Head.Tip.Hash);
        Assert.Equal(_node.Store.StateRoot, _node.Head.Tip.StateRoot);
        Assert.Equal(new UInt256(25), _node.Store.GetAccount(PipelineHarness.Carol).Balance);
        Assert.Equal(1UL, _node.Store.GetAccount(PipelineHarness.Alice.Address).Nonce);
        Assert.Equal(0, _node.Pool.Count);
        Assert.Equal(0, _node.Pending.Count);
        Assert.True(subscription.Reader.TryRead(out var published));
        Assert.Equal(1UL, published.Block.Height);
    }

    [Fact]
    public async Task A_speculative_result_on_the_head_is_reused_at_commit_and_matches_executing_again()
    {
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 0));
        var block = await _node.Builder.BuildAsync(_node.BuildRequest(_node.Head.Tip.Hash, 1, 1), () => true);
        // The leader of the next round asks for the block's results: it is executed ahead and its root computed.
        var speculative = await _node.Execution.ResultsOfAsync(block!.Hash, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await _node.Execution.CommitAsync([(block, _node.Certify(block))]);

        Assert.Equal(1, _node.Execution.ReusedResults);
        Assert.Equal(speculative.StateRoot, _node.Head.Tip.StateRoot);
        Assert.Equal(speculative.ReceiptsRoot, _node.Head.Tip.ReceiptsRoot);
    }

    [Fact]
    public async Task When_a_branch_wins_the_transactions_of_the_losing_branch_return_to_the_mempool()
    {
        var tip = _node.Head.Tip;
        _node.Pool.Admit([PipelineHarness.Transfer(PipelineHarness.Alice, 0), PipelineHarness.Transfer(PipelineHarness.Bob, 0)]);
        // Two proposals for height 1 in two rounds: Alice's transaction in the one that loses, Bob's in the one that wins.
        var losing = _node.HandBuilt(tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 0)], round: 1);
        var winning = _node.HandBuilt(tip, [PipelineHarness.Transfer(PipelineHarness.Bob, 0)], round: 2);
        _node.Execution.Accept(_node.Validator.ValidateProposal(losing.HeaderBytes, losing.TransactionBytes, out _)!);
        _node.Execution.Accept(_node.Validator.ValidateProposal(winning.HeaderBytes, winning.TransactionBytes, out _)!);
        Assert.Equal(0, _node.Pool.ReadyCount);

        await _node.Execution.CommitAsync([(winning, _node.Certify(winning, 2))]);

        Assert.Equal(0, _node.Pending.Count);
        Assert.Equal(1, _node.Pool.Count);
        Assert.Equal(1, _node.Pool.ReadyCount);
        var next = await _node.BuildAndCommitAsync(round: 3);
        Assert.Equal([PipelineHarness.Alice.Address], next.Transactions.Select(t => t.Sender));
    }

    [Fact]
    public async Task A_block_whose_parent_roots_diverge_stops_the_pipeline_and_nothing_is_written()
    {
        await _node.BuildAndCommitAsync();
        var head = _node.Head.Tip;
        var diverging = _node.HandBuilt(head, [], stateRoot: Hash32.Zero);

        var commit = _node.Execution.CommitAsync([(diverging, _node.Certify(diverging))]);

        await Assert.ThrowsAsync<StateDivergenceException>(() => commit.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsType<StateDivergenceException>(_node.Execution.Fatal);
        Assert.Equal(head, _node.Head.Tip);
        Assert.Equal(1UL, _node.Store.HeadHeight);
        // Nothing commits after a failure: a block is never skipped.
        var next = _node.HandBuilt(head, []);
        await Assert.ThrowsAsync<StateDivergenceException>(() =>
            _node.Execution.CommitAsync([(next, _node.Certify(next))]).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1UL, _node.Store.HeadHeight);
    }

    [Fact]
    public async Task A_failed_write_stops_the_pipeline_with_the_last_committed_block_intact()
    {
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 0));
        await _node.BuildAndCommitAsync();
        var head = _node.Head.Tip;
        var root = _node.Store.StateRoot;
        _node.Engine.FailWrite = _ => true;
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 1));

        var failing = _node.BuildAndCommitAsync(round: 2);

        await Assert.ThrowsAnyAsync<Exception>(() => failing);
        Assert.NotNull(_node.Execution.Fatal);
        Assert.Equal(head, _node.Head.Tip);
        Assert.Equal(1UL, _node.Store.HeadHeight);
        Assert.Equal(root, _node.Store.StateRoot);
        // The transaction of the block that failed is not lost from the mempool's view of the chain: it never committed.
        Assert.Equal(1UL, _node.Store.GetAccount(PipelineHarness.Alice.Address).Nonce);
    }

    [Fact]
    public async Task A_block_committed_twice_through_consensus_and_catch_up_is_committed_once()
    {
        _node.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 0));
        var block = await _node.BuildAndCommitAsync();

        await _node.Execution.CommitAsync([(block, _node.Certify(block))]).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1UL, _node.Head.Height);
        Assert.Null(_node.Execution.Fatal);
        Assert.Equal(1UL, _node.Store.GetAccount(PipelineHarness.Alice.Address).Nonce);
    }

    [Fact]
    public async Task A_child_that_arrives_before_its_parent_is_executed_after_it()
    {
        var tip = _node.Head.Tip;
        var parent = _node.HandBuilt(tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 0)]);
        // The child's header needs the parent's roots: execute the parent on a twin first to learn them.
        using var twin = new PipelineHarness();
        await twin.Execution.CommitAsync([(parent, twin.Certify(parent))]).WaitAsync(TimeSpan.FromSeconds(30));
        var child = _node.HandBuilt(twin.Head.Tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 1)], round: 2);

        _node.Execution.Accept(child);
        _node.Execution.Accept(parent);
        var results = await _node.Execution.ResultsOfAsync(child.Hash, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await _node.Execution.CommitAsync([(parent, _node.Certify(parent)), (child, _node.Certify(child, 2))]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(results.StateRoot, _node.Head.Tip.StateRoot);
        Assert.Equal(2UL, _node.Store.GetAccount(PipelineHarness.Alice.Address).Nonce);
    }

    [Fact]
    public async Task A_pending_block_whose_results_a_reset_dropped_is_executed_again_when_a_leader_extends_it()
    {
        // The next epoch's first proposal arrives and is executed ahead; then the node starts its new engine, which
        // drops every speculative result. The block is still pending, certified by the others, and the next leader
        // builds on it: its results must come back (before, the builder waited for them until it gave up, in every round).
        var tip = _node.Head.Tip;
        var first = _node.HandBuilt(tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 0)]);
        _node.Execution.Accept(first);
        var before = await _node.Execution.ResultsOfAsync(first.Hash, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await _node.Execution.ResetAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var after = await _node.Execution.ResultsOfAsync(first.Hash, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(before.StateRoot, after.StateRoot);

        // And a child of it arriving after the reset is executed on top of it.
        using var twin = new PipelineHarness();
        await twin.Execution.CommitAsync([(first, twin.Certify(first))]).WaitAsync(TimeSpan.FromSeconds(30));
        var second = _node.HandBuilt(twin.Head.Tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 1)], round: 2);
        await _node.Execution.ResetAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _node.Execution.Accept(second);
        var child = await _node.Execution.ResultsOfAsync(second.Hash, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await _node.Execution.CommitAsync([(first, _node.Certify(first)), (second, _node.Certify(second, 2))]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(child.StateRoot, _node.Head.Tip.StateRoot);
    }
}
