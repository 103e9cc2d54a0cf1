using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Governance;

/// <summary>Storage words of the governance contract, read and written through whoever holds them.</summary>
public interface ISlotStore : IStorageWords;

/// <summary>The contract's storage inside a call: every access metered at the SLOAD/SSTORE price.</summary>
internal sealed class CallSlots(SystemCallContext context) : ISlotStore
{
    public bool TryLoad(in UInt256 slot, out UInt256 value) => context.TryLoad(slot, out value);

    public bool TryStore(in UInt256 slot, in UInt256 value) => context.TryStore(slot, value);
}

/// <summary>The contract's storage in a read view (committed state, or a block's state as it runs): reads only.</summary>
public sealed class StateSlots(IStateReader state) : ISlotStore
{
    public bool TryLoad(in UInt256 slot, out UInt256 value)
    {
        value = state.GetStorage(GovernanceLayout.Address, slot);
        return true;
    }

    public bool TryStore(in UInt256 slot, in UInt256 value) =>
        throw new InvalidOperationException("governance state is written only by the governance contract");
}

/// <summary>The governance contract's records in its storage (<see cref="StorageBlob"/>'s layout).</summary>
public static class SlotBlob
{
    /// <summary>Larger than anything the contract writes: a longer length word means the state is corrupt.</summary>
    public const int MaxBytes = 4 << 20;

    /// <summary>Reads the blob at <paramref name="slot"/>; an unset slot reads as empty.</summary>
    public static bool TryRead(ISlotStore store, in UInt256 slot, out byte[] data) => StorageBlob.TryRead(store, slot, MaxBytes, "governance", out data);

    public static bool TryWrite(ISlotStore store, in UInt256 slot, ReadOnlySpan<byte> data) => StorageBlob.TryWrite(store, slot, data, MaxBytes, "governance");
}
