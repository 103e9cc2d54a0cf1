using ShanghaiChain.Core.Keys;

namespace ShanghaiChain.Chain.Tests.Pipeline;

/// <summary>
/// Admission, proposals, commits and releases racing on real threads, as they do in a running validator: clients submit
/// while the leader reaps and the pipeline commits. Whatever the interleaving, every admitted transaction is committed
/// exactly once and nothing committed stays in the mempool (the admission/commit race of commit 0461dec left ghosts).
/// </summary>
public sealed class MempoolRaceTests : IDisposable
{
    private readonly PipelineHarness _node = new();

    public void Dispose() => _node.Dispose();

    [Fact]
    public async Task Transactions_admitted_while_blocks_commit_are_each_committed_once_and_leave_the_pool()
    {
        KeyFile[] senders = [PipelineHarness.Alice, PipelineHarness.Bob];
        const int perSender = 150;
        var admitted = 0;
        var submitting = Task.Run(() =>
        {
            for (var nonce = 0UL; nonce < perSender; nonce++)
            {
                foreach (var sender in senders)
                {
                    // A refusal here would be a race bug (the nonce is always the next one): count what goes in.
                    var result = _node.Pool.Admit(PipelineHarness.Transfer(sender, nonce));
                    Assert.True(result.Accepted, $"nonce {nonce}: {result.Message}");
                    Interlocked.Increment(ref admitted);
                }
            }
        });
        var round = 1UL;
        while (!submitting.IsCompleted || _node.Pool.Count > 0)
        {
            await _node.BuildAndCommitAsync(round++);
            _node.Time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(round < 10_000, "the mempool never drained");
        }
        await submitting;

        Assert.Equal(senders.Length * perSender, admitted);
        Assert.All(senders, s => Assert.Equal((ulong)perSender, _node.Store.GetAccount(s.Address).Nonce));
        Assert.Equal(0, _node.Pool.Count);
        Assert.Equal(0, _node.Pool.ReadyCount);
    }
}
