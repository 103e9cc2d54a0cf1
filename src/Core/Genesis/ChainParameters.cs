using System.Text.Json.Serialization;

namespace ShanghaiChain.Core.Genesis;

/// <summary>Chain-wide limits and rules fixed at genesis (changed later only by governance).</summary>
public sealed record ChainParameters
{
    /// <summary>Largest accepted serialized SignedTransaction.</summary>
    public int MaxTxBytes { get; init; } = 128 * 1024;

    /// <summary>Most transactions one block may carry.</summary>
    public int MaxBlockTxs { get; init; } = 10_000;

    /// <summary>
    /// The largest <see cref="MaxBlockBytes"/> genesis or the committee may set: the peer transport's frame limit is
    /// derived from it, so that raising the parameter on a running chain never needs a restart.
    /// </summary>
    public const int MaxBlockBytesCeiling = 32 * 1024 * 1024;

    /// <summary>Largest total transaction bytes in one block.</summary>
    public int MaxBlockBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Most gas all transactions of one block may reserve.</summary>
    public ulong BlockGasLimit { get; init; } = 1_000_000_000;

    /// <summary>Gas every transaction pays before execution; a native transfer costs exactly this.</summary>
    public ulong IntrinsicGas { get; init; } = 21_000;

    /// <summary>Smallest accepted gas price (decimal string, 256-bit). Zero is allowed in a permissioned network.</summary>
    public string MinGasPrice { get; init; } = "0";

    /// <summary>How far ahead of the current height a transaction's expiry may lie.</summary>
    public ulong TxMaxLifetimeBlocks { get; init; } = 10_000;

    /// <summary>With no transactions waiting, the proposer makes an empty block at this interval.</summary>
    public int EmptyBlockIntervalMs { get; init; } = 1_000;

    /// <summary>Validator-set changes take effect at multiples of this height.</summary>
    public ulong EpochLength { get; init; } = 1_000;

    /// <summary>First round timeout; later ones back off exponentially up to <see cref="MaxRoundTimeoutMs"/>.</summary>
    public int BaseRoundTimeoutMs { get; init; } = 1_000;

    public int MaxRoundTimeoutMs { get; init; } = 8_000;

    // EVM chain rules (docs/execution.md). Each is left out of the genesis JSON while unset, so genesis files written
    // before the EVM keep their hash.

    /// <summary>Base fee per gas of EVM transactions (decimal, 256-bit), burnt; unset: 0 (base fee off).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? BaseFeePerGas { get; init; }

    /// <summary>Credited to each block's proposer after its transactions (decimal, 256-bit); unset: 0 (no block reward).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? BlockReward { get; init; }

    /// <summary>What the CHAINID opcode returns (EIP-155 style number); unset: 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong EvmChainId { get; init; }

    /// <summary>Largest deployed contract code (EIP-170); unset: 24,576 bytes, init code twice that (EIP-3860).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int MaxCodeSize { get; init; }

    [JsonIgnore]
    public Primitives.UInt256 BaseFee => Primitives.UInt256.TryParse(BaseFeePerGas ?? "0", out var fee) ? fee : Primitives.UInt256.Zero;

    [JsonIgnore]
    public Primitives.UInt256 Reward => Primitives.UInt256.TryParse(BlockReward ?? "0", out var reward) ? reward : Primitives.UInt256.Zero;

    [JsonIgnore]
    public int EffectiveMaxCodeSize => MaxCodeSize == 0 ? 24_576 : MaxCodeSize;

    [JsonIgnore]
    public IEnumerable<string> Problems
    {
        get
        {
            if (MaxTxBytes is < 128 or > 16 * 1024 * 1024) yield return "max_tx_bytes must be between 128 bytes and 16 MiB";
            if (MaxBlockTxs < 1) yield return "max_block_txs must be at least 1";
            if (MaxBlockBytes < MaxTxBytes) yield return "max_block_bytes must be at least max_tx_bytes";
            if (MaxBlockBytes > MaxBlockBytesCeiling) yield return "max_block_bytes must be at most 32 MiB";
            if (IntrinsicGas == 0) yield return "intrinsic_gas must be positive";
            if (BlockGasLimit < IntrinsicGas) yield return "block_gas_limit must be at least intrinsic_gas";
            if (!Primitives.UInt256.TryParse(MinGasPrice, out _)) yield return "min_gas_price must be a non-negative decimal integer";
            if (TxMaxLifetimeBlocks < 1) yield return "tx_max_lifetime_blocks must be at least 1";
            if (EmptyBlockIntervalMs < 10) yield return "empty_block_interval_ms must be at least 10";
            if (EpochLength < 1) yield return "epoch_length must be at least 1";
            if (BaseFeePerGas is not null && !Primitives.UInt256.TryParse(BaseFeePerGas, out _)) yield return "base_fee_per_gas must be a non-negative decimal integer";
            if (BlockReward is not null && !Primitives.UInt256.TryParse(BlockReward, out _)) yield return "block_reward must be a non-negative decimal integer";
            if (MaxCodeSize is < 0 or > 1024 * 1024) yield return "max_code_size must be between 1 and 1,048,576 bytes (unset: 24,576)";
            if (BaseRoundTimeoutMs < 10 || MaxRoundTimeoutMs < BaseRoundTimeoutMs) yield return "round timeouts must satisfy 10 <= base_round_timeout_ms <= max_round_timeout_ms";
        }
    }
}
