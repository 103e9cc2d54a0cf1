using Google.Protobuf;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.Relay.Tests.Support;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests;

/// <summary>
/// relayBatch, what the relayer sends: one client update and many packets in one transaction, each message standing or
/// failing on its own, and only relayer messages allowed in.
/// </summary>
public sealed class RelayBatchTests
{
    [Fact]
    public void One_batch_updates_the_client_and_delivers_many_packets_and_a_failing_message_undoes_only_itself()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var packets = Enumerable.Range(0, 5).Select(i => chains.SendFromA($"batched {i}", timeoutHeight: b.Height + 100)).ToList();
        var proofs = packets.Select(p => a.ProveSlot(CrossChainLayout.CommitmentSlot(chains.ChannelA, p.Sequence))).ToList();
        var height = a.Height + 1;
        a.AdvanceBy(2);
        var forged = packets[0].Clone();
        forged.Data = ByteString.CopyFromUtf8("forged");
        List<byte[]> messages =
        [
            RelayMessages.UpdateClient(LinkedChains.ClientOfA, a.Update(height)),
            // Refused (its data does not match the proven commitment) before the genuine packet of its sequence.
            RelayMessages.RecvPacket(forged, height, proofs[0]),
            .. packets.Select((p, i) => RelayMessages.RecvPacket(p, height, proofs[i])),
            // Redelivered within the same batch: a no-op, not a failure.
            RelayMessages.RecvPacket(packets[1], height, proofs[1]),
        ];
        var receipt = b.Succeed(b.Relayer, CrossChainLayout.Address, RelayMessages.Batch(messages));

        Assert.Equal(5UL, b.ViewUInt(chains.PingB, "received()"));
        var failures = receipt.Logs.Where(l => CrossChainEvents.RelayMessageFailed.Matches(l.Topics[0].Span)).ToList();
        var failure = Assert.Single(failures);
        var reader = new AbiReader(failure.Data.Span);
        Assert.True(reader.TryUInt256(0, out var index));
        Assert.Equal(1UL, index.U0);
        Assert.True(reader.TryBytes(1, out var reason));
        Assert.Contains("packet commitment", System.Text.Encoding.UTF8.GetString(reason));
        Assert.Equal(5, receipt.Logs.Count(l => CrossChainEvents.WriteAcknowledgement.Matches(l.Topics[0].Span)));
        Assert.Equal(1UL, UInt256Of(receipt.Output.Span));
    }

    [Fact]
    public void A_batch_refuses_messages_that_act_for_their_caller_and_malformed_lists()
    {
        using var chains = new LinkedChains();
        var b = chains.B;
        var create = chains.A.CreateClientOfThis(1).ToByteArray();
        byte[][] refused =
        [
            // The contract would be the caller: it must never create clients, open channels or send packets for itself.
            RelayTestChain.Call("createClient(string,bytes)", new AbiTuple().String("sneaky").Bytes(create)),
            RelayTestChain.Call("sendPacket(string,bytes,uint64,uint64)", new AbiTuple().String(chains.ChannelB).Bytes("x"u8).UInt(100).UInt(0)),
            RelayTestChain.Call("channelOpenInit(string,address,bool,string)", new AbiTuple().String(LinkedChains.ClientOfA).Address(chains.PingA).Bool(false).String("v")),
            RelayMessages.Batch([RelayMessages.UpdateClient(LinkedChains.ClientOfA, chains.A.Update(1))]),
            [0x01, 0x02],
        ];
        foreach (var message in refused)
        {
            var receipt = b.Send(b.Relayer, CrossChainLayout.Address, RelayMessages.Batch([message]));
            Assert.Equal(ReceiptStatus.Failed, receipt.Status);
            Assert.Contains("not a relayer message", receipt.ErrorMessage, StringComparison.Ordinal);
        }
        var empty = b.Send(b.Relayer, CrossChainLayout.Address, RelayMessages.Batch([]));
        Assert.Contains("1 to 512 messages", empty.ErrorMessage, StringComparison.Ordinal);
        var truncated = RelayMessages.Batch([RelayMessages.UpdateClient(LinkedChains.ClientOfA, chains.A.Update(1))])[..100];
        Assert.Equal(ReceiptStatus.Failed, b.Send(b.Relayer, CrossChainLayout.Address, truncated).Status);
        Assert.Null(CrossChainReader.Client(b.Store, "sneaky"));
    }

    private static ulong UInt256Of(ReadOnlySpan<byte> word) => Core.Primitives.UInt256.ReadBigEndian(word[..32]).U0;

    [Fact]
    public void The_update_a_transaction_carried_is_found_in_updateClient_and_inside_a_batch_and_nothing_else_matches()
    {
        using var chains = new LinkedChains();
        var a = chains.A;
        var height = a.Height - 1;
        var update = a.Update(height);
        var direct = RelayMessages.UpdateClient(LinkedChains.ClientOfA, update);
        Assert.Equal(update, RelayMessages.FindUpdate(direct, LinkedChains.ClientOfA, height));
        var packet = chains.SendFromA("beside the update", timeoutHeight: chains.B.Height + 100);
        var batch = RelayMessages.Batch([RelayMessages.RecvPacket(packet, height, new RelaySlotProof()), direct]);
        Assert.Equal(update, RelayMessages.FindUpdate(batch, LinkedChains.ClientOfA, height));
        // Another client, another height, a batch without an update, and bytes that are not calldata: none.
        Assert.Null(RelayMessages.FindUpdate(direct, "another-client", height));
        Assert.Null(RelayMessages.FindUpdate(direct, LinkedChains.ClientOfA, height + 1));
        Assert.Null(RelayMessages.FindUpdate(RelayMessages.Batch([RelayMessages.RecvPacket(packet, height, new RelaySlotProof())]), LinkedChains.ClientOfA, height));
        Assert.Null(RelayMessages.FindUpdate([1, 2, 3], LinkedChains.ClientOfA, height));
        Assert.Null(RelayMessages.FindUpdate([.. direct.AsSpan(0, 40)], LinkedChains.ClientOfA, height));
    }
}
