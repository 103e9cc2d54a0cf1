namespace ShanghaiChain.Core.Rlp;

/// <summary>The decoded prefix of one RLP item: whether it is a list, and where its payload lies.</summary>
public readonly record struct RlpHeader(bool IsList, int HeaderLength, int PayloadLength)
{
    /// <summary>Header plus payload: the number of bytes the whole item occupies.</summary>
    public int ItemLength => HeaderLength + PayloadLength;
}
