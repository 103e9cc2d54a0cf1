using System.Buffers.Binary;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay.Contract;

namespace ShanghaiChain.Relay.Tests;

/// <summary>ICrossChain.sol, as solc compiled it and the assembly embeds it, is exactly what the contract dispatches and logs.</summary>
public sealed class CrossChainAbiTests
{
    [Fact]
    public void Every_function_and_event_of_ICrossChain_sol_is_the_one_the_contract_dispatches_and_logs()
    {
        var abi = CrossChainAbi.Contract;
        uint[] dispatched =
        [
            CrossChainContract.CreateClient, CrossChainContract.UpdateClient, CrossChainContract.SubmitMisbehaviour,
            CrossChainContract.RecoverClient, CrossChainContract.ClientStateSelector, CrossChainContract.ConsensusStateSelector,
            CrossChainContract.ChannelOpenInit, CrossChainContract.ChannelOpenTry, CrossChainContract.ChannelOpenAck,
            CrossChainContract.ChannelOpenConfirm, CrossChainContract.ChannelSelector, CrossChainContract.SendPacket,
            CrossChainContract.RecvPacket, CrossChainContract.AcknowledgePacket, CrossChainContract.TimeoutPacket, CrossChainContract.RelayBatch,
        ];
        Assert.Equal(dispatched.Order(), abi.Functions.Select(f => BinaryPrimitives.ReadUInt32BigEndian(f.Selector)).Order());
        Hash32[] logged =
        [
            CrossChainEvents.ClientCreated, CrossChainEvents.ClientUpdated, CrossChainEvents.ClientFrozen, CrossChainEvents.ClientRecovered,
            CrossChainEvents.ChannelOpenInit, CrossChainEvents.ChannelOpenTry, CrossChainEvents.ChannelOpenAck, CrossChainEvents.ChannelOpenConfirm,
            CrossChainEvents.ChannelClosed, CrossChainEvents.SendPacket, CrossChainEvents.RecvPacket, CrossChainEvents.WriteAcknowledgement,
            CrossChainEvents.AcknowledgePacket, CrossChainEvents.TimeoutPacket, CrossChainEvents.RelayMessageFailed,
        ];
        Assert.Equal(logged.Order(), abi.Events.Select(e => e.Topic).Order());
    }
}
