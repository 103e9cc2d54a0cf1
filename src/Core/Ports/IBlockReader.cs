using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Ports;

/// <summary>Read side of the block store: committed blocks, their certificates, receipts and the transaction index.</summary>
public interface IBlockReader
{
    /// <summary>Height of the last committed block (0 when only genesis is applied).</summary>
    ulong HeadHeight { get; }

    /// <summary>Hash of the last committed block (the genesis hash at height 0).</summary>
    Hash32 HeadHash { get; }

    CommittedBlock? GetCommittedBlock(ulong height);

    ulong? GetHeightByHash(Hash32 hash);

    /// <summary>Where a committed transaction lives: block height and index within the block.</summary>
    TxLocation? GetTxLocation(Hash32 txId);

    Receipt? GetReceipt(Hash32 txId);
}
