using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>A two-operand word operation; a is the top of the stack, b the item below it.</summary>
internal interface IBinaryOperation
{
    static abstract UInt256 Apply(in UInt256 a, in UInt256 b);
}

/// <summary>A three-operand word operation (ADDMOD, MULMOD).</summary>
internal interface ITernaryOperation
{
    static abstract UInt256 Apply(in UInt256 a, in UInt256 b, in UInt256 c);
}

/// <summary>Arithmetic, comparison and bitwise opcodes, one generic handler per arity specialised by struct type.</summary>
internal static class Arithmetic
{
    private static readonly UInt256 True = UInt256.One;

    public static EvmStatus Binary<TOp>(EvmFrame f) where TOp : struct, IBinaryOperation
    {
        ref var a = ref f.Pop();
        ref var b = ref f.Peek(0);
        b = TOp.Apply(a, b);
        return EvmStatus.Running;
    }

    public static EvmStatus Ternary<TOp>(EvmFrame f) where TOp : struct, ITernaryOperation
    {
        ref var a = ref f.Pop();
        ref var b = ref f.Pop();
        ref var c = ref f.Peek(0);
        c = TOp.Apply(a, b, c);
        return EvmStatus.Running;
    }

    public static EvmStatus Exp(EvmFrame f)
    {
        ref var b = ref f.Pop();
        ref var e = ref f.Peek(0);
        if (!f.TryUseGas(GasCosts.ExpByte * e.ByteLength))
        {
            return EvmStatus.OutOfGas;
        }
        e = UInt256.Power(b, e);
        return EvmStatus.Running;
    }

    public static EvmStatus IsZero(EvmFrame f)
    {
        ref var a = ref f.Peek(0);
        a = a.IsZero ? True : UInt256.Zero;
        return EvmStatus.Running;
    }

    public static EvmStatus Not(EvmFrame f)
    {
        ref var a = ref f.Peek(0);
        a = ~a;
        return EvmStatus.Running;
    }

    private static UInt256 Bool(bool value) => value ? True : UInt256.Zero;

    public readonly struct AddOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.AddWrapping(a, b);
    }

    public readonly struct MulOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.MultiplyWrapping(a, b);
    }

    public readonly struct SubOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.SubtractWrapping(a, b);
    }

    public readonly struct DivOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.Divide(a, b);
    }

    public readonly struct SDivOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.SignedDivide(a, b);
    }

    public readonly struct ModOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.Modulo(a, b);
    }

    public readonly struct SModOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.SignedModulo(a, b);
    }

    public readonly struct AddModOp : ITernaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b, in UInt256 c) => UInt256.AddModulo(a, b, c);
    }

    public readonly struct MulModOp : ITernaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b, in UInt256 c) => UInt256.MultiplyModulo(a, b, c);
    }

    public readonly struct SignExtendOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.SignExtend(a, b);
    }

    public readonly struct LtOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => Bool(a < b);
    }

    public readonly struct GtOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => Bool(a > b);
    }

    public readonly struct SltOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => Bool(UInt256.CompareSigned(a, b) < 0);
    }

    public readonly struct SgtOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => Bool(UInt256.CompareSigned(a, b) > 0);
    }

    public readonly struct EqOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => Bool(a == b);
    }

    public readonly struct AndOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => a & b;
    }

    public readonly struct OrOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => a | b;
    }

    public readonly struct XorOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => a ^ b;
    }

    public readonly struct ByteOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.Byte(a, b);
    }

    public readonly struct ShlOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.ShiftLeft(b, a);
    }

    public readonly struct ShrOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.ShiftRight(b, a);
    }

    public readonly struct SarOp : IBinaryOperation
    {
        public static UInt256 Apply(in UInt256 a, in UInt256 b) => UInt256.ArithmeticShiftRight(b, a);
    }
}
