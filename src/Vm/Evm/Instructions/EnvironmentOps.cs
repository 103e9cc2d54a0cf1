using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>Opcodes that read the call, transaction, block and account environment.</summary>
internal static class EnvironmentOps
{
    public static UInt256 ToWord(in Address address)
    {
        Span<byte> buffer = stackalloc byte[32];
        buffer[..12].Clear();
        address.WriteTo(buffer[12..]);
        return UInt256.ReadBigEndian32(buffer);
    }

    public static Address ToAddress(in UInt256 word)
    {
        Span<byte> buffer = stackalloc byte[32];
        word.WriteBigEndian(buffer);
        return new Address(buffer[12..]);
    }

    private static UInt256 ToWord(in Hash32 hash)
    {
        Span<byte> buffer = stackalloc byte[32];
        hash.WriteTo(buffer);
        return UInt256.ReadBigEndian32(buffer);
    }

    /// <summary>Charges the EIP-2929 access cost for an account and warms it.</summary>
    public static bool TryChargeAccountAccess(EvmFrame f, in Address address) =>
        f.TryUseGas(f.Vm.Substate.WarmAccount(address) ? GasCosts.ColdAccountAccess : GasCosts.WarmStorageRead);

    public static EvmStatus SelfAddress(EvmFrame f)
    {
        f.Push(ToWord(f.Address));
        return EvmStatus.Running;
    }

    public static EvmStatus Balance(EvmFrame f)
    {
        ref var word = ref f.Peek(0);
        var address = ToAddress(word);
        if (!TryChargeAccountAccess(f, address))
        {
            return EvmStatus.OutOfGas;
        }
        word = f.Vm.State.GetBalance(address);
        return EvmStatus.Running;
    }

    public static EvmStatus Origin(EvmFrame f)
    {
        f.Push(ToWord(f.Vm.Transaction.Origin));
        return EvmStatus.Running;
    }

    public static EvmStatus Caller(EvmFrame f)
    {
        f.Push(ToWord(f.Caller));
        return EvmStatus.Running;
    }

    public static EvmStatus CallValue(EvmFrame f)
    {
        f.Push(f.Value);
        return EvmStatus.Running;
    }

    public static EvmStatus CallDataLoad(EvmFrame f)
    {
        ref var offset = ref f.Peek(0);
        var input = f.Input.Span;
        if (!offset.IsUInt64 || offset.U0 >= (ulong)input.Length)
        {
            offset = UInt256.Zero;
            return EvmStatus.Running;
        }
        var start = (int)offset.U0;
        Span<byte> word = stackalloc byte[32];
        word.Clear();
        var available = Math.Min(32, input.Length - start);
        input.Slice(start, available).CopyTo(word);
        offset = UInt256.ReadBigEndian32(word);
        return EvmStatus.Running;
    }

    public static EvmStatus CallDataSize(EvmFrame f)
    {
        f.Push(new UInt256((ulong)f.Input.Length));
        return EvmStatus.Running;
    }

    public static EvmStatus CallDataCopy(EvmFrame f) => CopyToMemory(f, f.Input.Span);

    public static EvmStatus CodeSize(EvmFrame f)
    {
        f.Push(new UInt256((ulong)f.Code.Length));
        return EvmStatus.Running;
    }

    public static EvmStatus CodeCopy(EvmFrame f) => CopyToMemory(f, f.Code);

    /// <summary>Pops (memory offset, source offset, length), charges copy and expansion gas, copies with zero fill.</summary>
    private static EvmStatus CopyToMemory(EvmFrame f, ReadOnlySpan<byte> source)
    {
        var destination = f.Pop();
        var sourceOffset = f.Pop();
        var length = f.Pop();
        if (!f.TryUseGas(MemoryOps.CopyCost(length)) || !f.TryExpandMemory(destination, length))
        {
            return EvmStatus.OutOfGas;
        }
        CopyPadded(source, sourceOffset, f.Memory.Slice(destination, length));
        return EvmStatus.Running;
    }

    private static void CopyPadded(ReadOnlySpan<byte> source, in UInt256 offset, Span<byte> target)
    {
        if (target.IsEmpty)
        {
            return;
        }
        var copied = 0;
        if (offset.IsUInt64 && offset.U0 < (ulong)source.Length)
        {
            var start = (int)offset.U0;
            copied = Math.Min(target.Length, source.Length - start);
            source.Slice(start, copied).CopyTo(target);
        }
        target[copied..].Clear();
    }

    public static EvmStatus GasPrice(EvmFrame f)
    {
        f.Push(f.Vm.Transaction.GasPrice);
        return EvmStatus.Running;
    }

    public static EvmStatus ExtCodeSize(EvmFrame f)
    {
        ref var word = ref f.Peek(0);
        var address = ToAddress(word);
        if (!TryChargeAccountAccess(f, address))
        {
            return EvmStatus.OutOfGas;
        }
        word = new UInt256((ulong)f.Vm.State.GetCode(address).Length);
        return EvmStatus.Running;
    }

    public static EvmStatus ExtCodeCopy(EvmFrame f)
    {
        var address = ToAddress(f.Pop());
        var destination = f.Pop();
        var sourceOffset = f.Pop();
        var length = f.Pop();
        if (!TryChargeAccountAccess(f, address) || !f.TryUseGas(MemoryOps.CopyCost(length)) || !f.TryExpandMemory(destination, length))
        {
            return EvmStatus.OutOfGas;
        }
        CopyPadded(f.Vm.State.GetCode(address), sourceOffset, f.Memory.Slice(destination, length));
        return EvmStatus.Running;
    }

    public static EvmStatus ReturnDataSize(EvmFrame f)
    {
        f.Push(new UInt256((ulong)f.ReturnData.Length));
        return EvmStatus.Running;
    }

    public static EvmStatus ReturnDataCopy(EvmFrame f)
    {
        var destination = f.Pop();
        var sourceOffset = f.Pop();
        var length = f.Pop();
        var available = (ulong)f.ReturnData.Length;
        if (!sourceOffset.IsUInt64 || !length.IsUInt64 || sourceOffset.U0 > available || length.U0 > available - sourceOffset.U0)
        {
            return EvmStatus.ReturnDataOutOfBounds;
        }
        if (!f.TryUseGas(MemoryOps.CopyCost(length)) || !f.TryExpandMemory(destination, length))
        {
            return EvmStatus.OutOfGas;
        }
        if (!length.IsZero)
        {
            f.ReturnData.Span.Slice((int)sourceOffset.U0, (int)length.U0).CopyTo(f.Memory.Slice(destination, length));
        }
        return EvmStatus.Running;
    }

    public static EvmStatus ExtCodeHash(EvmFrame f)
    {
        ref var word = ref f.Peek(0);
        var address = ToAddress(word);
        if (!TryChargeAccountAccess(f, address))
        {
            return EvmStatus.OutOfGas;
        }
        word = f.Vm.IsDead(address) ? UInt256.Zero : ToWord(f.Vm.State.GetCodeHash(address));
        return EvmStatus.Running;
    }

    public static EvmStatus BlockHash(EvmFrame f)
    {
        ref var number = ref f.Peek(0);
        var current = f.Vm.Block.Number;
        var provider = f.Vm.Block.BlockHashes;
        if (provider is null || !number.IsUInt64 || number.U0 >= current || current - number.U0 > 256)
        {
            number = UInt256.Zero;
            return EvmStatus.Running;
        }
        number = ToWord(provider.GetBlockHash(number.U0));
        return EvmStatus.Running;
    }

    public static EvmStatus Coinbase(EvmFrame f)
    {
        f.Push(ToWord(f.Vm.Block.Coinbase));
        return EvmStatus.Running;
    }

    public static EvmStatus Timestamp(EvmFrame f)
    {
        f.Push(new UInt256(f.Vm.Block.Timestamp));
        return EvmStatus.Running;
    }

    public static EvmStatus Number(EvmFrame f)
    {
        f.Push(new UInt256(f.Vm.Block.Number));
        return EvmStatus.Running;
    }

    public static EvmStatus PrevRandao(EvmFrame f)
    {
        f.Push(f.Vm.Block.PrevRandao);
        return EvmStatus.Running;
    }

    public static EvmStatus GasLimit(EvmFrame f)
    {
        f.Push(new UInt256((ulong)f.Vm.Block.GasLimit));
        return EvmStatus.Running;
    }

    public static EvmStatus ChainId(EvmFrame f)
    {
        f.Push(f.Vm.Block.ChainId);
        return EvmStatus.Running;
    }

    public static EvmStatus SelfBalance(EvmFrame f)
    {
        f.Push(f.Vm.State.GetBalance(f.Address));
        return EvmStatus.Running;
    }

    public static EvmStatus BaseFee(EvmFrame f)
    {
        f.Push(f.Vm.Block.BaseFee);
        return EvmStatus.Running;
    }

    public static EvmStatus BlobHash(EvmFrame f)
    {
        ref var index = ref f.Peek(0);
        var hashes = f.Vm.Transaction.BlobHashes;
        index = index.IsUInt64 && index.U0 < (ulong)hashes.Count ? ToWord(hashes[(int)index.U0]) : UInt256.Zero;
        return EvmStatus.Running;
    }

    public static EvmStatus BlobBaseFee(EvmFrame f)
    {
        f.Push(f.Vm.Block.BlobBaseFee);
        return EvmStatus.Running;
    }
}
