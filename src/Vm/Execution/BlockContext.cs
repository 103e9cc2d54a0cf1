using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Execution;

/// <summary>What execution may know about the block it runs in. Nothing else (no clock, no host state).</summary>
public sealed record BlockContext(ulong Height, Hash32 BlockHash, ulong TimestampMs, Address Proposer);
