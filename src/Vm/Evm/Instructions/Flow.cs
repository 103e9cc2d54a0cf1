using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>Control flow and halting: STOP, JUMP, JUMPI, PC, GAS, JUMPDEST, POP, RETURN, REVERT, INVALID.</summary>
internal static class Flow
{
    public static EvmStatus Stop(EvmFrame f) => EvmStatus.Stopped;

    public static EvmStatus Invalid(EvmFrame f) => EvmStatus.InvalidOpcode;

    public static EvmStatus Pop(EvmFrame f)
    {
        f.Sp--;
        return EvmStatus.Running;
    }

    public static EvmStatus Jump(EvmFrame f)
    {
        ref var destination = ref f.Pop();
        if (!f.IsValidJumpDestination(destination))
        {
            return EvmStatus.InvalidJump;
        }
        f.Pc = (int)destination.U0;
        return EvmStatus.Running;
    }

    public static EvmStatus JumpI(EvmFrame f)
    {
        ref var destination = ref f.Pop();
        ref var condition = ref f.Pop();
        if (condition.IsZero)
        {
            return EvmStatus.Running;
        }
        if (!f.IsValidJumpDestination(destination))
        {
            return EvmStatus.InvalidJump;
        }
        f.Pc = (int)destination.U0;
        return EvmStatus.Running;
    }

    public static EvmStatus Pc(EvmFrame f)
    {
        f.Push(new UInt256((ulong)(f.Pc - 1)));
        return EvmStatus.Running;
    }

    public static EvmStatus Gas(EvmFrame f)
    {
        f.Push(new UInt256((ulong)f.Gas));
        return EvmStatus.Running;
    }

    public static EvmStatus JumpDest(EvmFrame f) => EvmStatus.Running;

    public static EvmStatus Return(EvmFrame f) => Halt(f, EvmStatus.Returned);

    public static EvmStatus Revert(EvmFrame f) => Halt(f, EvmStatus.Reverted);

    private static EvmStatus Halt(EvmFrame f, EvmStatus status)
    {
        var offset = f.Pop();
        var length = f.Pop();
        if (!f.TryExpandMemory(offset, length))
        {
            return EvmStatus.OutOfGas;
        }
        f.Output = f.Memory.Slice(offset, length).ToArray();
        return status;
    }
}
