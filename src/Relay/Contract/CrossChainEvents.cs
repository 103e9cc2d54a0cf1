using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// The events of the cross-chain contract, one per step (contracts/src/ICrossChain.sol declares them). Relayers follow
/// them: <see cref="SendPacket"/> and <see cref="WriteAcknowledgement"/> carry the serialized packet they must carry.
/// </summary>
public static class CrossChainEvents
{
    public static readonly Hash32 ClientCreated = AbiSignature.Hash("ClientCreated(string,string,uint64)");
    public static readonly Hash32 ClientUpdated = AbiSignature.Hash("ClientUpdated(string,uint64)");
    public static readonly Hash32 ClientFrozen = AbiSignature.Hash("ClientFrozen(string,uint64)");
    public static readonly Hash32 ClientRecovered = AbiSignature.Hash("ClientRecovered(string,uint64,uint64)");
    public static readonly Hash32 ChannelOpenInit = AbiSignature.Hash("ChannelOpenInit(string,string,address,address,bool)");
    public static readonly Hash32 ChannelOpenTry = AbiSignature.Hash("ChannelOpenTry(string,string,address,address,bool)");
    public static readonly Hash32 ChannelOpenAck = AbiSignature.Hash("ChannelOpenAck(string,string)");
    public static readonly Hash32 ChannelOpenConfirm = AbiSignature.Hash("ChannelOpenConfirm(string)");
    public static readonly Hash32 ChannelClosed = AbiSignature.Hash("ChannelClosed(string)");
    public static readonly Hash32 SendPacket = AbiSignature.Hash("SendPacket(string,uint64,bytes)");
    public static readonly Hash32 RecvPacket = AbiSignature.Hash("RecvPacket(string,uint64)");
    public static readonly Hash32 WriteAcknowledgement = AbiSignature.Hash("WriteAcknowledgement(string,uint64,bytes,bytes)");
    public static readonly Hash32 AcknowledgePacket = AbiSignature.Hash("AcknowledgePacket(string,uint64,bool)");
    public static readonly Hash32 TimeoutPacket = AbiSignature.Hash("TimeoutPacket(string,uint64)");

    /// <summary>A message of a relayBatch that failed (its changes undone): its index and its revert data.</summary>
    public static readonly Hash32 RelayMessageFailed = AbiSignature.Hash("RelayMessageFailed(uint64,bytes)");

    internal static void Emit(SystemCallContext context, Hash32 topic, AbiTuple data)
    {
        if (!context.TryEmitLog([topic], data.Encode()))
        {
            throw new CallHalted();
        }
    }
}
