using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>A compile-time count for DUPn, SWAPn and LOGn, so each variant is a separate JIT specialisation.</summary>
internal interface ICount
{
    static abstract int Value { get; }
}

/// <summary>PUSH, DUP and SWAP.</summary>
internal static class Stack
{
    public static EvmStatus Push0(EvmFrame f)
    {
        f.Push(UInt256.Zero);
        return EvmStatus.Running;
    }

    public static EvmStatus Push1(EvmFrame f)
    {
        var pc = f.Pc;
        var code = f.Code;
        f.Push(new UInt256(pc < code.Length ? code[pc] : 0UL));
        f.Pc = pc + 1;
        return EvmStatus.Running;
    }

    /// <summary>PUSH2..PUSH32: the length comes from the opcode byte just before the data.</summary>
    public static EvmStatus PushN(EvmFrame f)
    {
        var pc = f.Pc;
        var code = f.Code;
        var n = code[pc - 1] - 0x5f;
        if (pc + n <= code.Length)
        {
            f.Push(UInt256.ReadBigEndianPadded(code.AsSpan(pc, n)));
        }
        else
        {
            // Data running past the end of the code reads as zero bytes on the right.
            Span<byte> data = stackalloc byte[32];
            data.Clear();
            var available = Math.Max(0, code.Length - pc);
            code.AsSpan(pc, available).CopyTo(data[(32 - n)..]);
            f.Push(UInt256.ReadBigEndian32(data));
        }
        f.Pc = pc + n;
        return EvmStatus.Running;
    }

    public static EvmStatus Dup<TN>(EvmFrame f) where TN : struct, ICount
    {
        f.Push(f.Peek(TN.Value - 1));
        return EvmStatus.Running;
    }

    public static EvmStatus Swap<TN>(EvmFrame f) where TN : struct, ICount
    {
        ref var top = ref f.Peek(0);
        ref var other = ref f.Peek(TN.Value);
        (top, other) = (other, top);
        return EvmStatus.Running;
    }

    public readonly struct N0 : ICount { public static int Value => 0; }
    public readonly struct N1 : ICount { public static int Value => 1; }
    public readonly struct N2 : ICount { public static int Value => 2; }
    public readonly struct N3 : ICount { public static int Value => 3; }
    public readonly struct N4 : ICount { public static int Value => 4; }
    public readonly struct N5 : ICount { public static int Value => 5; }
    public readonly struct N6 : ICount { public static int Value => 6; }
    public readonly struct N7 : ICount { public static int Value => 7; }
    public readonly struct N8 : ICount { public static int Value => 8; }
    public readonly struct N9 : ICount { public static int Value => 9; }
    public readonly struct N10 : ICount { public static int Value => 10; }
    public readonly struct N11 : ICount { public static int Value => 11; }
    public readonly struct N12 : ICount { public static int Value => 12; }
    public readonly struct N13 : ICount { public static int Value => 13; }
    public readonly struct N14 : ICount { public static int Value => 14; }
    public readonly struct N15 : ICount { public static int Value => 15; }
    public readonly struct N16 : ICount { public static int Value => 16; }
}
