using Google.Protobuf;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Chain.Tests.Pipeline;

public sealed class BlockValidatorTests : IDisposable
{
    private readonly PipelineHarness _node = new();

    public void Dispose() => _node.Dispose();

    [Fact]
    public void A_valid_proposal_passes_with_its_transactions_verified()
    {
        var block = _node.HandBuilt(_node.Head.Tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 0), PipelineHarness.Transfer(PipelineHarness.Bob, 0)]);

        var accepted = _node.Validator.ValidateProposal(block.HeaderBytes, block.TransactionBytes, out var reason, out _);

        Assert.True(accepted is not null, reason);
        Assert.Equal(block.Hash, accepted.Hash);
        Assert.Equal(2, accepted.Transactions.Count);
    }

    [Fact]
    public void A_wrong_transaction_root_proves_the_proposer_faulty()
    {
        var block = _node.HandBuilt(_node.Head.Tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 0)], txRoot: Hash32.Zero);

        Assert.Null(_node.Validator.ValidateProposal(block.HeaderBytes, block.TransactionBytes, out var reason, out var culpable));
        Assert.Contains("transaction root", reason, StringComparison.Ordinal);
        Assert.True(culpable);
    }

    [Fact]
    public void A_transaction_twice_in_one_block_is_refused()
    {
        var tx = PipelineHarness.Transfer(PipelineHarness.Alice, 0);
        var block = _node.HandBuilt(_node.Head.Tip, [tx, tx]);

        Assert.Null(_node.Validator.ValidateProposal(block.HeaderBytes, block.TransactionBytes, out var reason, out _));
        Assert.Contains("twice", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_badly_signed_transaction_is_refused_and_blames_the_proposer()
    {
        var tx = PipelineHarness.Transfer(PipelineHarness.Alice, 0);
        var block = _node.HandBuilt(_node.Head.Tip, [tx]);
        var forged = tx.ToArray();
        forged[^1] ^= 1;

        Assert.Null(_node.Validator.ValidateProposal(block.HeaderBytes, [ByteString.CopyFrom(forged)], out var reason, out var culpable));
        Assert.Contains("invalid transaction", reason, StringComparison.Ordinal);
        Assert.True(culpable);
    }

    [Fact]
    public void A_timestamp_beyond_the_allowed_drift_is_refused_without_blaming_the_proposer()
    {
        var now = (ulong)_node.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var block = _node.HandBuilt(_node.Head.Tip, [], timestampMs: now + BlockValidator.MaxClockDriftMs + 1);

        Assert.Null(_node.Validator.ValidateProposal(block.HeaderBytes, block.TransactionBytes, out var reason, out var culpable));
        Assert.Contains("ahead of this node's clock", reason, StringComparison.Ordinal);
        Assert.False(culpable);
    }

    [Fact]
    public void Parent_roots_that_differ_from_this_node_execution_are_refused()
    {
        var block = _node.HandBuilt(_node.Head.Tip, [], stateRoot: Hash32.Zero);

        Assert.Null(_node.Validator.ValidateProposal(block.HeaderBytes, block.TransactionBytes, out var reason, out var culpable));
        Assert.Contains("state or receipts root of parent", reason, StringComparison.Ordinal);
        Assert.False(culpable);
    }

    [Fact]
    public void A_header_that_does_not_decode_is_refused()
    {
        Assert.Null(_node.Validator.ValidateProposal(ByteString.CopyFrom(0xff, 0xff, 0xff), [], out var reason, out var culpable));
        Assert.Equal("header does not decode", reason);
        Assert.True(culpable);
    }

    [Fact]
    public void A_transaction_checked_once_is_not_checked_again_when_it_arrives_in_a_proposal()
    {
        var tx = PipelineHarness.Transfer(PipelineHarness.Alice, 0);
        _node.Pool.Admit(tx);
        var checks = _node.Pool.SignatureChecks;
        var block = _node.HandBuilt(_node.Head.Tip, [tx]);

        Assert.NotNull(_node.Validator.ValidateProposal(block.HeaderBytes, block.TransactionBytes, out _, out _));
        Assert.Equal(checks, _node.Pool.SignatureChecks);
    }

    [Fact]
    public void A_committed_block_needs_a_quorum_certificate_of_the_validator_set()
    {
        var block = _node.HandBuilt(_node.Head.Tip, [PipelineHarness.Transfer(PipelineHarness.Alice, 0)]);
        var qc = _node.Certify(block);
        qc.Signatures.RemoveAt(2);

        var error = Assert.Throws<InvalidDataException>(() =>
            _node.Validator.VerifyCommitted(new V1.CommittedBlock { Block = block.Block.Block, Certificate = qc }, _node.Head.Tip, "peer x"));
        Assert.Contains("valid certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("peer x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_committed_block_must_extend_the_head()
    {
        var first = _node.HandBuilt(_node.Head.Tip, []);
        var stranger = _node.HandBuilt(_node.Head.Tip with { Height = 5 }, []);

        Assert.NotNull(_node.Validator.VerifyCommitted(new V1.CommittedBlock { Block = first.Block.Block, Certificate = _node.Certify(first) }, _node.Head.Tip, "p"));
        var error = Assert.Throws<InvalidDataException>(() =>
            _node.Validator.VerifyCommitted(new V1.CommittedBlock { Block = stranger.Block.Block, Certificate = _node.Certify(stranger) }, _node.Head.Tip, "p"));
        Assert.Contains("does not extend", error.Message, StringComparison.Ordinal);
    }
}
