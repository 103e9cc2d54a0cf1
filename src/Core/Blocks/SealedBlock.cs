using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Blocks;

/// <summary>A block with its header decoded and its hash computed once over the exact header bytes.</summary>
public sealed class SealedBlock
{
    public SealedBlock(Block block, CryptoSuite suite)
    {
        Block = block;
        Header = BlockHeader.Parser.ParseFrom(block.Header);
        Hash = suite.Hash(block.Header.Span);
    }

    public SealedBlock(BlockHeader header, IEnumerable<byte[]> transactions, CryptoSuite suite)
    {
        Header = header;
        var headerBytes = header.ToByteString();
        Block = new Block { Header = headerBytes };
        foreach (var tx in transactions)
        {
            Block.Transactions.Add(UnsafeByteOperations.UnsafeWrap(tx));
        }
        Hash = suite.Hash(headerBytes.Span);
    }

    public Block Block { get; }

    public BlockHeader Header { get; }

    public Hash32 Hash { get; }

    public ulong Height => Header.Height;
}
