using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>CREATE, CREATE2, the CALL family and SELFDESTRUCT.</summary>
internal static class Calls
{
    public static EvmStatus Create(EvmFrame f) => CreateCommon(f, isCreate2: false);

    public static EvmStatus Create2(EvmFrame f) => CreateCommon(f, isCreate2: true);

    private static EvmStatus CreateCommon(EvmFrame f, bool isCreate2)
    {
        if (f.IsStatic)
        {
            return EvmStatus.StaticCallViolation;
        }
        var value = f.Pop();
        var offset = f.Pop();
        var length = f.Pop();
        var salt = isCreate2 ? f.Pop() : UInt256.Zero;
        var vm = f.Vm;

        if (!f.TryExpandMemory(offset, length))
        {
            return EvmStatus.OutOfGas;
        }
        var size = (long)length.U0;
        if (size > vm.Rules.MaxInitCodeSize)
        {
            return EvmStatus.InitCodeSizeExceeded;
        }
        var words = GasCosts.Words(size);
        var cost = GasCosts.InitCodeWord * words + (isCreate2 ? GasCosts.Keccak256Word * words : 0);
        if (!f.TryUseGas(cost))
        {
            return EvmStatus.OutOfGas;
        }

        f.ReturnData = ReadOnlyMemory<byte>.Empty;
        if (f.Depth >= vm.Rules.MaxCallDepth || vm.State.GetBalance(f.Address) < value)
        {
            f.Push(UInt256.Zero);
            return EvmStatus.Running;
        }
        var nonce = vm.State.GetNonce(f.Address);
        if (nonce == ulong.MaxValue)
        {
            f.Push(UInt256.Zero);
            return EvmStatus.Running;
        }

        var gas = f.Gas - f.Gas / 64;
        f.Gas -= gas;
        vm.State.SetNonce(f.Address, nonce + 1);
        var initCode = f.Memory.Slice(offset, length);
        var address = isCreate2 ? ContractAddress.FromSalt(f.Address, salt, initCode) : ContractAddress.FromNonce(f.Address, nonce);
        var message = new Message(isCreate2 ? CallKind.Create2 : CallKind.Create, f.Address, address, address, value,
            f.Memory.AsMemory(offset, length), gas, false, f.Depth + 1);
        var result = vm.ExecuteCreate(message);
        f.Gas += result.GasLeft;
        f.ReturnData = result.Status == EvmStatus.Reverted ? result.Output : ReadOnlyMemory<byte>.Empty;
        f.Push(result.Success ? EnvironmentOps.ToWord(result.CreatedAddress) : UInt256.Zero);
        return EvmStatus.Running;
    }

    public static EvmStatus Call(EvmFrame f) => CallCommon(f, CallKind.Call);

    public static EvmStatus CallCode(EvmFrame f) => CallCommon(f, CallKind.CallCode);

    public static EvmStatus DelegateCall(EvmFrame f) => CallCommon(f, CallKind.DelegateCall);

    public static EvmStatus StaticCall(EvmFrame f) => CallCommon(f, CallKind.StaticCall);

    private static EvmStatus CallCommon(EvmFrame f, CallKind kind)
    {
        var requestedGas = f.Pop();
        var target = EnvironmentOps.ToAddress(f.Pop());
        var value = kind is CallKind.Call or CallKind.CallCode ? f.Pop() : UInt256.Zero;
        var argsOffset = f.Pop();
        var argsLength = f.Pop();
        var retOffset = f.Pop();
        var retLength = f.Pop();
        var vm = f.Vm;
        var hasValue = !value.IsZero;

        if (kind == CallKind.Call && hasValue && f.IsStatic)
        {
            return EvmStatus.StaticCallViolation;
        }

        // Access, memory, value-transfer and new-account costs come first; the 63/64 rule applies to what is left.
        if (!EnvironmentOps.TryChargeAccountAccess(f, target) ||
            !f.TryExpandMemory(argsOffset, argsLength) ||
            !f.TryExpandMemory(retOffset, retLength))
        {
            return EvmStatus.OutOfGas;
        }
        long extra = 0;
        if (hasValue)
        {
            extra += GasCosts.CallValue;
            if (kind == CallKind.Call && vm.IsDead(target))
            {
                extra += GasCosts.NewAccount;
            }
        }
        if (!f.TryUseGas(extra))
        {
            return EvmStatus.OutOfGas;
        }
        var available = f.Gas - f.Gas / 64;
        var gas = requestedGas.IsUInt64 && requestedGas.U0 < (ulong)available ? (long)requestedGas.U0 : available;
        f.Gas -= gas;
        if (hasValue)
        {
            gas += GasCosts.CallStipend;
        }

        var message = kind switch
        {
            CallKind.Call => new Message(kind, f.Address, target, target, value, ArgsOf(f, argsOffset, argsLength), gas, f.IsStatic, f.Depth + 1),
            CallKind.CallCode => new Message(kind, f.Address, f.Address, target, value, ArgsOf(f, argsOffset, argsLength), gas, f.IsStatic, f.Depth + 1),
            CallKind.DelegateCall => new Message(kind, f.Caller, f.Address, target, f.Value, ArgsOf(f, argsOffset, argsLength), gas, f.IsStatic, f.Depth + 1),
            _ => new Message(kind, f.Address, target, target, UInt256.Zero, ArgsOf(f, argsOffset, argsLength), gas, true, f.Depth + 1),
        };
        var result = vm.ExecuteCall(message);
        f.Gas += result.GasLeft;
        f.ReturnData = result.Output;
        if (!retLength.IsZero && result.Output.Length > 0)
        {
            var n = (int)Math.Min((ulong)result.Output.Length, retLength.U0);
            result.Output.Span[..n].CopyTo(f.Memory.Slice((long)retOffset.U0, n));
        }
        f.Push(result.Success ? UInt256.One : UInt256.Zero);
        return EvmStatus.Running;
    }

    /// <summary>
    /// The call's input as a view of the caller's memory, without copying: the caller's memory cannot change while the
    /// callee runs (the callee has its own memory, and return data is copied in only after it returns).
    /// </summary>
    private static ReadOnlyMemory<byte> ArgsOf(EvmFrame f, in UInt256 offset, in UInt256 length) => f.Memory.AsMemory(offset, length);

    public static EvmStatus SelfDestruct(EvmFrame f)
    {
        if (f.IsStatic)
        {
            return EvmStatus.StaticCallViolation;
        }
        var beneficiary = EnvironmentOps.ToAddress(f.Pop());
        var vm = f.Vm;
        long cost = vm.Substate.WarmAccount(beneficiary) ? GasCosts.ColdAccountAccess : 0;
        var balance = vm.State.GetBalance(f.Address);
        if (!balance.IsZero && vm.IsDead(beneficiary))
        {
            cost += GasCosts.NewAccount;
        }
        if (!f.TryUseGas(cost))
        {
            return EvmStatus.OutOfGas;
        }

        // EIP-6780: the balance always moves; the account is only deleted when it was created in this transaction.
        vm.State.SetBalance(f.Address, UInt256.Zero);
        vm.State.SetBalance(beneficiary, UInt256.AddWrapping(vm.State.GetBalance(beneficiary), balance));
        vm.Substate.Touch(beneficiary);
        if (vm.Substate.WasCreated(f.Address))
        {
            vm.State.SetBalance(f.Address, UInt256.Zero);
            vm.Substate.MarkSelfDestructed(f.Address);
        }
        return EvmStatus.Stopped;
    }
}
