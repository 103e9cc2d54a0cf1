namespace ShanghaiChain.Chain.Blocks;

/// <summary>Epoch numbering: the genesis validator set runs epoch 1 (round 0 of an epoch is its genesis QC).</summary>
public static class ChainEpochs
{
    public const ulong First = 1;
}
