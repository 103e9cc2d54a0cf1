namespace ShanghaiChain.Core.Blocks;

/// <summary>The position of a committed transaction.</summary>
public readonly record struct TxLocation(ulong Height, uint Index);
