using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>LOG0..LOG4.</summary>
internal static class Logging
{
    public static EvmStatus Log<TTopics>(EvmFrame f) where TTopics : struct, ICount
    {
        if (f.IsStatic)
        {
            return EvmStatus.StaticCallViolation;
        }
        var offset = f.Pop();
        var length = f.Pop();
        var topicCount = TTopics.Value;
        if (!f.TryExpandMemory(offset, length) ||
            !f.TryUseGas(GasCosts.LogTopic * topicCount + GasCosts.LogData * (long)length.U0))
        {
            return EvmStatus.OutOfGas;
        }
        var topics = new Hash32[topicCount];
        Span<byte> buffer = stackalloc byte[32];
        for (var i = 0; i < topicCount; i++)
        {
            f.Pop().WriteBigEndian(buffer);
            topics[i] = new Hash32(buffer);
        }
        f.Vm.Substate.AddLog(new LogEntry(f.Address, topics, f.Memory.Slice(offset, length).ToArray()));
        return EvmStatus.Running;
    }
}
