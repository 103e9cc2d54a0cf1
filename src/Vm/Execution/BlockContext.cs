using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// What execution may know about the block it runs in. Nothing else (no clock, no host state). BLOCKHASH reads
/// <paramref name="BlockHashes"/> (hashes of committed blocks); without it, it reads zero.
/// </summary>
public sealed record BlockContext(ulong Height, Hash32 BlockHash, ulong TimestampMs, Address Proposer, IBlockHashProvider? BlockHashes = null);
