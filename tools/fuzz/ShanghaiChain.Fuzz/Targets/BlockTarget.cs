using Google.Protobuf;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// Blocks as they arrive from peers. The first byte chooses the path: even, a proposal's payload (a Block: header bytes and
/// transactions) through BlockValidator.ValidateProposal, refused with a reason; odd, a committed block with its certificate
/// (CommittedBlock, as block sync receives it) through BlockValidator.VerifyCommitted on the genesis head, refused with
/// InvalidDataException. Undecodable protobuf is refused with InvalidProtocolBufferException.
/// </summary>
internal sealed class BlockTarget : FuzzTarget
{
    public override string Name => "block";

    public override string Description => "0x00+Block -> BlockValidator.ValidateProposal; 0x01+CommittedBlock -> BlockValidator.VerifyCommitted";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }
        var pool = FuzzChain.NewPool();
        var validator = FuzzChain.NewBlockValidator(pool, new PendingBlocks());
        try
        {
            if ((input[0] & 1) == 0)
            {
                var block = Block.Parser.ParseFrom(input[1..]);
                var accepted = validator.ValidateProposal(block.Header, block.Transactions, out var reason);
                if (accepted is null == (reason.Length == 0))
                {
                    throw new FuzzInvariantException($"proposal {(accepted is null ? "refused without" : "accepted with")} a reason '{reason}'");
                }
                if (accepted is not null && accepted.Transactions.Count != block.Transactions.Count)
                {
                    throw new FuzzInvariantException("an accepted proposal lost transactions");
                }
            }
            else
            {
                var committed = CommittedBlock.Parser.ParseFrom(input[1..]);
                validator.VerifyCommitted(committed, FuzzChain.Head.Tip, "fuzz");
            }
        }
        catch (InvalidProtocolBufferException)
        {
        }
        catch (InvalidDataException)
        {
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        byte[] Proposal(BlockHeader header, byte[][] txs) =>
            [0, .. new Block { Header = header.ToByteString(), Transactions = { txs.Select(ByteString.CopyFrom) } }.ToByteArray()];
        var transfers = new[] { FuzzChain.Transfer(FuzzChain.Alice, 0), FuzzChain.Transfer(FuzzChain.Bob, 0) };
        var (header, txs) = FuzzChain.ProposalOnGenesis(transfers);
        yield return ("proposal-valid", Proposal(header, txs));
        var (empty, none) = FuzzChain.ProposalOnGenesis([]);
        yield return ("proposal-empty", Proposal(empty, none));
        yield return ("proposal-bad-tx-root", Proposal(header, [transfers[0]]));
        yield return ("proposal-duplicate-tx", Proposal(FuzzChain.ProposalOnGenesis([transfers[0], transfers[0]]).Header, [transfers[0], transfers[0]]));
        var (future, _) = FuzzChain.ProposalOnGenesis(transfers, tamper: h => { h.TimestampMs = ulong.MaxValue; return h; });
        yield return ("proposal-future-timestamp", Proposal(future, txs));
        var (wrongChain, _) = FuzzChain.ProposalOnGenesis(transfers, tamper: h => { h.ChainId = "other"; return h; });
        yield return ("proposal-wrong-chain", Proposal(wrongChain, txs));
        yield return ("proposal-bad-tx", Proposal(header, [transfers[0], [.. transfers[1][..^1], 0]]));

        var sealedBlock = new SealedBlock(new Block { Header = header.ToByteString(), Transactions = { txs.Select(ByteString.CopyFrom) } }, FuzzChain.Suite);
        var committed = new CommittedBlock { Block = sealedBlock.Block, Certificate = FuzzChain.Certificate(1, 1, sealedBlock.Hash) };
        yield return ("committed-valid", [1, .. committed.ToByteArray()]);
        var weak = new CommittedBlock { Block = sealedBlock.Block, Certificate = FuzzChain.Certificate(1, 1, sealedBlock.Hash, signers: 2) };
        yield return ("committed-weak-certificate", [1, .. weak.ToByteArray()]);
        var noCertificate = new CommittedBlock { Block = sealedBlock.Block };
        yield return ("committed-no-certificate", [1, .. noCertificate.ToByteArray()]);
    }
}
