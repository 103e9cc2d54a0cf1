namespace ShanghaiChain.Chain.Mempool;

/// <summary>
/// What one block may hold, from the parameters of its epoch: transactions, their total bytes and gas, and each
/// transaction's bytes (a transaction's gas is bounded by the block's).
/// </summary>
public readonly record struct BlockLimits(int MaxTxs, int MaxBytes, ulong MaxGas, int MaxTxBytes);
