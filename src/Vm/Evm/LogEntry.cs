using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>A log emitted by LOG0..LOG4.</summary>
public sealed record LogEntry(Address Address, Hash32[] Topics, byte[] Data);
