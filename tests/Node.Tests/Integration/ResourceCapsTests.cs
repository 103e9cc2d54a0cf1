using System.Net.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Api;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// Each bound of docs/resource-limits.md exceeded against a real node process: the caller gets a typed error and the
/// node stays healthy (it answers, and a validator keeps committing).
/// </summary>
public sealed class ResourceCapsTests
{
    private static readonly Address Sink = Address.Parse("0x00000000000000000000000000000000000000c5");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_sender_over_its_share_then_everyone_over_the_pool_count_get_typed_refusals_and_the_node_stays_healthy()
    {
        // One of two validators alone has no quorum: nothing commits, so the pool only fills.
        await using var net = new TestNetwork(validators: 2);
        await StartAloneAsync(net, new Dictionary<string, string> { ["SHC_MEMPOOL_MAX_TXS"] = "12", ["SHC_MEMPOOL_MAX_TXS_PER_SENDER"] = "8" });
        using var client = new ApiClient(net.UrlOf(0));

        for (ulong nonce = 0; nonce < 8; nonce++)
        {
            await SubmitAsync(client, net.Operator, nonce);
        }
        var share = await Assert.ThrowsAsync<RpcException>(() => SubmitAsync(client, net.Operator, 8));
        Assert.Equal(StatusCode.ResourceExhausted, share.StatusCode);
        Assert.Equal("SENDER_LIMIT_REACHED", share.Trailers.GetValue(ApiErrors.ReasonTrailer));

        for (ulong nonce = 0; nonce < 4; nonce++)
        {
            await SubmitAsync(client, net.LoadKey, nonce);
        }
        var full = await Assert.ThrowsAsync<RpcException>(() => SubmitAsync(client, net.LoadKey, 4));
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        Assert.Equal("MEMPOOL_FULL", full.Trailers.GetValue(ApiErrors.ReasonTrailer));

        var status = await client.Chain.GetStatusAsync(new GetStatusRequest());
        Assert.Equal(12u, status.MempoolSize);
    }

    [Fact]
    public async Task Transactions_over_the_pool_byte_bound_are_refused_as_mempool_full()
    {
        await using var net = new TestNetwork(validators: 2);
        await StartAloneAsync(net, new Dictionary<string, string> { ["SHC_MEMPOOL_MAX_BYTES"] = "1024" });
        using var client = new ApiClient(net.UrlOf(0));

        ulong admitted = 0;
        RpcException? refused = null;
        for (; admitted < 64 && refused is null; admitted++)
        {
            try
            {
                await SubmitAsync(client, net.Operator, admitted);
            }
            catch (RpcException ex)
            {
                refused = ex;
            }
        }
        Assert.NotNull(refused);
        Assert.Equal("MEMPOOL_FULL", refused.Trailers.GetValue(ApiErrors.ReasonTrailer));
        // A transfer is about 150 bytes: a handful fit in 1 KiB, and none beyond it.
        Assert.InRange(admitted - 1, 3UL, 10UL);
        Assert.True((await client.Chain.GetStatusAsync(new GetStatusRequest())).MempoolSize == admitted - 1);
    }

    [Fact]
    public async Task A_request_over_the_message_cap_and_a_subscription_over_the_per_client_cap_are_refused_while_the_chain_commits_on()
    {
        using var chain = new TestChain(Core.Crypto.CryptoSuite.Ed25519Sha256, fundedAccounts: 1);
        await using var node = await chain.StartAsync(new Dictionary<string, string> { ["SHC_API_MAX_SUBSCRIPTIONS_PER_CLIENT"] = "3" });
        using var client = new ApiClient(node.Url);

        // 33 MiB in one request: over the app port's 32 MiB receive cap, refused before it is parsed.
        var huge = new SubmitTransactionsRequest();
        huge.Transactions.Add(ByteString.CopyFrom(new byte[33 << 20]));
        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => client.Chain.SubmitTransactionsAsync(huge).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, tooLarge.StatusCode);

        // Three subscriptions are served; the fourth of the same client is refused with a reason, the three go on.
        using var cancel = new CancellationTokenSource();
        var open = Enumerable.Range(0, 3).Select(_ => client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = 1 }, cancellationToken: cancel.Token)).ToList();
        foreach (var stream in open)
        {
            Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        }
        using (var fourth = client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = 1 }))
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => fourth.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Equal(SubscriptionLimiter.Reason, refused.Trailers.GetValue(ApiErrors.ReasonTrailer));
        }
        foreach (var stream in open)
        {
            Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        }

        // Closing one frees its place (the server notices the cancellation shortly after).
        open[0].Dispose();
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            using var again = client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = 1 });
            try
            {
                Assert.True(await again.ResponseStream.MoveNext(CancellationToken.None));
                break;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(NodeBinary.PollInterval);
            }
        }

        // Healthy: a transfer still commits.
        var key = chain.Accounts[0];
        var tx = await client.SignTransferAsync(key, Sink, 1, 0);
        var id = (await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId;
        var receipt = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 30_000 });
        Assert.Equal(ReceiptStatus.Success, receipt.Receipt.Status);
        await cancel.CancelAsync();
        foreach (var stream in open)
        {
            stream.Dispose();
        }
    }

    [Fact]
    public async Task A_peer_opening_more_links_than_allowed_loses_its_oldest_and_the_validators_commit_on()
    {
        await using var net = new TestNetwork(validators: 4, spareNodes: 1);
        await net.StartAllValidatorsAsync();
        await net.WaitForHeightAsync([0, 1, 2, 3], 2, Patience);
        var genesis = GenesisFile.Load(net.Homes[0].GenesisFile);
        using var identity = PeerCertificate.Create(KeyFile.Load(net.Homes[4].NodeKeyFile), genesis.ChainId);
        var target = new Uri($"https://{net.ConfigOf(0).P2pListen}");

        var links = new List<RawLink>();
        try
        {
            for (var i = 0; i <= PeerNetwork.MaxInboundLinksPerPeer; i++)
            {
                var link = new RawLink(target, identity);
                await link.SendHelloAsync();
                links.Add(link);
                // Each link is registered (the node's Hello arrives) before the next opens, so "oldest" is well defined.
                Assert.True(await link.ReceiveAsync(TimeSpan.FromSeconds(20)), $"link {i} got no Hello");
            }
            // The oldest link is closed by the node; the newest ones stay open.
            Assert.True(await links[0].EndsWithinAsync(TimeSpan.FromSeconds(20)), "the oldest link was kept");
            Assert.False(await links[^1].EndsWithinAsync(TimeSpan.FromSeconds(1)), "the newest link was closed");
            var before = await net.HeightOfAsync(0);
            await net.WaitForHeightAsync([0, 1, 2, 3], before + 3, Patience);
            Assert.DoesNotContain("banned", net[0]!.Log, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var link in links)
            {
                link.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_validator_flooding_signed_proposals_gets_only_its_share_of_pending_blocks_and_the_chain_commits_on()
    {
        // Validators 0, 1 and 2 run (a quorum of four, each of them needed); validator 3's keys are in hostile hands: its
        // node key opens a link to validator 0, its validator key signs proposals that validate (real transactions, the
        // right validator sets) on parents nobody has, at heights the node would hold until the chain passes them.
        await using var net = new TestNetwork(validators: 4);
        var metricsPort = NodeBinary.FreePort();
        await net.StartAsync(0, new Dictionary<string, string> { ["SHC_METRICS_LISTEN"] = $"127.0.0.1:{metricsPort}" });
        await net.StartAsync(1);
        await net.StartAsync(2);
        await net.WaitForHeightAsync([0, 1, 2], 2, Patience);
        var genesis = GenesisFile.Load(net.Homes[0].GenesisFile);
        using var identity = PeerCertificate.Create(KeyFile.Load(net.Homes[3].NodeKeyFile), genesis.ChainId);
        var signer = KeyFile.Load(net.Homes[3].ValidatorKeyFile);
        var set = genesis.ToValidatorSet();
        var verifier = new ShanghaiChain.Consensus.EpochVerifier(genesis.ChainId, net.Suite, set, Chain.Blocks.ChainEpochs.First, genesis.ComputeHash(), 0);
        var index = set.IndexOf(signer.Address);
        var setHash = ByteString.CopyFrom(set.Hash(net.Suite).ToArray());
        var transactions = Enumerable.Range(0, 500)
            .Select(n => ByteString.CopyFrom(Core.Transactions.TransactionSigner.Sign(
                Core.Transactions.TransactionSigner.Transfer(genesis.ChainId, (ulong)n, Sink, new UInt256(1), 21_000, 900), net.LoadKey)))
            .ToList();
        var txRoot = ByteString.CopyFrom(Core.Merkle.BinaryMerkleTree.ComputeRoot(net.Suite, [.. transactions.Select(t => net.Suite.Hash(t.Span))]).ToArray());
        using var http = new HttpClient();
        async Task<double> PendingFromPeersAsync() =>
            MetricValue(await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics"), "shanghaichain_node_pipeline_pending_blocks_from_peers");

        using var link = new RawLink(new Uri($"https://{net.ConfigOf(0).P2pListen}"), identity);
        await link.SendHelloAsync();
        var before = await net.HeightOfAsync(0);
        var highest = 0.0;
        const int Flood = 400;
        for (var i = 0; i < Flood; i++)
        {
            var header = new BlockHeader
            {
                ChainId = genesis.ChainId,
                Epoch = Chain.Blocks.ChainEpochs.First,
                // 40 to 63 above the head: within the window of proposals a validator holds, pruned only as the chain gets there.
                Height = before + 40 + (ulong)(i % 24),
                Round = 1,
                ParentHash = ByteString.CopyFrom(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                Proposer = ByteString.CopyFrom(signer.Address.ToArray()),
                TimestampMs = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                TxRoot = txRoot,
                StateRootOfParent = ByteString.CopyFrom(new byte[32]),
                ReceiptsRootOfParent = ByteString.CopyFrom(new byte[32]),
                ValidatorSetHash = setHash,
                NextValidatorSetHash = setHash,
            };
            var bytes = header.ToByteString();
            var proposal = new Proposal
            {
                Epoch = Chain.Blocks.ChainEpochs.First,
                Round = 1,
                ProposerIndex = (uint)index,
                Header = bytes,
                Signature = ByteString.CopyFrom(verifier.SignProposal(signer.ExportPrivateKey(), 1, net.Suite.Hash(bytes.Span))),
            };
            proposal.Transactions.AddRange(transactions);
            await link.SendAsync(new PeerMessage { Consensus = new ConsensusMessage { Proposal = proposal } });
            if (i % 20 == 0)
            {
                highest = Math.Max(highest, await PendingFromPeersAsync());
            }
        }
        // The flood reached the node and hit the peer's share (the node says so, once per ten seconds).
        var deadline = DateTime.UtcNow + Patience;
        while (!net[0]!.Log.Contains("not held: the peer's share of pending blocks is full", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            highest = Math.Max(highest, await PendingFromPeersAsync());
            await Task.Delay(NodeBinary.PollInterval);
        }
        Assert.Contains("not held: the peer's share of pending blocks is full", net[0]!.Log, StringComparison.Ordinal);
        highest = Math.Max(highest, await PendingFromPeersAsync());
        // The hostile peer's share, plus the honest leaders' one or two proposals each in flight.
        Assert.InRange(highest, Chain.Blocks.PendingBlockLimits.Default.BlocksPerPeer / 2, Chain.Blocks.PendingBlockLimits.Default.BlocksPerPeer + 8);

        // Honest proposals still go through: with validator 3 silent, every block needs validator 0's vote.
        await net.WaitForHeightAsync([0, 1, 2], before + 64 + 5, Patience);
        Assert.DoesNotContain("banned", net[0]!.Log, StringComparison.Ordinal);
        // Past their heights, the hostile blocks are gone.
        Assert.True(await PendingFromPeersAsync() <= 8, "the hostile blocks were not pruned");
    }

    [Fact]
    public async Task A_stream_over_the_per_connection_cap_is_refused_while_the_open_ones_go_on_and_the_node_stays_healthy()
    {
        using var chain = new TestChain(Core.Crypto.CryptoSuite.Ed25519Sha256, fundedAccounts: 1);
        await using var node = await chain.StartAsync();
        var (connection, max) = await RawHttp2Connection.OpenAsync(new Uri(node.Url), Patience);
        await using (connection)
        {
            Assert.Equal(1024u, max);
            // 1,024 calls that stay open (each waits two minutes for a receipt that never comes), in one write.
            const string Wait = "/shanghaichain.v1.ChainService/WaitForReceipt";
            var request = new WaitForReceiptRequest { TxId = ByteString.CopyFrom(new byte[32]), TimeoutMs = 120_000 };
            var open = Enumerable.Range(0, (int)max).Select(i => (uint)(2 * i + 1)).ToList();
            await connection.SendUnaryCallsAsync(open, Wait, request);
            // The server reads a connection's frames in order: the next stream is judged with all 1,024 active.
            var over = open[^1] + 2;
            await connection.SendHeadersOnlyAsync(over, Wait);
            Assert.Equal(RawHttp2Connection.RefusedStream, await connection.WaitForResetAsync(over, Patience));
            // Only that one: the 1,024 go on, and the connection stays up.
            Assert.Equal([over], connection.Resets.Select(r => r.Stream));
            Assert.DoesNotContain(connection.Answered, id => open.Contains(id));
            Assert.False(connection.GoneAway);

            // Healthy meanwhile: another client is served, and a transfer commits.
            using var client = new ApiClient(node.Url);
            var key = chain.Accounts[0];
            var tx = await client.SignTransferAsync(key, Sink, 1, 0);
            var id = (await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId;
            var receipt = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 30_000 });
            Assert.Equal(ReceiptStatus.Success, receipt.Receipt.Status);
            Assert.False(connection.GoneAway);
            Assert.Equal([over], connection.Resets.Select(r => r.Stream));
        }
    }

    private static double MetricValue(string scrape, string name) =>
        scrape.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Single();

    /// <summary>Starts validator 0 of two with the given overrides; without the other it never commits.</summary>
    private static Task StartAloneAsync(TestNetwork net, Dictionary<string, string> environment) => net.StartAsync(0, environment);

    private static async Task SubmitAsync(ApiClient client, KeyFile key, ulong nonce)
    {
        var tx = await client.SignTransferAsync(key, Sink, 1, nonce);
        await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) });
    }

    /// <summary>A Connect link opened by hand with an admitted identity, as a peer (or an attacker holding its key) would.</summary>
    private sealed class RawLink : IDisposable
    {
        private readonly SocketsHttpHandler _handler;
        private readonly GrpcChannel _channel;
        private readonly AsyncDuplexStreamingCall<PeerMessage, PeerMessage> _call;
        private Task<bool>? _pending;

        public RawLink(Uri target, PeerCertificate identity)
        {
            _handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificates = [identity.Certificate],
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                },
            };
            // One connection per link, as separate dials would be.
            _channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions { HttpHandler = _handler });
            var headers = new Metadata
            {
                { PeerCertificate.KeyHeader, identity.IdentityHex },
                { PeerCertificate.BindingHeader, Hex.Encode(identity.Binding) },
            };
            _call = new PeerService.PeerServiceClient(_channel).Connect(headers);
        }

        public Task SendHelloAsync() => _call.RequestStream.WriteAsync(new PeerMessage { Hello = new Hello { HeadHeight = 0 } });

        public Task SendAsync(PeerMessage message) => _call.RequestStream.WriteAsync(message);

        /// <summary>True when a frame arrived within the timeout.</summary>
        public async Task<bool> ReceiveAsync(TimeSpan timeout)
        {
            _pending ??= Next();
            var done = await Task.WhenAny(_pending, Task.Delay(timeout));
            if (done != _pending)
            {
                return false;
            }
            var received = await _pending;
            _pending = null;
            return received;
        }

        /// <summary>True when the node ended the stream within the timeout (frames before the end are read and dropped).</summary>
        public async Task<bool> EndsWithinAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                _pending ??= Next();
                var done = await Task.WhenAny(_pending, Task.Delay(deadline - DateTime.UtcNow));
                if (done != _pending)
                {
                    return false;
                }
                var received = await _pending;
                _pending = null;
                if (!received)
                {
                    return true;
                }
            }
            return false;
        }

        private async Task<bool> Next()
        {
            try
            {
                return await _call.ResponseStream.MoveNext(CancellationToken.None);
            }
            catch (RpcException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            _call.Dispose();
            _channel.Dispose();
            _handler.Dispose();
        }
    }
}
