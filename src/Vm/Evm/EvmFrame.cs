using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// The machine state of one call frame: program counter, gas, stack, memory and the call's environment.
/// One frame object per call depth is kept by the <see cref="VirtualMachine"/> and reused across calls.
/// </summary>
internal sealed class EvmFrame
{
    public const int StackLimit = 1024;

    public readonly UInt256[] Stack = new UInt256[StackLimit];
    public readonly EvmMemory Memory = new();
    public readonly VirtualMachine Vm;

    public byte[] Code = [];
    public ulong[]? JumpDestinations;
    public int Pc;
    public int Sp;
    public long Gas;
    public Address Address;
    public Address Caller;
    public UInt256 Value;
    public ReadOnlyMemory<byte> Input;
    public bool IsStatic;
    public int Depth;
    public ReadOnlyMemory<byte> ReturnData;
    public byte[] Output = [];

    public EvmFrame(VirtualMachine vm) => Vm = vm;

    public void Reset(byte[] code, long gas, in Address address, in Address caller, in UInt256 value, ReadOnlyMemory<byte> input, bool isStatic, int depth)
    {
        Code = code;
        JumpDestinations = null;
        Pc = 0;
        Sp = 0;
        Gas = gas;
        Address = address;
        Caller = caller;
        Value = value;
        Input = input;
        IsStatic = isStatic;
        Depth = depth;
        ReturnData = ReadOnlyMemory<byte>.Empty;
        Output = [];
        Memory.Reset();
    }

    /// <summary>The stack slot <paramref name="fromTop"/> below the top (0 is the top). Bounds were checked by the dispatcher.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref UInt256 Peek(int fromTop) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Stack), Sp - 1 - fromTop);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref UInt256 Pop() =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Stack), --Sp);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(in UInt256 value) =>
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Stack), Sp++) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryUseGas(long amount)
    {
        if (Gas < amount)
        {
            return false;
        }
        Gas -= amount;
        return true;
    }

    /// <summary>Charges for and performs memory expansion over [offset, offset+length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryExpandMemory(in UInt256 offset, in UInt256 length)
    {
        if (!Memory.TryGetExpansionCost(offset, length, out var cost) || !TryUseGas(cost))
        {
            return false;
        }
        Memory.Expand(offset, length);
        return true;
    }

    public bool IsValidJumpDestination(in UInt256 destination)
    {
        if (!destination.IsUInt64 || destination.U0 >= (ulong)Code.Length)
        {
            return false;
        }
        var bits = JumpDestinations ??= Vm.AnalyzeJumpDestinations(Code);
        var d = (int)destination.U0;
        return (bits[d >> 6] & (1UL << (d & 63))) != 0;
    }
}
