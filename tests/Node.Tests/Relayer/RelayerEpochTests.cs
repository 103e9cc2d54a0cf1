using Grpc.Net.Client;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.Relay.Clients;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using static ShanghaiChain.Node.Tests.Relayer.RelayProcessKit;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>
/// A validator-set change on a running chain followed by the counterparty's light client, with real processes:
/// Shanghai (sm2-sm3, one validator, epochs of 10 heights) and Hong Kong (ed25519-sha256) linked by the relayer process,
/// packets flowing both ways; Shanghai's committee adds a second validator (a node that followed until then) by a
/// governance vote. The relayer carries Hong Kong's client of Shanghai across the change through the epoch's last header,
/// proven by the suffix blocks Shanghai's node kept with it, without any committee recovery; every packet sent before,
/// during and after the change is received once and acknowledged once. The joined node, which took the epoch's last block
/// by block sync, serves the same proof of it, also after a restart.
/// </summary>
public sealed class RelayerEpochTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-relayer-epoch-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A killed relayer may still hold a file for a moment; the temp dir is cleaned by the OS later.
        }
    }

    [Fact]
    public async Task A_light_client_follows_its_counterparty_into_the_next_epoch_while_packets_flow_exactly_once()
    {
        using var shanghai = new TestChain(CryptoSuite.Sm2Sm3, fundedAccounts: 2, emptyBlockIntervalMs: 100, chainId: "shanghai");
        using var hongkong = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 2, emptyBlockIntervalMs: 100, chainId: "hongkong");
        // Short epochs: a change decided at height h takes effect after (h / 10 + 2) · 10 − 1.
        var genesis = GenesisFile.Load(shanghai.Home.GenesisFile);
        (genesis with { Parameters = genesis.Parameters with { EpochLength = 10 } }).Save(shanghai.Home.GenesisFile);
        // The organisation's node is admitted in genesis and holds a validator key the set does not hold yet.
        var joiner = shanghai.AddFollower(admitted: true);
        var joinerKey = KeyFile.Generate(CryptoSuite.Sm2Sm3);
        joinerKey.Save(joiner.Home.ValidatorKeyFile);

        await using var shanghaiNode = await shanghai.StartAsync();
        await using var hongkongNode = await hongkong.StartAsync();
        var joinerNode = await shanghai.StartFollowerAsync(joiner);
        try
        {
            await RunAsync(shanghai, hongkong, joiner, joinerKey, joinerNode);
        }
        catch
        {
            output.WriteLine($"Shanghai's validator:\n{Tail(shanghaiNode.Log)}\nthe joining node:\n{Tail(joinerNode.Log)}");
            throw;
        }
        finally
        {
            await joinerNode.DisposeAsync();
        }
    }

    private async Task RunAsync(TestChain shanghai, TestChain hongkong, Follower joiner, KeyFile joinerKey, NodeProcess joinerNode)
    {
        var a = new RelaySide(shanghai, "shanghai");
        var b = new RelaySide(hongkong, "hongkong");
        await ProposeClientAsync(a, b, "hongkong-client");
        await ProposeClientAsync(b, a, "shanghai-client");
        var code = PingCode();
        var pingA = new Address((await a.SendAsync(a.Chain.Operator, null, code)).ContractAddress.Span);
        var pingB = new Address((await b.SendAsync(b.Chain.Operator, null, code)).ContractAddress.Span);
        await a.SendAsync(a.Chain.Operator, pingA, Call("open(string,address,bool)", new AbiTuple().String("hongkong-client").Address(pingB).Bool(false)));

        var (config, _) = WriteConfig(_dir, "relay.toml", a, b, shanghai.Accounts[0], hongkong.Accounts[0], "state");
        await using var relayer = RelayerProcess.Start(config);
        await WaitForAsync(async () => (await a.ChannelAsync("channel-0"))?.State == RelayChannelState.Open &&
            (await b.ChannelAsync("channel-0"))?.State == RelayChannelState.Open, "the channel to open", relayer);
        await WaitForAsync(() => Task.FromResult(joinerNode.Log.Contains("following the chain until the committee adds it", StringComparison.Ordinal)),
            "the joining node to follow Shanghai", relayer);
        var before = await ClientOfShanghaiAsync(b);
        Assert.Equal(1UL, before.Epoch);

        // Packets flow both ways, one after the other on each chain, until told to stop.
        using var stop = new CancellationTokenSource();
        var sent = new long[2];
        // From accounts of their own: the operator signs the committee's vote meanwhile.
        var flows = new[]
        {
            FlowAsync(a, pingA, "to hongkong", shanghai.Accounts[1], () => Interlocked.Increment(ref sent[0]), stop.Token),
            FlowAsync(b, pingB, "to shanghai", hongkong.Accounts[1], () => Interlocked.Increment(ref sent[1]), stop.Token),
        };
        var flow = Task.WhenAll(flows);
        await WaitForAsync(async () => FlowFailed(flows) || (await b.CounterAsync(pingB, "received()") >= 3 && await a.CounterAsync(pingA, "received()") >= 3),
            "the first packets to arrive", relayer);

        // Shanghai's committee (the operator's one seat) adds the second validator: half the power, so forced.
        var add = await NodeBinary.RunAsync("validators", "add", "--public-key", joiner.Home.ValidatorKeyFile, "--member", "operator",
            "--key", shanghai.Home.OperatorKeyFile, "--node", a.Url, "--force");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var lastOfEpoch1 = await ScheduledLastHeightAsync(a);
        output.WriteLine($"Shanghai's epoch 1 ends at height {lastOfEpoch1}; packets sent so far: {Interlocked.Read(ref sent[0])} and {Interlocked.Read(ref sent[1])}");

        // Hong Kong's client of Shanghai crosses into epoch 2 by the relayer's updates alone.
        await WaitForAsync(async () => FlowFailed(flows) || (await ClientOfShanghaiAsync(b) is { Epoch: >= 2 } client && client.LatestHeight > lastOfEpoch1),
            "Hong Kong's client of Shanghai to trust a header of epoch 2", relayer);
        if (FlowFailed(flows))
        {
            await flows.First(f => f.IsFaulted);
        }
        var crossed = await ClientOfShanghaiAsync(b);
        output.WriteLine($"client of Shanghai on Hong Kong: epoch {crossed.Epoch}, height {crossed.LatestHeight}");
        Assert.Equal(ValidatorSet.Hash(CryptoSuite.Sm2Sm3, crossed.Validators), ValidatorSet.Hash(CryptoSuite.Sm2Sm3, (await EpochSetAsync(a)).Set));
        Assert.Equal(2, crossed.Validators.Validators.Count);
        Assert.Contains(crossed.Validators.Validators, v => v.PublicKey.Span.SequenceEqual(joinerKey.PublicKey));
        Assert.Equal("active", (await b.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "shanghai-client" })).Status);

        // More packets after the change (Shanghai now needs the joined validator's signature for every block), then stop.
        var atCrossing = (Interlocked.Read(ref sent[0]), Interlocked.Read(ref sent[1]));
        await WaitForAsync(() => Task.FromResult(FlowFailed(flows) || (Interlocked.Read(ref sent[0]) >= atCrossing.Item1 + 3 && Interlocked.Read(ref sent[1]) >= atCrossing.Item2 + 3)),
            "packets sent after the change", relayer);
        await stop.CancelAsync();
        await flow.WaitAsync(Patience);
        var (toHongkong, toShanghai) = ((ulong)sent[0], (ulong)sent[1]);
        output.WriteLine($"{toHongkong} packets to Hong Kong and {toShanghai} to Shanghai");
        await WaitForCountsAsync(a, b, pingA, pingB, toHongkong, toShanghai, relayer);
        Assert.Equal(toHongkong, await b.CounterAsync(pingB, "received()"));
        Assert.Equal(toHongkong, await a.CounterAsync(pingA, "acknowledged()"));
        Assert.Equal(toShanghai, await a.CounterAsync(pingA, "received()"));
        Assert.Equal(toShanghai, await b.CounterAsync(pingB, "acknowledged()"));
        Assert.Equal(0UL, await a.CounterAsync(pingA, "failedAcks()") + await b.CounterAsync(pingB, "failedAcks()"));
        Assert.Equal(0UL, await a.CounterAsync(pingA, "timedOut()") + await b.CounterAsync(pingB, "timedOut()"));
        Assert.DoesNotContain("EPOCH_END_NOT_SERVED", relayer.Log, StringComparison.Ordinal);

        // The epoch's last block is provable from the validator and from the node that took it by block sync, alike.
        var fromValidator = await a.Relay.GetCommitProofAsync(new GetCommitProofRequest { Height = lastOfEpoch1 });
        output.WriteLine($"commit proof of height {lastOfEpoch1}: {fromValidator.Certified.Commit.Descendants.Count} suffix header(s), " +
            $"{fromValidator.Certified.CalculateSize()} bytes with its parent, next set of {fromValidator.NextValidators.Validators.Count}");
        await AssertServesEndOfEpoch1Async(joiner.Url, fromValidator, lastOfEpoch1);
        await AssertALightClientCrossesWithAsync(joiner.Url, lastOfEpoch1);
        // Killed (nothing flushed at exit): the record is in the synced batch that committed the block.
        await joinerNode.KillAsync();
        var restarted = await shanghai.StartFollowerAsync(joiner);
        await using (restarted)
        {
            await AssertServesEndOfEpoch1Async(joiner.Url, fromValidator, lastOfEpoch1);
        }
    }

    private static async Task AssertServesEndOfEpoch1Async(string url, GetCommitProofResponse expected, ulong lastOfEpoch1)
    {
        using var channel = GrpcChannel.ForAddress(url);
        var proof = await new RelayService.RelayServiceClient(channel).GetCommitProofAsync(new GetCommitProofRequest { EpochEnd = 1 });
        Assert.Equal(lastOfEpoch1, proof.Height);
        Assert.Equal(1UL, proof.Epoch);
        Assert.Equal(expected.HeaderHash, proof.HeaderHash);
        Assert.False(proof.Certified.Parent.IsEmpty);
        Assert.NotEmpty(proof.Certified.Commit.Descendants);
        Assert.Equal(2, proof.NextValidators.Validators.Count);
        Assert.Equal(expected.NextValidators, proof.NextValidators);
    }

    /// <summary>
    /// A light client (the code a counterparty's contract runs) fed only by the node at <paramref name="url"/>: created at
    /// a header of epoch 1, it takes the epoch's last header with its suffix proof, then a header of epoch 2 with the set
    /// that header announced; without the last header first, the epoch-2 header is refused.
    /// </summary>
    private static async Task AssertALightClientCrossesWithAsync(string url, ulong lastOfEpoch1)
    {
        using var channel = GrpcChannel.ForAddress(url);
        var relay = new RelayService.RelayServiceClient(channel);
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var create = await relay.GetClientCreateAsync(new GetClientCreateRequest { Height = lastOfEpoch1 - 3 });
        var client = LightClient.TryCreate(create.Create, now, out var trusted, out var trustedHeight, out var problem);
        Assert.True(client is not null, problem);
        RelayConsensusState? TrustedAt(ulong height) => height == trustedHeight ? trusted : null;

        var end = await relay.GetCommitProofAsync(new GetCommitProofRequest { EpochEnd = 1 });
        var head = (await new ChainService.ChainServiceClient(channel).GetStatusAsync(new GetStatusRequest())).HeadHeight;
        var epoch2 = await relay.GetCommitProofAsync(new GetCommitProofRequest { Height = head - 3 });
        Assert.Equal(2UL, epoch2.Epoch);
        Assert.Equal(lastOfEpoch1, epoch2.EpochStartHeight);
        var intoEpoch2 = new LightClientUpdate { Header = epoch2.Certified, NextValidators = end.NextValidators };
        Assert.Equal(UpdateVerdict.Refused, LightClient.Update(client!, intoEpoch2, now, TrustedAt).Verdict);

        var atEnd = LightClient.Update(client!, new LightClientUpdate { Header = end.Certified }, now, TrustedAt);
        Assert.True(atEnd.Verdict == UpdateVerdict.Accepted, atEnd.Problem);
        var crossed = LightClient.Update(atEnd.State, intoEpoch2, now, TrustedAt);
        Assert.True(crossed.Verdict == UpdateVerdict.Accepted, crossed.Problem);
        Assert.Equal(2UL, crossed.State.Epoch);
        Assert.Equal(head - 3, crossed.State.LatestHeight);
    }

    private static async Task FlowAsync(RelaySide side, Address ping, string what, KeyFile from, Action counted, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                await side.SendPacketAsync(ping, $"{what} {i}", from: from);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"sending packet '{what} {i}' failed: {ex.Message}", ex);
            }
            counted();
        }
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(120));

    /// <summary>A flow that failed ends the wait; awaiting it then reports why.</summary>
    private static bool FlowFailed(Task[] flows) => flows.Any(f => f.IsFaulted);

    private static async Task<LightClientState> ClientOfShanghaiAsync(RelaySide hongkong) =>
        (await hongkong.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "shanghai-client" })).Client;

    private static async Task<ulong> ScheduledLastHeightAsync(RelaySide side)
    {
        using var channel = GrpcChannel.ForAddress(side.Url);
        var registry = (await new GovernanceService.GovernanceServiceClient(channel).GetRegistryAsync(new GetRegistryRequest())).Registry;
        if (registry.PendingValidators is { } pending)
        {
            return pending.LastHeightOfEpoch;
        }
        // Epochs of 10 heights pass quickly: the change may already be in force (the record then starts epoch 2 there).
        Assert.Equal(2UL, registry.Epoch);
        return registry.EpochStartHeight;
    }

    /// <summary>The validator set of the epoch Shanghai's head is in, as the relay API serves it with a commit proof.</summary>
    private static async Task<(ulong Epoch, RelayValidatorSet Set)> EpochSetAsync(RelaySide side)
    {
        for (var attempt = 0; ; attempt++)
        {
            var head = (await side.Api.GetStatusAsync(new GetStatusRequest())).HeadHeight;
            try
            {
                var proof = await side.Relay.GetCommitProofAsync(new GetCommitProofRequest { Height = head - 2 });
                return (proof.Epoch, proof.Validators);
            }
            catch (Grpc.Core.RpcException) when (attempt < 20)
            {
                await Task.Delay(100);
            }
        }
    }
}
