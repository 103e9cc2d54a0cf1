using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>MLOAD, MSTORE, MSTORE8, MSIZE, MCOPY and KECCAK256.</summary>
internal static class MemoryOps
{
    private static readonly UInt256 WordSize = new(32);

    public static EvmStatus MLoad(EvmFrame f)
    {
        ref var offset = ref f.Peek(0);
        if (!f.TryExpandMemory(offset, WordSize))
        {
            return EvmStatus.OutOfGas;
        }
        offset = f.Memory.Load((long)offset.U0);
        return EvmStatus.Running;
    }

    public static EvmStatus MStore(EvmFrame f)
    {
        ref var offset = ref f.Pop();
        ref var value = ref f.Pop();
        if (!f.TryExpandMemory(offset, WordSize))
        {
            return EvmStatus.OutOfGas;
        }
        f.Memory.Store((long)offset.U0, value);
        return EvmStatus.Running;
    }

    public static EvmStatus MStore8(EvmFrame f)
    {
        ref var offset = ref f.Pop();
        ref var value = ref f.Pop();
        if (!f.TryExpandMemory(offset, UInt256.One))
        {
            return EvmStatus.OutOfGas;
        }
        f.Memory.StoreByte((long)offset.U0, (byte)value.U0);
        return EvmStatus.Running;
    }

    public static EvmStatus MSize(EvmFrame f)
    {
        f.Push(new UInt256((ulong)f.Memory.Size));
        return EvmStatus.Running;
    }

    public static EvmStatus MCopy(EvmFrame f)
    {
        var destination = f.Pop();
        var source = f.Pop();
        var length = f.Pop();
        if (length.IsZero)
        {
            return EvmStatus.Running;
        }
        var farther = destination > source ? destination : source;
        if (!f.TryUseGas(CopyCost(length)) || !f.TryExpandMemory(farther, length))
        {
            return EvmStatus.OutOfGas;
        }
        f.Memory.Slice(source, length).CopyTo(f.Memory.Slice(destination, length));
        return EvmStatus.Running;
    }

    public static EvmStatus Keccak256(EvmFrame f)
    {
        var offset = f.Pop();
        ref var length = ref f.Peek(0);
        if (!f.TryExpandMemory(offset, length) || !f.TryUseGas(GasCosts.Keccak256Word * GasCosts.Words((long)length.U0)))
        {
            return EvmStatus.OutOfGas;
        }
        Span<byte> hash = stackalloc byte[32];
        f.Vm.Keccak(f.Memory.Slice(offset, length), hash);
        length = UInt256.ReadBigEndian32(hash);
        return EvmStatus.Running;
    }

    /// <summary>3 gas per word copied; only called once the length is known to be addressable or zero.</summary>
    public static long CopyCost(in UInt256 length) =>
        !length.IsUInt64 || length.U0 > (ulong)EvmMemory.MaxSize ? long.MaxValue : GasCosts.Copy * GasCosts.Words((long)length.U0);
}
