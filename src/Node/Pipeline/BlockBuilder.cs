using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Pipeline;

/// <summary>
/// What a new block extends: the parent's height, hash, timestamp and certificate, and the results of executing
/// it (state root and receipts root), which the new block's header carries.
/// </summary>
public sealed record ChainTip(ulong Height, Hash32 Hash, ulong TimestampMs, QuorumCertificate? Certificate, Hash32 StateRoot, Hash32 ReceiptsRoot);

/// <summary>
/// The ordering step of the pipeline: turns chosen transactions into a block header and body. It neither
/// executes nor commits, so any proposer (the single-validator producer now, the BFT leader later) uses it.
/// </summary>
public sealed class BlockBuilder(string chainId, CryptoSuite suite, Address proposer, Hash32 validatorSetHash)
{
    public SealedBlock Build(ChainTip parent, IReadOnlyList<VerifiedTransaction> transactions, ulong round, ulong nowMs)
    {
        var txIds = new Hash32[transactions.Count];
        for (var i = 0; i < transactions.Count; i++)
        {
            txIds[i] = transactions[i].Id;
        }
        var header = new BlockHeader
        {
            ChainId = chainId,
            Height = parent.Height + 1,
            Round = round,
            ParentHash = ByteString.CopyFrom(parent.Hash.ToArray()),
            Proposer = ByteString.CopyFrom(proposer.ToArray()),
            // Block time never goes backwards, whatever the host clock does.
            TimestampMs = Math.Max(nowMs, parent.TimestampMs + 1),
            TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(suite, txIds).ToArray()),
            StateRootOfParent = ByteString.CopyFrom(parent.StateRoot.ToArray()),
            ReceiptsRootOfParent = ByteString.CopyFrom(parent.ReceiptsRoot.ToArray()),
            ValidatorSetHash = ByteString.CopyFrom(validatorSetHash.ToArray()),
            NextValidatorSetHash = ByteString.CopyFrom(validatorSetHash.ToArray()),
            ParentQc = parent.Certificate,
        };
        return new SealedBlock(header, transactions.Select(t => t.Encoded), suite);
    }
}
