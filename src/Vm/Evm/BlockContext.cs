using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>Hashes of recent blocks, for BLOCKHASH. The EVM only asks for the 256 blocks before the current one.</summary>
public interface IBlockHashProvider
{
    Hash32 GetBlockHash(ulong number);
}

/// <summary>
/// The block a transaction executes in: what contracts see (COINBASE, NUMBER, TIMESTAMP and friends) and what receipts
/// name. Nothing else reaches execution (no clock, no host state). One instance serves a whole block, so the
/// interpreter reads it without allocating; the chain builds it with <see cref="Execution.BlockExecutor.ContextFor"/>,
/// conformance runs from a state test's environment.
/// </summary>
public sealed class BlockContext
{
    /// <summary>The block's height (NUMBER).</summary>
    public required ulong Number { get; init; }

    /// <summary>The block's own hash, which receipts carry. Contracts cannot read it: BLOCKHASH of the current block is zero.</summary>
    public Hash32 Hash { get; init; }

    /// <summary>Seconds since the Unix epoch (TIMESTAMP).</summary>
    public required ulong Timestamp { get; init; }

    /// <summary>The account credited with fees (COINBASE): the proposer on this chain.</summary>
    public required Address Coinbase { get; init; }

    public required long GasLimit { get; init; }

    public UInt256 BaseFee { get; init; }

    /// <summary>PREVRANDAO (the former DIFFICULTY slot).</summary>
    public UInt256 PrevRandao { get; init; }

    public UInt256 ChainId { get; init; } = UInt256.One;

    public UInt256 BlobBaseFee { get; init; } = UInt256.One;

    /// <summary>Hashes of committed blocks for BLOCKHASH; without it, BLOCKHASH reads zero.</summary>
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
