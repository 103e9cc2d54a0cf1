using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Execution;

/// <summary>BLOCKHASH over the block store: the suite hash of a committed block's header bytes (zero for genesis or unknown).</summary>
public sealed class StoreBlockHashes(IBlockReader blocks, CryptoSuite suite) : IBlockHashProvider
{
    public Hash32 GetBlockHash(ulong number) =>
        number == 0 || blocks.GetCommittedBlock(number) is not { } block ? Hash32.Zero : suite.Hash(block.Block.Header.Span);
}
