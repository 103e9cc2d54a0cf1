using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Chain.Execution;

/// <summary>
/// Block hashes along one block's ancestry: its pending ancestors by parent link, then the committed chain. A pending
/// block executed ahead of commit sees exactly what it sees when executed at commit.
/// </summary>
public sealed class AncestryBlockHashes(IBlockReader committed, PendingBlocks pending, CryptoSuite suite, Hash32 parentHash, ulong parentHeight)
    : IBlockHashProvider
{
    public Hash32 GetBlockHash(ulong number)
    {
        if (number == 0 || number > parentHeight)
        {
            return Hash32.Zero;
        }
        var hash = parentHash;
        var height = parentHeight;
        while (height > number && pending.TryGet(hash, out var block))
        {
            hash = block.ParentHash;
            height--;
        }
        if (height == number)
        {
            return hash;
        }
        // The rest of the ancestry is committed.
        return committed.GetCommittedBlock(number) is { } found ? suite.Hash(found.Block.Header.Span) : Hash32.Zero;
    }
}
