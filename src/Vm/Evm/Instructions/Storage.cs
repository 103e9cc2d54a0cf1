using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>SLOAD and SSTORE (EIP-2200 net metering with EIP-2929 access costs and EIP-3529 refunds), TLOAD and TSTORE.</summary>
internal static class Storage
{
    public static EvmStatus SLoad(EvmFrame f)
    {
        ref var key = ref f.Peek(0);
        var cost = f.Vm.Substate.WarmSlot(f.Address, key) ? GasCosts.ColdSload : GasCosts.WarmStorageRead;
        if (!f.TryUseGas(cost))
        {
            return EvmStatus.OutOfGas;
        }
        key = f.Vm.State.GetStorage(f.Address, key);
        return EvmStatus.Running;
    }

    public static EvmStatus SStore(EvmFrame f)
    {
        if (f.IsStatic)
        {
            return EvmStatus.StaticCallViolation;
        }
        // EIP-2200: SSTORE needs more than the call stipend left, so a stipend-only call cannot write.
        if (f.Gas <= GasCosts.SstoreSentry)
        {
            return EvmStatus.OutOfGas;
        }
        var key = f.Pop();
        var value = f.Pop();
        var cost = StoreCost(f.Vm, f.Address, key, value);
        if (!f.TryUseGas(cost))
        {
            return EvmStatus.OutOfGas;
        }
        f.Vm.State.SetStorage(f.Address, key, value);
        return EvmStatus.Running;
    }

    /// <summary>
    /// The gas of writing <paramref name="value"/> to a slot (EIP-2200 with EIP-2929 and EIP-3529): warms the slot and
    /// books the refund as a side effect, so call it only right before the write (a failing frame reverts both).
    /// Shared by SSTORE and system contracts.
    /// </summary>
    internal static long StoreCost(VirtualMachine vm, in Address address, in UInt256 key, in UInt256 value)
    {
        var substate = vm.Substate;
        long cost = substate.WarmSlot(address, key) ? GasCosts.ColdSload : 0;
        var current = vm.State.GetStorage(address, key);
        if (current == value)
        {
            cost += GasCosts.WarmStorageRead;
        }
        else
        {
            var original = vm.State.GetCommittedStorage(address, key);
            if (original == current)
            {
                if (original.IsZero)
                {
                    cost += GasCosts.SstoreSet;
                }
                else
                {
                    cost += GasCosts.SstoreReset;
                    if (value.IsZero)
                    {
                        substate.AddRefund(GasCosts.SstoreClearsRefund);
                    }
                }
            }
            else
            {
                cost += GasCosts.WarmStorageRead;
                if (!original.IsZero)
                {
                    if (current.IsZero)
                    {
                        substate.AddRefund(-GasCosts.SstoreClearsRefund);
                    }
                    else if (value.IsZero)
                    {
                        substate.AddRefund(GasCosts.SstoreClearsRefund);
                    }
                }
                if (original == value)
                {
                    substate.AddRefund(original.IsZero
                        ? GasCosts.SstoreSet - GasCosts.WarmStorageRead
                        : GasCosts.SstoreReset - GasCosts.WarmStorageRead);
                }
            }
        }
        return cost;
    }

    public static EvmStatus TLoad(EvmFrame f)
    {
        ref var key = ref f.Peek(0);
        key = f.Vm.Substate.GetTransient(f.Address, key);
        return EvmStatus.Running;
    }

    public static EvmStatus TStore(EvmFrame f)
    {
        if (f.IsStatic)
        {
            return EvmStatus.StaticCallViolation;
        }
        var key = f.Pop();
        var value = f.Pop();
        f.Vm.Substate.SetTransient(f.Address, key, value);
        return EvmStatus.Running;
    }
}
