using Google.Protobuf;
using ShanghaiChain.Governance;
using ShanghaiChain.Relay.Channels;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.Relay.Tests.Support;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests;

/// <summary>
/// Two chains in process, each a real RocksDB store and the real executor: Shanghai on sm2-sm3 and Hong Kong on
/// ed25519-sha256, each verifying the other's suite. The test is the relayer: it carries headers, packets and proofs,
/// and tries what an untrusted relayer could try.
/// </summary>
public sealed class TwoChainRelayTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A relayer budgets gas per message; each step must fit well inside a block (default limit 50,000,000).</summary>
    private const ulong StepGasBound = 1_500_000;

    [Fact]
    public void Gas_of_each_step_stays_within_what_a_relayer_budgets()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var sent = a.Succeed(a.Operator, chains.PingA, RelayTestChain.Call("send(bytes,uint64,uint64)",
            new AbiTuple().Bytes(new byte[256]).UInt(b.Height + 100).UInt(0)));
        var packet = RelayPacket.Parser.ParseFrom(LinkedChains.EventBytes(sent, CrossChainEvents.SendPacket, 2));
        var proof = a.ProveSlot(CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence));
        var height = a.Height + 1;
        a.AdvanceBy(2);
        // The destination (ed25519-sha256) verifies the source's sm2-sm3 certificates: 2 certificates of 3 signatures.
        var update = b.Succeed(b.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("updateClient(string,bytes)",
            new AbiTuple().String(LinkedChains.ClientOfA).Bytes(a.Update(height).ToByteArray())));
        var received = chains.Receive(packet, height, proof);
        var acknowledgement = LinkedChains.EventBytes(received, CrossChainEvents.WriteAcknowledgement, 3);
        var (ackHeight, ackProof) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, CrossChainLayout.AckSlot(chains.ChannelB, packet.Sequence));
        var acked = a.Succeed(a.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("acknowledgePacket(bytes,bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).Bytes(acknowledgement).UInt(ackHeight).Bytes(ackProof.ToByteArray())));
        var redelivered = chains.Receive(packet, height, proof);

        (string Step, ulong Gas)[] steps =
        [
            ("sendPacket via the app (256 bytes)", sent.GasUsed), ("updateClient (sm2-sm3 headers)", update.GasUsed),
            ("recvPacket with callback", received.GasUsed), ("acknowledgePacket with callback", acked.GasUsed),
            ("recvPacket redelivered (no-op)", redelivered.GasUsed),
        ];
        foreach (var (step, gas) in steps)
        {
            output.WriteLine($"{step}: {gas:N0} gas");
            Assert.True(gas < StepGasBound, $"{step} used {gas} gas");
        }
        Assert.True(redelivered.GasUsed < received.GasUsed / 2, "a redelivery must be cheap: it stops at the receipt");
    }

    [Fact]
    public void The_handshake_opens_both_ends_naming_each_other()
    {
        using var chains = new LinkedChains();
        var a = chains.Channel(chains.A, chains.ChannelA);
        var b = chains.Channel(chains.B, chains.ChannelB);
        Assert.Equal(RelayChannelState.Open, a.State);
        Assert.Equal(RelayChannelState.Open, b.State);
        Assert.Equal((chains.ChannelB, "hongkong"), (a.CounterpartyChannel, a.CounterpartyChainId));
        Assert.Equal((chains.ChannelA, "shanghai"), (b.CounterpartyChannel, b.CounterpartyChainId));
        Assert.True(chains.PingB.Matches(a.CounterpartyContract.Span));
        // A replayed try (the same proof of A's INIT end, still valid at its height) cannot bind a second end.
        var replay = chains.B.Send(chains.B.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain(
            "channelOpenTry(string,string,address,address,bool,string,uint64,bytes)",
            new AbiTuple().String(LinkedChains.ClientOfA).String(chains.ChannelA).Address(chains.PingB).Address(chains.PingA).Bool(false)
                .String("ping-1").UInt(chains.TryProof.Height).Bytes(chains.TryProof.Proof.ToByteArray())));
        AssertRefused(replay, "already has an end");
        Assert.Equal(1UL, CrossChainReader.ChannelCount(chains.B.Store));
        // The receiving contract accepted the channel and knows it.
        Assert.True(new AbiReader(chains.B.View(chains.PingB, RelayTestChain.Call("channelId()", new AbiTuple()))).TryBytes(0, out var id));
        Assert.Equal(chains.ChannelB, System.Text.Encoding.UTF8.GetString(id));
    }

    [Fact]
    public void A_packet_is_received_exactly_once_and_its_acknowledgement_proven_back_calls_the_sender()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var packet = chains.SendFromA("hello", timeoutHeight: b.Height + 100);
        var commitmentSlot = CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence);
        Assert.Equal(RelayCommitments.Packet(a.Suite, packet), a.Store.GetStorage(CrossChainLayout.Address, commitmentSlot));

        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, commitmentSlot);
        var received = chains.Receive(packet, height, proof);
        Assert.True(received.Status == ReceiptStatus.Success, received.ErrorMessage);
        Assert.Equal(1UL, b.ViewUInt(chains.PingB, "received()"));
        Assert.True(CrossChainReader.Received(b.Store, chains.ChannelB, packet.Sequence));
        var acknowledgement = LinkedChains.EventBytes(received, CrossChainEvents.WriteAcknowledgement, 3);
        Assert.Equal([0x01, .. "pong:hello"u8.ToArray()], acknowledgement);
        Assert.Equal(packet, RelayPacket.Parser.ParseFrom(LinkedChains.EventBytes(received, CrossChainEvents.WriteAcknowledgement, 2)));

        // Redelivery, by this relayer or another: success, nothing happens, no event.
        var again = chains.Receive(packet, height, proof);
        Assert.Equal(ReceiptStatus.Success, again.Status);
        Assert.Empty(again.Logs);
        Assert.Equal(1UL, b.ViewUInt(chains.PingB, "received()"));

        // The acknowledgement travels back, proven against B's state; the sender's callback runs once.
        var (ackHeight, ackProof) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, CrossChainLayout.AckSlot(chains.ChannelB, packet.Sequence));
        var acknowledge = LinkedChains.CrossChain("acknowledgePacket(bytes,bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).Bytes(acknowledgement).UInt(ackHeight).Bytes(ackProof.ToByteArray()));
        var acked = a.Succeed(a.Relayer, CrossChainLayout.Address, acknowledge);
        Assert.Contains(acked.Logs, l => CrossChainEvents.AcknowledgePacket.Matches(l.Topics[0].Span));
        Assert.Equal(1UL, a.ViewUInt(chains.PingA, "acknowledged()"));
        Assert.True(a.Store.GetStorage(CrossChainLayout.Address, commitmentSlot).IsZero);
        Assert.Empty(a.Succeed(a.Relayer, CrossChainLayout.Address, acknowledge).Logs);
        Assert.Equal(1UL, a.ViewUInt(chains.PingA, "acknowledged()"));
    }

    [Fact]
    public void A_receiving_contract_that_reverts_yields_an_error_acknowledgement_and_keeps_nothing()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var packet = chains.SendFromA("fail please", timeoutHeight: b.Height + 100);
        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence));
        var received = chains.Receive(packet, height, proof);
        Assert.Equal(ReceiptStatus.Success, received.Status);
        var acknowledgement = LinkedChains.EventBytes(received, CrossChainEvents.WriteAcknowledgement, 3);
        Assert.False(RelayAcknowledgement.IsSuccess(acknowledgement));
        Assert.Contains("ping refused", System.Text.Encoding.UTF8.GetString(acknowledgement));
        Assert.Equal(0UL, b.ViewUInt(chains.PingB, "received()"));

        var (ackHeight, ackProof) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, CrossChainLayout.AckSlot(chains.ChannelB, packet.Sequence));
        a.Succeed(a.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("acknowledgePacket(bytes,bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).Bytes(acknowledgement).UInt(ackHeight).Bytes(ackProof.ToByteArray())));
        Assert.Equal(1UL, a.ViewUInt(chains.PingA, "failedAcks()"));
        Assert.Equal(0UL, a.ViewUInt(chains.PingA, "acknowledged()"));
    }

    [Fact]
    public void A_forged_packet_a_tampered_proof_or_an_untrusted_height_is_refused()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var packet = chains.SendFromA("pay 100", timeoutHeight: b.Height + 100);
        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence));

        var forged = packet.Clone();
        forged.Data = ByteString.CopyFromUtf8("pay 999");
        AssertRefused(chains.Receive(forged, height, proof), "packet commitment");

        var tampered = proof.Clone();
        var node = tampered.StorageProof[^1].ToByteArray();
        node[^1] ^= 0x01;
        tampered.StorageProof[^1] = ByteString.CopyFrom(node);
        AssertRefused(chains.Receive(packet, height, tampered), "does not verify");

        AssertRefused(chains.Receive(packet, height + 1, proof), "trusts no header");
        AssertRefused(chains.Receive(packet, height, new RelaySlotProof()), "proof");
        Assert.Equal(0UL, b.ViewUInt(chains.PingB, "received()"));

        Assert.Equal(ReceiptStatus.Success, chains.Receive(packet, height, proof).Status);
        Assert.Equal(1UL, b.ViewUInt(chains.PingB, "received()"));
    }

    [Fact]
    public void A_packet_not_received_before_its_timeout_is_timed_out_on_the_source_by_an_absence_proof()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var timeoutHeight = b.Height + 2;
        var packet = chains.SendFromA("late", timeoutHeight);
        var receiptSlot = CrossChainLayout.ReceiptSlot(chains.ChannelB, packet.Sequence);
        var timeout = (ulong h, RelaySlotProof p) => LinkedChains.CrossChain("timeoutPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).UInt(h).Bytes(p.ToByteArray()));

        // Header timeout - 1 carries the state before block timeout - 1, which may still receive: its absence proves nothing.
        var (early, earlyProof) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, receiptSlot);
        Assert.Equal(timeoutHeight - 1, early);
        AssertRefused(a.Send(a.Relayer, CrossChainLayout.Address, timeout(early, earlyProof)), "has not timed out");

        // The relayer is too late: B refuses the packet at the timeout height.
        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence));
        Assert.True(b.Height + 1 > timeoutHeight);
        AssertRefused(chains.Receive(packet, height, proof), "timed out");

        var (late, absence) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, receiptSlot);
        Assert.True(late >= timeoutHeight);
        var timedOut = a.Succeed(a.Relayer, CrossChainLayout.Address, timeout(late, absence));
        Assert.Contains(timedOut.Logs, l => CrossChainEvents.TimeoutPacket.Matches(l.Topics[0].Span));
        Assert.Equal(1UL, a.ViewUInt(chains.PingA, "timedOut()"));
        Assert.True(a.Store.GetStorage(CrossChainLayout.Address, CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence)).IsZero);
        Assert.Empty(a.Succeed(a.Relayer, CrossChainLayout.Address, timeout(late, absence)).Logs);
        Assert.Equal(1UL, a.ViewUInt(chains.PingA, "timedOut()"));
    }

    [Fact]
    public void A_received_packet_cannot_be_timed_out()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var timeoutHeight = b.Height + 8;
        var packet = chains.SendFromA("on time", timeoutHeight);
        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence));
        Assert.Equal(ReceiptStatus.Success, chains.Receive(packet, height, proof).Status);
        b.AdvanceBy((int)(timeoutHeight - b.Height));
        var (late, presence) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, CrossChainLayout.ReceiptSlot(chains.ChannelB, packet.Sequence));
        AssertRefused(a.Send(a.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("timeoutPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).UInt(late).Bytes(presence.ToByteArray()))), "received");
        Assert.Equal(0UL, a.ViewUInt(chains.PingA, "timedOut()"));
    }

    [Fact]
    public void A_packet_times_out_by_the_destinations_block_time_as_well()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        // Blocks are a second apart on both chains: B's block two ahead is the first one at or past the timeout time.
        var timeoutSeconds = RelayTestChain.TimeMs(b.Height + 2) / 1000;
        var packet = chains.SendFromA("by time", timeoutHeight: 0, timeoutSeconds);
        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence));
        AssertRefused(chains.Receive(packet, height, proof), "timed out");

        var (late, absence) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, CrossChainLayout.ReceiptSlot(chains.ChannelB, packet.Sequence));
        a.Succeed(a.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("timeoutPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).UInt(late).Bytes(absence.ToByteArray())));
        Assert.Equal(1UL, a.ViewUInt(chains.PingA, "timedOut()"));
    }

    [Fact]
    public void An_ordered_channel_delivers_in_sequence_and_closes_when_a_packet_times_out()
    {
        using var chains = new LinkedChains(ordered: true);
        var (a, b) = (chains.A, chains.B);
        var first = chains.SendFromA("one", timeoutHeight: b.Height + 100);
        var second = chains.SendFromA("two", timeoutHeight: b.Height + 100);
        var (h2, p2) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, second.Sequence));
        AssertRefused(chains.Receive(second, h2, p2), "expects packet 1");
        var (h1, p1) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, first.Sequence));
        Assert.Equal(ReceiptStatus.Success, chains.Receive(first, h1, p1).Status);
        Assert.Equal(ReceiptStatus.Success, chains.Receive(second, h2, p2).Status);
        Assert.Empty(chains.Receive(first, h1, p1).Logs);
        Assert.Equal(2UL, b.ViewUInt(chains.PingB, "received()"));

        // A third packet is never relayed: B's next receive sequence (3) proves it was not received; the channel closes.
        var third = chains.SendFromA("three", timeoutHeight: b.Height + 2);
        b.AdvanceBy(1);
        var (late, next) = LinkedChains.Prove(b, a, LinkedChains.ClientOfB, CrossChainLayout.NextReceiveSlot(chains.ChannelB));
        var timedOut = a.Succeed(a.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("timeoutPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(third.ToByteArray()).UInt(late).Bytes(next.ToByteArray())));
        Assert.Contains(timedOut.Logs, l => CrossChainEvents.ChannelClosed.Matches(l.Topics[0].Span));
        Assert.Equal(RelayChannelState.Closed, chains.Channel(a, chains.ChannelA).State);
        Assert.Equal(1UL, a.ViewUInt(chains.PingA, "timedOut()"));
        var refused = a.Send(a.Operator, chains.PingA, RelayTestChain.Call("send(bytes,uint64,uint64)", new AbiTuple().Bytes("four"u8).UInt(b.Height + 100).UInt(0)));
        Assert.Equal(ReceiptStatus.Failed, refused.Status);
    }

    [Fact]
    public void Client_creation_is_a_committee_decision_and_a_refused_request_fails_the_proposal()
    {
        using var chains = new LinkedChains();
        var a = chains.A;
        var create = chains.B.CreateClientOfThis(2).ToByteArray();
        // Nobody calls the contract directly, not even the operator.
        AssertRefused(a.Send(a.Operator, CrossChainLayout.Address, LinkedChains.CrossChain("createClient(string,bytes)",
            new AbiTuple().String("another").Bytes(create))), "committee");
        // Only members propose.
        AssertRefused(a.Send(a.Relayer, GovernanceLayout.Address, GovernanceCalls.CrossChainClient(false, "another", create)), "only members propose");
        // A request the cross-chain contract refuses (an existing id) fails the proposal with its reason, and changes nothing.
        var before = CrossChainReader.Client(a.Store, LinkedChains.ClientOfB);
        var failed = a.Decide(GovernanceCalls.CrossChainClient(false, LinkedChains.ClientOfB, create), GovernanceContract.ProposalFailedTopic);
        Assert.Contains("exists", System.Text.Encoding.UTF8.GetString(failed.Logs.Single(l => GovernanceContract.ProposalFailedTopic.Matches(l.Topics[0].Span)).Data.Span));
        Assert.Equal(before, CrossChainReader.Client(a.Store, LinkedChains.ClientOfB));
        a.Decide(GovernanceCalls.CrossChainClient(false, "another", create), CrossChainEvents.ClientCreated);
        Assert.Equal(2UL, CrossChainReader.Client(a.Store, "another")!.LatestHeight);
    }

    [Fact]
    public void Anyone_may_freeze_a_client_with_two_committed_headers_of_one_height_and_a_frozen_client_proves_nothing()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var packet = chains.SendFromA("before the fork", timeoutHeight: b.Height + 100);
        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence));

        var evidence = new LightClientMisbehaviour { First = a.Update(height), Second = a.ConflictingUpdate(height) };
        var frozen = b.Succeed(b.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("submitMisbehaviour(string,bytes)",
            new AbiTuple().String(LinkedChains.ClientOfA).Bytes(evidence.ToByteArray())));
        Assert.Contains(frozen.Logs, l => CrossChainEvents.ClientFrozen.Matches(l.Topics[0].Span));
        Assert.Equal(b.Height, CrossChainReader.Client(b.Store, LinkedChains.ClientOfA)!.FrozenAt);

        AssertRefused(chains.Receive(packet, height, proof), "frozen");
        a.AdvanceBy(1);
        AssertRefused(b.Send(b.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("updateClient(string,bytes)",
            new AbiTuple().String(LinkedChains.ClientOfA).Bytes(a.Update(height + 1).ToByteArray()))), "frozen");
    }

    [Fact]
    public void The_consortium_recovers_a_frozen_client_from_a_header_it_trusts_and_packets_flow_again()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        var packet = chains.SendFromA("after recovery", timeoutHeight: b.Height + 200);
        var commitment = CrossChainLayout.CommitmentSlot(chains.ChannelA, packet.Sequence);
        var (height, proof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, commitment);
        var recover = (ulong trusted) => GovernanceCalls.CrossChainClient(recover: true, LinkedChains.ClientOfA, a.CreateClientOfThis(trusted).ToByteArray());
        b.Decide(recover(height), GovernanceContract.ProposalFailedTopic);
        Assert.Equal(0UL, CrossChainReader.Client(b.Store, LinkedChains.ClientOfA)!.Generation);

        var evidence = new LightClientMisbehaviour { First = a.Update(height), Second = a.ConflictingUpdate(height) };
        b.Succeed(b.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("submitMisbehaviour(string,bytes)",
            new AbiTuple().String(LinkedChains.ClientOfA).Bytes(evidence.ToByteArray())));
        AssertRefused(b.Send(b.Relayer, GovernanceLayout.Address, recover(height)), "only members propose");

        // The committee takes A's canonical header from its own node: the client starts a new generation from it.
        a.AdvanceBy(1);
        b.Decide(recover(a.Height - 1), CrossChainEvents.ClientRecovered);
        var client = CrossChainReader.Client(b.Store, LinkedChains.ClientOfA)!;
        Assert.False(client.Frozen);
        Assert.Equal(1UL, client.Generation);
        // Headers trusted before the freeze are not used again: the old proof height is unknown to the new generation.
        AssertRefused(chains.Receive(packet, height, proof), "trusts no header");
        var (fresh, freshProof) = LinkedChains.Prove(a, b, LinkedChains.ClientOfA, commitment);
        Assert.Equal(ReceiptStatus.Success, chains.Receive(packet, fresh, freshProof).Status);
        Assert.Equal(1UL, b.ViewUInt(chains.PingB, "received()"));
    }

    [Fact]
    public void A_conflicting_update_at_a_trusted_height_freezes_the_client()
    {
        using var chains = new LinkedChains();
        var (a, b) = (chains.A, chains.B);
        a.AdvanceBy(2);
        var height = a.Height - 1;
        var update = (LightClientUpdate u) => LinkedChains.CrossChain("updateClient(string,bytes)", new AbiTuple().String(LinkedChains.ClientOfA).Bytes(u.ToByteArray()));
        Assert.DoesNotContain(b.Succeed(b.Relayer, CrossChainLayout.Address, update(a.Update(height))).Logs, l => CrossChainEvents.ClientFrozen.Matches(l.Topics[0].Span));
        // The same header again (a second relayer): a no-op.
        Assert.Empty(b.Succeed(b.Relayer, CrossChainLayout.Address, update(a.Update(height))).Logs);
        var conflict = b.Succeed(b.Relayer, CrossChainLayout.Address, update(a.ConflictingUpdate(height)));
        Assert.Contains(conflict.Logs, l => CrossChainEvents.ClientFrozen.Matches(l.Topics[0].Span));
    }

    private static void AssertRefused(Receipt receipt, string reason)
    {
        Assert.Equal(ReceiptStatus.Failed, receipt.Status);
        Assert.Contains(reason, receipt.ErrorMessage);
    }
}
