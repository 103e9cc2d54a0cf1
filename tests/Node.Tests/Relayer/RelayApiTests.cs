using Grpc.Core;
using Grpc.Net.Client;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Node.Api;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.Relay;
using ShanghaiChain.Relay.Clients;
using ShanghaiChain.Relay.Proofs;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>
/// RelayService on a real node: what it serves verifies with the light client and proof code a counterparty runs, and bad
/// requests get typed errors.
/// </summary>
public sealed class RelayApiTests
{
    [Fact]
    public async Task A_served_commit_proof_moves_a_light_client_and_a_served_slot_proof_verifies_against_its_state_root()
    {
        using var chain = new TestChain(CryptoSuite.Sm2Sm3, emptyBlockIntervalMs: 50, chainId: "shanghai");
        await using var node = await chain.StartAsync();
        using var channel = GrpcChannel.ForAddress(node.Url);
        var relay = new RelayService.RelayServiceClient(channel);
        var api = new ChainService.ChainServiceClient(channel);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while ((await api.GetStatusAsync(new GetStatusRequest())).HeadHeight < 16)
        {
            Assert.True(DateTime.UtcNow < deadline, "the node did not reach height 16 within 90 s:\n" + node.Log);
            await Task.Delay(50);
        }
        var create = await relay.GetClientCreateAsync(new GetClientCreateRequest { Height = 2 });
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var state = LightClient.TryCreate(create.Create, now, out var consensus, out var height, out var problem);
        Assert.True(state is not null, problem);
        Assert.Equal(2UL, height);

        var proof = await relay.GetCommitProofAsync(new GetCommitProofRequest { Height = 6 });
        var outcome = LightClient.Update(state!, new LightClientUpdate { Header = proof.Certified }, now, h => h == 2 ? consensus : null);
        Assert.True(outcome.Verdict == UpdateVerdict.Accepted, outcome.Problem);
        Assert.Equal(6UL, outcome.State.LatestHeight);

        // The state after height 5 (the root header 6 carries): the channel slot of a channel that does not exist, proven absent.
        var slots = new GetRelayProofsRequest { Height = 5, Slots = { new RelaySlotKey { Kind = RelaySlotKind.Channel, Channel = "channel-0" } } };
        var served = await relay.GetRelayProofsAsync(slots);
        Assert.Equal(6UL, served.ProofHeight);
        var result = CounterpartyProof.VerifySlot(CryptoSuite.Sm2Sm3, new Hash32(outcome.Consensus!.StateRoot.Span), CrossChainLayout.Address,
            CrossChainLayout.ChannelSlot("channel-0"), served.Values[0].Proof, out var value);
        Assert.Equal(TrieProofResult.Absent, result);
        Assert.True(value.IsZero);
    }

    [Fact]
    public async Task Bad_requests_get_typed_errors()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 50);
        await using var node = await chain.StartAsync();
        using var channel = GrpcChannel.ForAddress(node.Url);
        var relay = new RelayService.RelayServiceClient(channel);

        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.GetCommitProofAsync(new GetCommitProofRequest { Height = 0 }).ResponseAsync);
        await AssertRefused(StatusCode.NotFound, "NOT_FOUND", () => relay.GetCommitProofAsync(new GetCommitProofRequest { Height = 1_000_000 }).ResponseAsync);
        // The chain is in its first epoch: neither it nor a later one has ended.
        await AssertRefused(StatusCode.FailedPrecondition, "EPOCH_NOT_ENDED", () => relay.GetCommitProofAsync(new GetCommitProofRequest { EpochEnd = 1 }).ResponseAsync);
        await AssertRefused(StatusCode.FailedPrecondition, "EPOCH_NOT_ENDED", () => relay.GetCommitProofAsync(new GetCommitProofRequest { EpochEnd = 7 }).ResponseAsync);
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.GetRelayProofsAsync(new GetRelayProofsRequest()).ResponseAsync);
        var tooMany = new GetRelayProofsRequest();
        tooMany.Slots.AddRange(Enumerable.Range(0, 257).Select(i => new RelaySlotKey { Kind = RelaySlotKind.Receipt, Channel = "channel-0", Sequence = (ulong)i }));
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.GetRelayProofsAsync(tooMany).ResponseAsync);
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.GetRelayProofsAsync(new GetRelayProofsRequest
            { Slots = { new RelaySlotKey { Kind = RelaySlotKind.Unspecified, Channel = "channel-0" } } }).ResponseAsync);
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.GetRelayProofsAsync(new GetRelayProofsRequest
            { Slots = { new RelaySlotKey { Kind = RelaySlotKind.Channel, Channel = "Channel 0!" } } }).ResponseAsync);
        await AssertRefused(StatusCode.FailedPrecondition, "HEIGHT_NOT_AVAILABLE", () => relay.GetRelayProofsAsync(new GetRelayProofsRequest
            { Height = 1_000_000, Slots = { new RelaySlotKey { Kind = RelaySlotKind.Channel, Channel = "channel-0" } } }).ResponseAsync);
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "" }).ResponseAsync);
        var sequences = new GetPacketStatesRequest { ChannelId = "channel-0" };
        sequences.Sequences.AddRange(Enumerable.Range(0, 4097).Select(i => (ulong)i));
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.GetPacketStatesAsync(sequences).ResponseAsync);

        var unknown = await relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "nobody" });
        Assert.Null(unknown.Client);
        Assert.Equal("", unknown.Status);
        Assert.Null((await relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = "channel-9" })).Channel);

        // The lists: bounded pages, empty on a chain without clients or channels (a start beyond the end is an empty page).
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.ListRelayClientsAsync(new ListRelayClientsRequest { Limit = 257 }).ResponseAsync);
        await AssertRefused(StatusCode.InvalidArgument, "INVALID_ARGUMENT", () => relay.ListRelayChannelsAsync(new ListRelayChannelsRequest { Limit = 257 }).ResponseAsync);
        var clients = await relay.ListRelayClientsAsync(new ListRelayClientsRequest { StartIndex = 5 });
        Assert.Equal((0, 0UL, 0UL), (clients.Clients.Count, clients.Total, clients.NextIndex));
        var channels = await relay.ListRelayChannelsAsync(new ListRelayChannelsRequest());
        Assert.Equal((0, 0UL, 0UL), (channels.Channels.Count, channels.Total, channels.NextIndex));
        var never = await relay.GetPacketStatesAsync(new GetPacketStatesRequest { ChannelId = "channel-0", Sequences = { 1 } });
        Assert.Equal((false, RelayPacketOutcome.Pending), (never.States[0].Sent, never.States[0].Outcome));
    }

    private static async Task AssertRefused(StatusCode code, string reason, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        Assert.Equal(reason, error.Trailers.GetValue(ApiErrors.ReasonTrailer));
    }
}
