using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>Hashes of recent blocks, for BLOCKHASH. The EVM only asks for the 256 blocks before the current one.</summary>
public interface IBlockHashProvider
{
    Hash32 GetBlockHash(ulong number);
}

/// <summary>The block-level environment visible to contracts (COINBASE, NUMBER, TIMESTAMP and friends).</summary>
public sealed class BlockContext
{
    public required Address Coinbase { get; init; }

    public required ulong Number { get; init; }

    public required ulong Timestamp { get; init; }

    public required long GasLimit { get; init; }

    public UInt256 BaseFee { get; init; }

    /// <summary>PREVRANDAO (the former DIFFICULTY slot).</summary>
    public UInt256 PrevRandao { get; init; }

    public UInt256 ChainId { get; init; } = UInt256.One;

    public UInt256 BlobBaseFee { get; init; } = UInt256.One;

    public IBlockHashProvider? BlockHashes { get; init; }
}

/// <summary>The transaction-level environment: ORIGIN, GASPRICE, BLOBHASH.</summary>
public sealed class TransactionContext
{
    public required Address Origin { get; init; }

    /// <summary>The effective gas price the sender pays per unit of gas.</summary>
    public required UInt256 GasPrice { get; init; }

    public IReadOnlyList<Hash32> BlobHashes { get; init; } = [];
}
