using Google.Protobuf;
using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>
/// The record that commits an epoch's last block (<see cref="EpochEndCommit"/>): the engine attaches it to that block
/// when the suffix blocks commit it, with the suffix headers, their certificate and the next set; and
/// <see cref="EpochEndVerifier"/>, which block sync runs on every record a peer sends, accepts exactly such records and
/// refuses every altered one. Both suites.
/// </summary>
public class EpochEndCommitTests
{
    private static ConsensusConfig Config(CryptoSuite suite, int index, ValidatorSet set) => new()
    {
        ChainId = SimKeys.ChainId,
        Suite = suite,
        Validators = set,
        Epoch = 1,
        GenesisHash = SimKeys.GenesisHash(suite),
        GenesisHeight = 0,
        SelfIndex = index,
        PrivateKey = SimKeys.For(suite, index).Private,
        EpochLength = 5,
    };

    /// <summary>Four validators end epoch 1 at height 9 (validator 3 removed at height 2); every engine's commit of block 9.</summary>
    private static (List<CommittedBlock> LastBlocks, List<CommittedBlock> Others, ValidatorSet Set, List<Validator> Next) EndEpoch(CryptoSuite suite)
    {
        var set = SimKeys.ValidatorSet(suite, 4);
        var network = new LockstepNetwork(Enumerable.Range(0, 4).Select(i => new ConsensusCore(Config(suite, i, set), null, StartMode.Genesis)));
        network.RunUntil(() => network.Engines.All(e => e.CommittedHeight >= 2));
        var next = set.Validators.Take(3).ToList();
        for (var i = 0; i < 4; i++)
        {
            network.Deliver(i, new ValidatorSetChangeCommitted(network.Now, 2, next, Force: false));
        }
        network.RunUntil(() => network.Engines.All(e => e.HasEnded));
        var committed = network.Log.Select(l => l.Action).OfType<CommitBlocks>().SelectMany(c => c.Blocks).ToList();
        var last = committed.Where(b => BlockHeader.Parser.ParseFrom(b.Block.Header).Height == 9).ToList();
        return (last, committed.Except(last).ToList(), set, next);
    }

    [Theory]
    [InlineData("ed25519-sha256")]
    [InlineData("sm2-sm3")]
    public void The_epochs_last_block_carries_the_suffix_that_commits_it_and_the_next_set(string suiteName)
    {
        var suite = CryptoSuite.FromName(suiteName);
        var (lastBlocks, others, set, next) = EndEpoch(suite);
        var verifier = new EpochVerifier(SimKeys.ChainId, suite, set, 1, SimKeys.GenesisHash(suite), 0);

        Assert.Equal(4, lastBlocks.Count);
        Assert.All(others, b => Assert.Null(b.EpochEnd));
        foreach (var committed in lastBlocks)
        {
            var record = committed.EpochEnd;
            Assert.NotNull(record);
            Assert.Equal(1UL, record.Epoch);
            Assert.Equal(9UL, record.Height);
            Assert.Equal(new ValidatorSet(next).Hash(suite), ValidatorSet.Hash(suite, record.NextValidators));
            Assert.InRange(record.Commit.Descendants.Count, 1, ConsensusCore.MaxEpochEndSuffix);
            Assert.All(record.Commit.Descendants, h => Assert.True(BlockHeader.Parser.ParseFrom(h).Height > 9));
            Assert.Null(EpochEndVerifier.Problem(record, new SealedBlock(committed.Block, suite), verifier));
        }
    }

    [Theory]
    [InlineData("ed25519-sha256")]
    [InlineData("sm2-sm3")]
    public void An_altered_record_is_refused(string suiteName)
    {
        var suite = CryptoSuite.FromName(suiteName);
        var (lastBlocks, others, set, _) = EndEpoch(suite);
        var verifier = new EpochVerifier(SimKeys.ChainId, suite, set, 1, SimKeys.GenesisHash(suite), 0);
        var committed = lastBlocks[0];
        var block = new SealedBlock(committed.Block, suite);
        var good = committed.EpochEnd!;

        EpochEndCommit Altered(Action<EpochEndCommit> change)
        {
            var copy = good.Clone();
            change(copy);
            return copy;
        }

        // Another epoch or height, another next set, no suffix, too long a suffix, a forged certificate, a header cut out.
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Height = 8), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Epoch = 2), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.NextValidators.Validators.RemoveAt(0)), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Commit.Descendants.Clear()), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Commit.Descendants.AddRange(Enumerable.Repeat(r.Commit.Descendants[0], 16))), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r =>
        {
            while (r.Commit.Certificate.Signatures.Count > 1)
            {
                r.Commit.Certificate.Signatures.RemoveAt(0);
            }
        }), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Commit.Certificate.Signatures[0].Signature = ByteString.CopyFrom(new byte[64])), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Commit.Certificate = null), block, verifier));
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Commit.Descendants[0] = ByteString.CopyFrom([1, 2, 3])), block, verifier));
        if (good.Commit.Descendants.Count > 1)
        {
            Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Commit.Descendants.RemoveAt(0)), block, verifier));
        }
        // A block that ends no epoch carries no record: one attached to it is refused.
        var other = others.First(b => BlockHeader.Parser.ParseFrom(b.Block.Header).Height == 8);
        Assert.NotNull(EpochEndVerifier.Problem(Altered(r => r.Height = 8), new SealedBlock(other.Block, suite), verifier));
        // The record as made verifies only against the epoch's own set.
        Assert.Null(EpochEndVerifier.Problem(good, block, verifier));
        var wrongSet = new EpochVerifier(SimKeys.ChainId, suite, SimKeys.SetOf(suite, [(4, 1), (5, 1), (6, 1), (7, 1)]), 1, SimKeys.GenesisHash(suite), 0);
        Assert.NotNull(EpochEndVerifier.Problem(good, block, wrongSet));
    }
}
