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
/// Chains in process linked in a line (Shanghai — Hong Kong — Singapore), each with a <c>CrossChainTransfer</c>
/// contract, light clients of its neighbours decided by its committee, and a transfer channel to each neighbour opened
/// by the proven handshake. The test plays the untrusted relayer: it carries packets, acknowledgements and timeouts
/// with proofs, each step a transaction the destination verifies.
/// </summary>
internal sealed class TransferNetwork : IDisposable
{
    private readonly Dictionary<(RelayTestChain From, RelayTestChain To), string> _channels = [];

    public TransferNetwork(int chains)
    {
        (string Id, CryptoSuite Suite)[] all = [("shanghai", CryptoSuite.Sm2Sm3), ("hongkong", CryptoSuite.Ed25519Sha256), ("singapore", CryptoSuite.Ed25519Sha256)];
        Chains = [.. all.Take(chains).Select(c => new RelayTestChain(c.Id, c.Suite))];
        var code = TransferCode();
        foreach (var chain in Chains)
        {
            chain.AdvanceBy(1);
            Apps[chain] = chain.Deploy(code);
        }
        for (var i = 0; i + 1 < Chains.Count; i++)
        {
            Link(Chains[i], Chains[i + 1]);
        }
    }

    public IReadOnlyList<RelayTestChain> Chains { get; }

    /// <summary>The transfer contract of each chain.</summary>
    public Dictionary<RelayTestChain, Address> Apps { get; } = [];

    /// <summary>The channel end on <paramref name="from"/> that leads to <paramref name="to"/>.</summary>
    public string ChannelOf(RelayTestChain from, RelayTestChain to) => _channels[(from, to)];

    public static string ClientOf(RelayTestChain chain) => chain.ChainId + "-client";

    /// <summary>Calls the transfer contract of <paramref name="chain"/> as <paramref name="from"/>, with native value.</summary>
    public Receipt Call(RelayTestChain chain, Core.Keys.KeyFile from, string signature, AbiTuple arguments, ulong value = 0) =>
        chain.Send(from, Apps[chain], RelayTestChain.Call(signature, arguments), value: new UInt256(value));

    public UInt256 Voucher(RelayTestChain chain, string denom, Address holder) =>
        UInt256.ReadBigEndian(chain.View(Apps[chain], RelayTestChain.Call("balanceOf(string,address)", new AbiTuple().String(denom).Address(holder))));

    public UInt256 Supply(RelayTestChain chain, string denom) =>
        UInt256.ReadBigEndian(chain.View(Apps[chain], RelayTestChain.Call("supplyOf(string)", new AbiTuple().String(denom))));

    public UInt256 Escrow(RelayTestChain chain, string channel, string denom) =>
        UInt256.ReadBigEndian(chain.View(Apps[chain], RelayTestChain.Call("escrowOf(string,string)", new AbiTuple().String(channel).String(denom))));

    /// <summary>The packets a receipt's SendPacket events carry.</summary>
    public static IReadOnlyList<RelayPacket> PacketsOf(Receipt receipt) =>
        [.. receipt.Logs.Where(l => l.Topics.Count > 0 && CrossChainEvents.SendPacket.Matches(l.Topics[0].Span))
            .Select(l => new AbiReader(l.Data.Span).TryBytes(2, out var bytes) ? RelayPacket.Parser.ParseFrom(bytes) : throw new InvalidOperationException("bad SendPacket"))];

    /// <summary>Carries <paramref name="packet"/> from <paramref name="source"/> to <paramref name="destination"/>; returns the destination's receipt.</summary>
    public static Receipt Deliver(RelayTestChain source, RelayTestChain destination, RelayPacket packet)
    {
        var (height, proof) = LinkedChains.Prove(source, destination, ClientOf(source), CrossChainLayout.CommitmentSlot(packet.SourceChannel, packet.Sequence));
        return destination.Succeed(destination.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("recvPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).UInt(height).Bytes(proof.ToByteArray())));
    }

    /// <summary>Carries the acknowledgement <paramref name="received"/> wrote on the destination back to the source.</summary>
    public static Receipt Acknowledge(RelayTestChain destination, RelayTestChain source, Receipt received)
    {
        var log = received.Logs.Single(l => l.Topics.Count > 0 && CrossChainEvents.WriteAcknowledgement.Matches(l.Topics[0].Span));
        var reader = new AbiReader(log.Data.Span);
        Assert.True(reader.TryBytes(2, out var packetBytes));
        Assert.True(reader.TryBytes(3, out var ack));
        var packet = RelayPacket.Parser.ParseFrom(packetBytes);
        var acknowledgement = ack.ToArray();
        var (height, proof) = LinkedChains.Prove(destination, source, ClientOf(destination), CrossChainLayout.AckSlot(packet.DestinationChannel, packet.Sequence));
        return source.Succeed(source.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("acknowledgePacket(bytes,bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).Bytes(acknowledgement).UInt(height).Bytes(proof.ToByteArray())));
    }

    /// <summary>Whether the acknowledgement <paramref name="received"/> wrote says the packet succeeded (0x01...).</summary>
    public static bool Succeeded(Receipt received)
    {
        var log = received.Logs.Single(l => l.Topics.Count > 0 && CrossChainEvents.WriteAcknowledgement.Matches(l.Topics[0].Span));
        Assert.True(new AbiReader(log.Data.Span).TryBytes(3, out var ack));
        return ack.Length > 0 && ack[0] == 0x01;
    }

    /// <summary>Lets the destination pass the packet's timeout height, then proves on the source that it never received it.</summary>
    public static Receipt TimeOut(RelayTestChain source, RelayTestChain destination, RelayPacket packet)
    {
        if (packet.TimeoutHeight > destination.Height)
        {
            destination.AdvanceBy((int)(packet.TimeoutHeight - destination.Height));
        }
        while (packet.TimeoutTimestamp > 0 && destination.NextBlockSeconds <= packet.TimeoutTimestamp)
        {
            destination.AdvanceBy(1);
        }
        var (height, proof) = LinkedChains.Prove(destination, source, ClientOf(destination), CrossChainLayout.ReceiptSlot(packet.DestinationChannel, packet.Sequence));
        return source.Succeed(source.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("timeoutPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).UInt(height).Bytes(proof.ToByteArray())));
    }

    /// <summary>Clients both ways (each committee's decision), then the four-step handshake between the transfer contracts.</summary>
    private void Link(RelayTestChain a, RelayTestChain b)
    {
        a.Decide(GovernanceCalls.CrossChainClient(recover: false, ClientOf(b), b.CreateClientOfThis(b.Height).ToByteArray()), CrossChainEvents.ClientCreated);
        b.Decide(GovernanceCalls.CrossChainClient(recover: false, ClientOf(a), a.CreateClientOfThis(a.Height).ToByteArray()), CrossChainEvents.ClientCreated);
        var (channelA, channelB, _) = LinkedChains.OpenChannel(a, b, ClientOf(a), ClientOf(b), Apps[a], Apps[b], ordered: false, "transfer-1",
            RelayTestChain.Call("open(string,address)", new AbiTuple().String(ClientOf(b)).Address(Apps[b])));
        _channels[(a, b)] = channelA;
        _channels[(b, a)] = channelB;
    }

    private static byte[] TransferCode()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "contracts", "build", "CrossChainTransfer.json")));
        return Convert.FromHexString(json.RootElement.GetProperty("bytecode").GetString()!);
    }

    public void Dispose()
    {
        foreach (var chain in Chains)
        {
            chain.Dispose();
        }
    }
}
