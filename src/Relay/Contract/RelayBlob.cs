using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>Storage words of the cross-chain contract, read and written through whoever holds them.</summary>
public interface IRelaySlots : IStorageWords;

/// <summary>The cross-chain contract's records in its storage: the governance contract's layout (<see cref="StorageBlob"/>).</summary>
public static class RelayBlob
{
    /// <summary>Larger than any record the contract writes: a longer length word means the state is corrupt.</summary>
    public const int MaxBytes = 1 << 20;

    public static bool TryRead(IRelaySlots store, in UInt256 slot, out byte[] data) => StorageBlob.TryRead(store, slot, MaxBytes, "cross-chain", out data);

    public static bool TryWrite(IRelaySlots store, in UInt256 slot, ReadOnlySpan<byte> data) => StorageBlob.TryWrite(store, slot, data, MaxBytes, "cross-chain");
}
