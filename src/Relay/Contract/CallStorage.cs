using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// The contract's storage inside one call, every access metered at the SLOAD/SSTORE price, plus a per-byte charge for
/// the protobuf work on records. A failed payment unwinds the call with <see cref="CallHalted"/>, which
/// <see cref="CrossChainContract.Run"/> turns into the context's failure.
/// </summary>
internal sealed class CallStorage(SystemCallContext context) : IRelaySlots
{
    /// <summary>Per byte of record decoded or encoded.</summary>
    public const long RecordByteGas = 8;

    public bool TryLoad(in UInt256 slot, out UInt256 value) => context.TryLoad(slot, out value);

    public bool TryStore(in UInt256 slot, in UInt256 value) => context.TryStore(slot, value);

    public UInt256 Word(in UInt256 slot) => TryLoad(slot, out var value) ? value : throw new CallHalted();

    public ulong Number(in UInt256 slot)
    {
        var value = Word(slot);
        return value.IsUInt64 ? value.U0 : throw new InvalidOperationException($"cross-chain slot {slot} holds {value}, not a counter: state is corrupt");
    }

    public void Set(in UInt256 slot, in UInt256 value)
    {
        if (!TryStore(slot, value))
        {
            throw new CallHalted();
        }
    }

    public void Set(in UInt256 slot, ulong value) => Set(slot, new UInt256(value));

    /// <summary>The record at <paramref name="slot"/>, or null when none was written.</summary>
    public T? Record<T>(in UInt256 slot, MessageParser<T> parser) where T : class, IMessage<T>
    {
        if (!RelayBlob.TryRead(this, slot, out var bytes) || !context.TryUseGas(RecordByteGas * bytes.Length))
        {
            throw new CallHalted();
        }
        return bytes.Length == 0 ? null : parser.ParseFrom(bytes);
    }

    public void SetRecord(in UInt256 slot, IMessage record) => SetBytes(slot, record.ToByteArray());

    public void SetBytes(in UInt256 slot, byte[] bytes)
    {
        if (!context.TryUseGas(RecordByteGas * bytes.Length) || !RelayBlob.TryWrite(this, slot, bytes))
        {
            throw new CallHalted();
        }
    }
}

/// <summary>Unwinds a call that could not pay for what it did (the context already knows why).</summary>
internal sealed class CallHalted : Exception;
