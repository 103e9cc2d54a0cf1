using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.Node.Observability;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Tests.Observability;

/// <summary>
/// What the audit trail takes from a committed block: a transaction execution refused by the roles rule (what a faulty
/// leader's block or a role revoked meanwhile produces), the governance contract's events with their decoded fields, and
/// the evidence the block carries; nothing from other contracts' logs or from a repeat's receipt.
/// </summary>
public sealed class AuditTrailEventsTests
{
    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;

    [Fact]
    public void A_block_yields_its_refusals_in_execution_governance_events_and_evidence_and_nothing_else()
    {
        var validator = KeyFile.Generate(Suite);
        var genesis = new GenesisFile
        {
            ChainId = "audit-chain",
            Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(validator.PublicKey) }],
        };
        using var store = ChainStore.OpenInMemory(genesis);
        using var audit = AuditLog.OpenInMemory();
        var trail = new AuditTrailService(audit, new ChainFeed(), store, Suite, TimeProvider.System, NullLogger<AuditTrailService>.Instance);
        var sender = Address.Parse("0x00000000000000000000000000000000000000aa");
        var header = new BlockHeader { ChainId = "audit-chain", Height = 7, TimestampMs = 1_700_000_000_123 };
        var evidence = new EquivocationEvidence
        {
            DoubleVote = new DoubleVote { First = new Vote { Epoch = 1, Round = 9, ValidatorIndex = 0 }, Second = new Vote { Epoch = 1, Round = 9, ValidatorIndex = 0 } },
        };
        var block = new SealedBlock(new Block { Header = header.ToByteString(), Evidence = { evidence } }, Suite);
        var executed = GovernanceAbi.Contract.FindEvent(GovernanceContract.ProposalExecutedTopic.ToArray())!;
        Receipt Receipt(ulong height, ExecutionError error, params Log[] logs) => new()
        {
            BlockHeight = height, Sender = sender.ToByteString(), TxId = ByteString.CopyFrom(new byte[32]), Error = error,
            ErrorMessage = error == ExecutionError.PermissionDenied ? $"{sender} lacks the deployer role needed to create contracts" : "",
            Logs = { logs },
        };
        Log GovernanceLog(Hash32 topic, byte[] data) => new()
        {
            Address = GovernanceLayout.Address.ToByteString(),
            Topics = { topic.ToByteString(), ByteString.CopyFrom(new UInt256(3).ToBigEndian()) },
            Data = ByteString.CopyFrom(data),
        };
        var executedData = AbiCodec.Encode(executed.Inputs.Where(p => !p.Indexed).ToList(), "[\"grant_role\"]");
        var receipts = new[]
        {
            Receipt(7, ExecutionError.PermissionDenied),
            Receipt(7, ExecutionError.None, GovernanceLog(GovernanceContract.ProposalExecutedTopic, executedData),
                new Log { Address = Address.Parse("0x00000000000000000000000000000000000000bb").ToByteString(), Topics = { GovernanceContract.ProposalExecutedTopic.ToByteString() } }),
            // A repeat of a transaction an earlier block committed: its receipt is that block's.
            Receipt(3, ExecutionError.PermissionDenied),
        };

        var events = trail.EventsOf(new FollowedBlock(7, null, new CommittedBlockInfo(block, new QuorumCertificate(), [], receipts, 0)));

        Assert.Equal([AuditKind.Evidence, AuditKind.RefusedInExecution, AuditKind.ProposalExecuted], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal((7UL, 1_700_000_000_123UL), (e.Height, e.TimeMs)));
        Assert.Equal("validator 0 of epoch 1 signed two double_vote messages in round 9", events[0].Detail);
        Assert.Equal(sender, new Address(events[1].Account.Span));
        Assert.Contains("lacks the deployer role", events[1].Detail, StringComparison.Ordinal);
        Assert.Equal(3UL, events[2].ProposalId);
        Assert.StartsWith($"{executed.Name} ", events[2].Detail, StringComparison.Ordinal);
        Assert.Contains("grant_role", events[2].Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0UL, 0UL, 1UL)]
    [InlineData(41UL, 0UL, 42UL)]
    // A node state-synced from a snapshot of height 672 (which the bench of a million accounts met: block 1 was absent
    // and the trail's first read stopped the node): the trail starts at the snapshot's block.
    [InlineData(0UL, 672UL, 672UL)]
    [InlineData(700UL, 672UL, 701UL)]
    public void The_trail_starts_after_what_it_recorded_and_never_below_the_stores_base(ulong audited, ulong baseHeight, ulong first) =>
        Assert.Equal(first, AuditTrailService.FirstHeightToRecord(audited, baseHeight));
}
