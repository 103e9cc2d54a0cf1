using ShanghaiChain.Relay.Tests.Support;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests;

/// <summary>
/// What a hostile relayer can send the contract: garbage after every selector, and well-formed ABI around garbage
/// messages. Every such call reverts with a reason and changes nothing; none may escape as an exception (a node bug).
/// </summary>
public sealed class HostileInputTests
{
    private static readonly string[] Functions =
    [
        "createClient(string,bytes)", "updateClient(string,bytes)", "submitMisbehaviour(string,bytes)", "clientState(string)",
        "consensusState(string,uint64)", "channelOpenInit(string,address,bool,string)",
        "channelOpenTry(string,string,address,address,bool,string,uint64,bytes)", "channelOpenAck(string,string,uint64,bytes)",
        "channelOpenConfirm(string,uint64,bytes)", "channel(string)", "sendPacket(string,bytes,uint64,uint64)",
        "recvPacket(bytes,uint64,bytes)", "acknowledgePacket(bytes,bytes,uint64,bytes)", "timeoutPacket(bytes,uint64,bytes)",
    ];

    [Fact]
    public void Garbage_calldata_and_garbage_messages_revert_with_a_reason_and_change_nothing()
    {
        var seed = TestSeed.Run;
        var random = new Random(seed);
        using var chains = new LinkedChains();
        var b = chains.B;
        var clientBefore = CrossChainReader.Client(b.Store, LinkedChains.ClientOfA);
        var channelBefore = CrossChainReader.Channel(b.Store, chains.ChannelB);
        var sequencesBefore = CrossChainReader.Sequences(b.Store, chains.ChannelB);

        foreach (var function in Functions)
        {
            for (var i = 0; i < 4; i++)
            {
                var garbage = new byte[random.Next(0, 300)];
                random.NextBytes(garbage);
                var selector = AbiSignature.Selector(function);
                byte[] raw = [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector, .. garbage];
                Refused(b.Send(b.Relayer, CrossChainLayout.Address, raw), function, seed);
            }
        }
        // Well-formed ABI whose message arguments are random bytes (often decodable protobuf, never meaningful).
        string[] withMessages = ["updateClient(string,bytes)", "submitMisbehaviour(string,bytes)", "createClient(string,bytes)"];
        foreach (var function in withMessages)
        {
            for (var i = 0; i < 4; i++)
            {
                var message = new byte[random.Next(0, 200)];
                random.NextBytes(message);
                Refused(b.Send(b.Operator, CrossChainLayout.Address, LinkedChains.CrossChain(function,
                    new AbiTuple().String(i == 0 ? "fresh-client" : LinkedChains.ClientOfA).Bytes(message))), function, seed);
            }
        }
        for (var i = 0; i < 8; i++)
        {
            var message = new byte[random.Next(0, 200)];
            random.NextBytes(message);
            Refused(b.Send(b.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("recvPacket(bytes,uint64,bytes)",
                new AbiTuple().Bytes(message).UInt((ulong)random.Next()).Bytes(message))), "recvPacket", seed);
        }

        Assert.Equal(clientBefore, CrossChainReader.Client(b.Store, LinkedChains.ClientOfA));
        Assert.Null(CrossChainReader.Client(b.Store, "fresh-client"));
        Assert.Equal(channelBefore, CrossChainReader.Channel(b.Store, chains.ChannelB));
        Assert.Equal(sequencesBefore, CrossChainReader.Sequences(b.Store, chains.ChannelB));
        Assert.Equal(1UL, CrossChainReader.ChannelCount(b.Store));
    }

    private static void Refused(Receipt receipt, string function, int seed)
    {
        // Read-only functions may answer garbage with an empty record; everything else must revert with the contract's reason.
        if (function is "clientState(string)" or "consensusState(string,uint64)" or "channel(string)" && receipt.Status == ReceiptStatus.Success)
        {
            return;
        }
        Assert.True(receipt.Status == ReceiptStatus.Failed && receipt.Error == ExecutionError.Reverted && receipt.ErrorMessage.Contains("CrossChain: "),
            $"{function}: {receipt.Status} {receipt.Error} {receipt.ErrorMessage} (seed {seed}, replay: {TestSeed.Variable}={seed})");
    }
}
