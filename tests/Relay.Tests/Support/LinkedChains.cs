using System.Text.Json;
using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests.Support;

/// <summary>
/// Two chains of different suites linked as the relay links them, with this test playing the untrusted relayer: each
/// chain keeps a light client of the other (decided by its committee), a <c>CrossChainPing</c> contract on
/// each, and a channel between the two opened by the four-step handshake, every step proven.
/// </summary>
internal sealed class LinkedChains : IDisposable
{
    public const string ClientOfB = "hongkong-client";
    public const string ClientOfA = "shanghai-client";

    public LinkedChains(bool ordered = false)
    {
        A = new RelayTestChain("shanghai", CryptoSuite.Sm2Sm3);
        B = new RelayTestChain("hongkong", CryptoSuite.Ed25519Sha256);
        A.AdvanceBy(1);
        B.AdvanceBy(1);
        var code = PingCode();
        PingA = A.Deploy(code);
        PingB = B.Deploy(code);
        // Each committee decides its client (one seated member: proposing passes and executes at once).
        A.Decide(GovernanceCalls.CrossChainClient(recover: false, ClientOfB, B.CreateClientOfThis(1).ToByteArray()), CrossChainEvents.ClientCreated);
        B.Decide(GovernanceCalls.CrossChainClient(recover: false, ClientOfA, A.CreateClientOfThis(1).ToByteArray()), CrossChainEvents.ClientCreated);

        (ChannelA, ChannelB, TryProof) = OpenChannel(A, B, ClientOfA, ClientOfB, PingA, PingB, ordered, "ping-1",
            RelayTestChain.Call("open(string,address,bool)", new AbiTuple().String(ClientOfB).Address(PingB).Bool(ordered)));
    }

    public RelayTestChain A { get; }
    public RelayTestChain B { get; }
    public Address PingA { get; }
    public Address PingB { get; }
    public string ChannelA { get; }
    public string ChannelB { get; }

    /// <summary>The proof of A's INIT end that opened B's end (for replay tests).</summary>
    public (ulong Height, RelaySlotProof Proof) TryProof { get; }

    /// <summary>
    /// The four-step handshake, every step proven, between <paramref name="appA"/> (which <paramref name="openCall"/> makes
    /// open the channel on <paramref name="a"/>) and <paramref name="appB"/>. <paramref name="clientOfA"/> is B's client
    /// of A, <paramref name="clientOfB"/> A's client of B. Returns both channel ends and the proof of A's INIT end that
    /// opened B's (for replay tests).
    /// </summary>
    public static (string ChannelA, string ChannelB, (ulong Height, RelaySlotProof Proof) TryProof) OpenChannel(RelayTestChain a, RelayTestChain b,
        string clientOfA, string clientOfB, Address appA, Address appB, bool ordered, string version, byte[] openCall)
    {
        var channelA = $"channel-{CrossChainReader.ChannelCount(a.Store)}";
        a.Succeed(a.Operator, appA, openCall);
        var (height, proof) = Prove(a, b, clientOfA, CrossChainLayout.ChannelSlot(channelA));
        var tryProof = (height, proof);
        var channelB = $"channel-{CrossChainReader.ChannelCount(b.Store)}";
        b.Succeed(b.Relayer, CrossChainLayout.Address, CrossChain("channelOpenTry(string,string,address,address,bool,string,uint64,bytes)",
            new AbiTuple().String(clientOfA).String(channelA).Address(appB).Address(appA).Bool(ordered).String(version).UInt(height).Bytes(proof.ToByteArray())));
        (height, proof) = Prove(b, a, clientOfB, CrossChainLayout.ChannelSlot(channelB));
        a.Succeed(a.Relayer, CrossChainLayout.Address, CrossChain("channelOpenAck(string,string,uint64,bytes)",
            new AbiTuple().String(channelA).String(channelB).UInt(height).Bytes(proof.ToByteArray())));
        (height, proof) = Prove(a, b, clientOfA, CrossChainLayout.ChannelSlot(channelA));
        b.Succeed(b.Relayer, CrossChainLayout.Address, CrossChain("channelOpenConfirm(string,uint64,bytes)",
            new AbiTuple().String(channelB).UInt(height).Bytes(proof.ToByteArray())));
        return (channelA, channelB, tryProof);
    }

    public static byte[] CrossChain(string signature, AbiTuple arguments) => RelayTestChain.Call(signature, arguments);

    /// <summary>
    /// What a relayer does to carry a fact: prove the slot at the source's head, let the source commit that state (the
    /// next header carries its root, the one after commits it), and update the destination's client to that header.
    /// </summary>
    public static (ulong Height, RelaySlotProof Proof) Prove(RelayTestChain source, RelayTestChain destination, string client, UInt256 slot)
    {
        var proof = source.ProveSlot(slot);
        var height = source.Height + 1;
        source.AdvanceBy(2);
        destination.Succeed(destination.Relayer, CrossChainLayout.Address,
            CrossChain("updateClient(string,bytes)", new AbiTuple().String(client).Bytes(source.Update(height).ToByteArray())));
        return (height, proof);
    }

    /// <summary>Sends <paramref name="message"/> from PingA and returns the packet its SendPacket event carries.</summary>
    public RelayPacket SendFromA(string message, ulong timeoutHeight, ulong timeoutTimestamp = 0)
    {
        var receipt = A.Succeed(A.Operator, PingA, RelayTestChain.Call("send(bytes,uint64,uint64)",
            new AbiTuple().Bytes(System.Text.Encoding.UTF8.GetBytes(message)).UInt(timeoutHeight).UInt(timeoutTimestamp)));
        return RelayPacket.Parser.ParseFrom(EventBytes(receipt, CrossChainEvents.SendPacket, 2));
    }

    /// <summary>Relays a packet to B with a proof of its commitment; returns B's receipt.</summary>
    public Receipt Receive(RelayPacket packet, ulong height, RelaySlotProof proof) =>
        B.Send(B.Relayer, CrossChainLayout.Address, CrossChain("recvPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).UInt(height).Bytes(proof.ToByteArray())));

    /// <summary>The bytes argument at <paramref name="index"/> of the contract's event <paramref name="topic"/> in a receipt.</summary>
    public static byte[] EventBytes(Receipt receipt, Hash32 topic, int index)
    {
        var log = receipt.Logs.Single(l => l.Topics.Count > 0 && topic.Matches(l.Topics[0].Span));
        Assert.True(new AbiReader(log.Data.Span).TryBytes(index, out var bytes));
        return bytes.ToArray();
    }

    public RelayChannel Channel(RelayTestChain chain, string channelId)
    {
        var output = chain.View(CrossChainLayout.Address, CrossChain("channel(string)", new AbiTuple().String(channelId)));
        Assert.True(new AbiReader(output).TryBytes(0, out var bytes));
        return RelayChannel.Parser.ParseFrom(bytes);
    }

    private static byte[] PingCode()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "contracts", "build", "CrossChainPing.json")));
        return Convert.FromHexString(json.RootElement.GetProperty("bytecode").GetString()!);
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
