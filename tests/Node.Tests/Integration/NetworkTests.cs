using System.Net.Security;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.V1;
using Xunit.Abstractions;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// Multi-validator networks of real processes on 127.0.0.1: agreement, crashes of one and of two validators, a
/// validator restarted from an empty data dir, refused and misbehaving peers, and catching up from far behind.
/// One collection: these tests each run several nodes and would starve each other in parallel.
/// </summary>
[Collection("network")]
public sealed partial class NetworkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Four_validators_agree_one_killed_the_rest_continue_and_the_restarted_one_catches_up_and_votes_again()
    {
        await using var net = new TestNetwork(validators: 4);
        await net.StartAllValidatorsAsync();
        // Transactions through every node commit (gossip carries them to whoever leads).
        for (var node = 0; node < 4; node++)
        {
            var receipt = await net.TransferAsync(node, (ulong)node);
            Assert.Equal(ReceiptStatus.Success, receipt.Status);
        }
        var height = await net.HeightOfAsync(0);
        await net.WaitForHeightAsync([0, 1, 2, 3], height, Patience);
        await net.AssertAgreeAsync([0, 1, 2, 3], height);
        Assert.True((await net.BlockAsync(0, height)).Certificate.Signatures.Count >= 3, "a certificate needs a quorum of 3 of 4");

        // The operator sees the network from any node.
        var peers = await NodeBinary.RunAsync("peers", "--node", net.UrlOf(0));
        Assert.True(peers.ExitCode == 0, peers.Stderr);
        Assert.Contains("3 peer(s)", peers.Stdout, StringComparison.Ordinal);
        var validators = await NodeBinary.RunAsync("validators", "--node", net.UrlOf(2));
        Assert.Contains("4 validator(s), total power 4, quorum 3", validators.Stdout, StringComparison.Ordinal);

        await net.KillAsync(3);
        var atKill = await net.HeightOfAsync(0);
        Assert.Equal(ReceiptStatus.Success, (await net.TransferAsync(1, 4)).Status);
        await net.WaitForHeightAsync([0, 1, 2], atKill + 5, Patience);

        await net.StartAsync(3);
        var target = await net.HeightOfAsync(0);
        await net.WaitForHeightAsync([3], target, Patience);
        // It votes again: some certificate after its restart carries validator 3's signature.
        var signed = await WaitForSignatureAsync(net, observer: 0, validatorIndex: 3, fromHeight: target);
        output.WriteLine($"validator 3 signed the certificate of block {signed} after catching up to {target}");
        await net.AssertAgreeAsync([0, 1, 2, 3], Math.Min(await net.HeightOfAsync(3), await net.HeightOfAsync(0)));
    }

    [Fact]
    public async Task Two_of_four_killed_halts_without_conflicting_commits_and_resumes_after_restart()
    {
        await using var net = new TestNetwork(validators: 4);
        await net.StartAllValidatorsAsync();
        await net.WaitForHeightAsync([0, 1, 2, 3], 3, Patience);
        await net.KillAsync(2);
        await net.KillAsync(3);
        // Waiting for nothing to happen has no condition to poll: a fixed window, well beyond a round timeout, is the check.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var halted = new[] { await net.HeightOfAsync(0), await net.HeightOfAsync(1) };
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(halted[0], await net.HeightOfAsync(0));
        Assert.Equal(halted[1], await net.HeightOfAsync(1));
        output.WriteLine($"halted at heights {halted[0]} and {halted[1]} with two of four validators down");

        await net.StartAsync(2);
        await net.StartAsync(3);
        var resumeTo = Math.Max(halted[0], halted[1]) + 3;
        await net.WaitForHeightAsync([0, 1, 2, 3], resumeTo, Patience);
        await net.AssertAgreeAsync([0, 1, 2, 3], resumeTo);
    }

    [Fact]
    public async Task A_validator_restarted_on_an_empty_data_dir_syncs_sits_out_its_quarantine_and_votes_again_without_double_signing()
    {
        await using var net = new TestNetwork(validators: 4);
        await net.StartAllValidatorsAsync();
        await net.WaitForHeightAsync([0, 1, 2, 3], 5, Patience);
        await net.KillAsync(3);
        var atKill = await net.HeightOfAsync(0);
        // Everything it knew is gone, its safety record included; its keys stay.
        Directory.Delete(net.Homes[3].DataDir, recursive: true);
        await net.StartAsync(3);
        var target = await net.HeightOfAsync(0);
        await net.WaitForHeightAsync([3], target, Patience);

        // Blocks up to two above the head at the kill may carry certificates formed before it, with the old process's
        // vote: only certificates above those prove the restarted process signs.
        var signed = await WaitForSignatureAsync(net, observer: 0, validatorIndex: 3, fromHeight: Math.Max(target, atKill + 3), timeout: TimeSpan.FromSeconds(90));
        Assert.Contains("no safety record", net[3]!.Log, StringComparison.Ordinal);
        output.WriteLine($"validator 3 voted again at block {signed}");
        for (var node = 0; node < 4; node++)
        {
            Assert.DoesNotContain("equivocation", net[node]!.Log, StringComparison.Ordinal);
        }
        await net.AssertAgreeAsync([0, 3], Math.Min(await net.HeightOfAsync(3), await net.HeightOfAsync(0)));
    }

    [Fact]
    public async Task Graceful_restarts_of_a_validator_never_get_it_banned_and_it_still_counts_for_the_quorum()
    {
        // The fault run of issue 20: each graceful restart reset the peers' streams, which they scored as unparsable
        // frames; the third banned the restarted validator, and with one more validator down the chain halted.
        await using var net = new TestNetwork(validators: 4);
        await net.StartAllValidatorsAsync();
        await net.WaitForHeightAsync([0, 1, 2, 3], 2, Patience);
        for (var restart = 0; restart < 4; restart++)
        {
            await net.StopAsync(0);
            await net.StartAsync(0);
            var height = await net.HeightOfAsync(1);
            await net.WaitForHeightAsync([0, 1, 2, 3], height + 2, Patience);
        }

        // Without validator 1 the quorum needs validator 0: its peers must still take its votes.
        await net.KillAsync(1);
        var before = await net.HeightOfAsync(2);
        await net.WaitForHeightAsync([0, 2, 3], before + 3, TimeSpan.FromSeconds(30));
        for (var node = 1; node < 4; node++)
        {
            Assert.DoesNotContain("banned", net[node]!.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("unparsable frame", net[node]!.Log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_node_not_admitted_is_refused_by_every_validator_and_malformed_frames_cost_the_sender_its_link_and_then_its_admission()
    {
        await using var net = new TestNetwork(validators: 4, spareNodes: 1);
        await net.StartAllValidatorsAsync();
        await net.WaitForHeightAsync([0, 1, 2, 3], 2, Patience);
        var genesis = GenesisFile.Load(net.Homes[0].GenesisFile);
        var admission = new PeerAdmission(genesis);

        // A stranger: a key that genesis does not admit.
        using var stranger = PeerCertificate.Create(KeyFile.Generate(net.Suite), genesis.ChainId);
        for (var node = 0; node < 4; node++)
        {
            using var client = new PeerClient(new Uri($"https://{net.ConfigOf(node).P2pListen}"), stranger, admission);
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.GetStatusAsync(CancellationToken.None));
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }

        // An admitted node (the spare home's identity) that sends frames that are not PeerMessages.
        using var admitted = PeerCertificate.Create(KeyFile.Load(net.Homes[4].NodeKeyFile), genesis.ChainId);
        var target = new Uri($"https://{net.ConfigOf(0).P2pListen}");
        var before = await net.HeightOfAsync(0);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var ended = await SendRawFramesAsync(target, admitted, [[0xff, 0xff, 0xff, 0xff]]);
            Assert.True(ended, $"attempt {attempt}: the node kept a link that sent garbage");
        }
        output.WriteLine(string.Join('\n', net[0]!.Log.Split('\n').Where(l => l.Contains("disconnecting", StringComparison.Ordinal))));
        // Three malformed frames ban the sender for a while: even its well-formed calls are refused now.
        using (var banned = new PeerClient(target, admitted, admission))
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => banned.GetStatusAsync(CancellationToken.None));
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            Assert.Contains("banned", refused.Status.Detail, StringComparison.Ordinal);
        }
        // Nothing crashed: the attacked validator keeps committing with the others.
        await net.WaitForHeightAsync([0, 1, 2, 3], before + 3, Patience);
        Assert.Contains("unparsable frame", net[0]!.Log, StringComparison.Ordinal);

        // A well-formed frame other than Hello first is refused as well (by another validator, where the sender is not banned).
        var second = new Uri($"https://{net.ConfigOf(1).P2pListen}");
        var vote = new PeerMessage { Consensus = new ConsensusMessage { Vote = new Vote { Round = 1 } } };
        Assert.True(await SendRawFramesAsync(second, admitted, [Google.Protobuf.MessageExtensions.ToByteArray(vote)]));
        // The node's log reaches the test through its stdout pipe: wait for the line rather than read at once.
        var logged = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!net[1]!.Log.Contains("first frame is not a Hello", StringComparison.Ordinal) && DateTime.UtcNow < logged)
        {
            await Task.Delay(NodeBinary.PollInterval);
        }
        Assert.Contains("first frame is not a Hello", net[1]!.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_validator_1000_blocks_behind_catches_up_and_reports_its_rate()
    {
        await using var net = new TestNetwork(validators: 4, emptyBlockIntervalMs: 10);
        // Three of four validators are a quorum: they build the history the fourth has not seen.
        await Task.WhenAll(net.StartAsync(0), net.StartAsync(1), net.StartAsync(2));
        await net.WaitForHeightAsync([0], 1_050, TimeSpan.FromMinutes(4));
        await net.StartAsync(3);
        var target = await net.HeightOfAsync(0);
        await net.WaitForHeightAsync([3], target, TimeSpan.FromMinutes(2));
        // The report is logged once the node is level with its peers and hands over to consensus.
        var report = CatchUpLine().Match(net[3]!.Log);
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); !report.Success && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(NodeBinary.PollInterval);
            report = CatchUpLine().Match(net[3]!.Log);
        }
        Assert.True(report.Success, "the node reports its catch-up:\n" + net[3]!.Log);
        output.WriteLine(report.Value);
        Assert.True(ulong.Parse(report.Groups["blocks"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1_000, report.Value);
        await net.AssertAgreeAsync([0, 3], target);
    }

    [GeneratedRegex(@"caught up (?<blocks>\d+) blocks to height \d+ in [\d.]+ s \((?<rate>\d+) blocks/s\)")]
    private static partial Regex CatchUpLine();

    /// <summary>Waits until a committed certificate at or above <paramref name="fromHeight"/> carries the validator's signature.</summary>
    private static async Task<ulong> WaitForSignatureAsync(TestNetwork net, int observer, uint validatorIndex, ulong fromHeight, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        var next = Math.Max(1, fromHeight);
        while (DateTime.UtcNow < deadline)
        {
            var head = await net.HeightOfAsync(observer);
            for (; next <= head; next++)
            {
                var block = await net.BlockAsync(observer, next);
                if (block.Certificate.Signatures.Any(s => s.ValidatorIndex == validatorIndex))
                {
                    return next;
                }
            }
            await Task.Delay(NodeBinary.PollInterval);
        }
        throw new TimeoutException($"no certificate from height {fromHeight} on carries validator {validatorIndex}'s signature");
    }

    /// <summary>
    /// Opens a Connect stream as <paramref name="identity"/>, writes raw frames (bypassing the PeerMessage encoder)
    /// and returns whether the node ended the stream within 10 s.
    /// </summary>
    private static async Task<bool> SendRawFramesAsync(Uri target, PeerCertificate identity, IReadOnlyList<byte[]> frames)
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [identity.Certificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        };
        using var channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions { HttpHandler = handler });
        var raw = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "shanghaichain.v1.PeerService", "Connect",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var headers = new Metadata
        {
            { PeerCertificate.KeyHeader, identity.IdentityHex },
            { PeerCertificate.BindingHeader, Core.Primitives.Hex.Encode(identity.Binding) },
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(raw, null, new CallOptions(headers, cancellationToken: timeout.Token));
        try
        {
            foreach (var frame in frames)
            {
                await call.RequestStream.WriteAsync(frame);
            }
            // Drain what the node sends (its Hello) until it ends the stream.
            while (await call.ResponseStream.MoveNext(timeout.Token))
            {
            }
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled && ex.StatusCode != StatusCode.DeadlineExceeded)
        {
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
