using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Api;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>One node process shared by the API tests of this class.</summary>
public sealed class ApiNodeFixture : IAsyncLifetime
{
    internal TestChain Chain { get; } = new(CryptoSuite.Ed25519Sha256, fundedAccounts: 6, emptyBlockIntervalMs: 100);

    internal NodeProcess Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await Chain.StartAsync();

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        Chain.Dispose();
    }
}

/// <summary>The app API over real gRPC on a real socket: typed errors, receipts, blocks, subscriptions, health.</summary>
public sealed class ApiTests(ApiNodeFixture fixture) : IClassFixture<ApiNodeFixture>
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000d1");

    private ApiClient Client() => new(fixture.Node.Url);

    private static string? ReasonOf(RpcException ex) => ex.Trailers.GetValue(ApiErrors.ReasonTrailer);

    private static async Task<RpcException> RefusedAsync(ApiClient client, byte[] tx) =>
        await Assert.ThrowsAsync<RpcException>(async () =>
            await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) }));

    [Fact]
    public async Task Refused_transactions_carry_a_status_code_and_a_machine_readable_reason()
    {
        using var client = Client();
        var key = fixture.Chain.Accounts[0];

        var gap = await RefusedAsync(client, await client.SignTransferAsync(key, Recipient, 1, nonce: 5));
        Assert.Equal((StatusCode.FailedPrecondition, "NONCE_GAP"), (gap.StatusCode, ReasonOf(gap)));

        var wrongChain = await RefusedAsync(client, await client.SignTransferAsync(key, Recipient, 1, nonce: 0, chainId: "other"));
        Assert.Equal((StatusCode.InvalidArgument, "WRONG_CHAIN_ID"), (wrongChain.StatusCode, ReasonOf(wrongChain)));

        var tampered = await client.SignTransferAsync(key, Recipient, 1, nonce: 0);
        tampered[^1] ^= 0x01;
        var badSignature = await RefusedAsync(client, tampered);
        Assert.Equal((StatusCode.InvalidArgument, "BAD_SIGNATURE"), (badSignature.StatusCode, ReasonOf(badSignature)));

        var garbage = await RefusedAsync(client, [1, 2, 3, 4, 5]);
        Assert.Equal((StatusCode.InvalidArgument, "MALFORMED"), (garbage.StatusCode, ReasonOf(garbage)));

        var tooMuch = await RefusedAsync(client, await client.SignTransferAsync(key, Recipient, 2_000_000_000_000, nonce: 0));
        Assert.Equal((StatusCode.FailedPrecondition, "INSUFFICIENT_BALANCE"), (tooMuch.StatusCode, ReasonOf(tooMuch)));

        var expired = TransactionSigner.Sign(TransactionSigner.Transfer("test-chain", 0, Recipient, new UInt256(1), 21_000, 1), key);
        await WaitForHeightAsync(client, 2);
        var expiredError = await RefusedAsync(client, expired);
        Assert.Equal((StatusCode.FailedPrecondition, "EXPIRED"), (expiredError.StatusCode, ReasonOf(expiredError)));
    }

    [Fact]
    public async Task A_committed_transaction_can_be_read_back_every_way_and_waiting_is_idempotent()
    {
        using var client = Client();
        var key = fixture.Chain.Accounts[1];
        var tx = await client.SignTransferAsync(key, Recipient, 5, await client.NonceOfAsync(key.Address));
        var id = (await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId;
        Assert.Equal(fixture.Chain.Suite.Hash(tx).ToArray(), id.ToByteArray());

        var receipt = (await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 20_000 })).Receipt;
        var again = (await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 1 })).Receipt;
        Assert.Equal(receipt, again);
        Assert.Equal(ReceiptStatus.Success, receipt.Status);
        Assert.Equal(key.Address.ToArray(), receipt.Sender.ToByteArray());

        var stored = await client.Chain.GetTransactionAsync(new GetTransactionRequest { TxId = id });
        Assert.Equal(tx, stored.Transaction.ToByteArray());
        Assert.Equal(receipt.BlockHeight, stored.BlockHeight);

        var byHeight = await client.Chain.GetBlockAsync(new GetBlockRequest { Height = receipt.BlockHeight });
        var byHash = await client.Chain.GetBlockAsync(new GetBlockRequest { Hash = byHeight.BlockHash });
        Assert.Equal(byHeight, byHash);
        Assert.Contains(id, byHeight.TxIds);
        Assert.Equal(receipt.BlockHash, byHeight.BlockHash);
        Assert.Equal(fixture.Chain.Suite.Hash(byHeight.Block.Header.Span).ToArray(), byHeight.BlockHash.ToByteArray());

        var resubmit = await RefusedAsync(client, tx);
        Assert.Contains(ReasonOf(resubmit), new[] { "DUPLICATE", "NONCE_TOO_LOW" });
    }

    [Fact]
    public async Task A_batch_gets_one_result_per_transaction_in_order()
    {
        using var client = Client();
        var key = fixture.Chain.Accounts[2];
        var nonce = await client.NonceOfAsync(key.Address);
        var request = new SubmitTransactionsRequest();
        request.Transactions.Add(ByteString.CopyFrom(await client.SignTransferAsync(key, Recipient, 1, nonce)));
        request.Transactions.Add(ByteString.CopyFrom(await client.SignTransferAsync(key, Recipient, 1, nonce + 5)));
        request.Transactions.Add(ByteString.CopyFrom(await client.SignTransferAsync(key, Recipient, 1, nonce + 1)));
        var response = await client.Chain.SubmitTransactionsAsync(request);
        Assert.Equal(["", "NONCE_GAP", ""], response.Results.Select(r => r.Reason));
        foreach (var accepted in response.Results.Where(r => r.Reason.Length == 0))
        {
            var receipt = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = accepted.TxId, TimeoutMs = 20_000 });
            Assert.Equal(ReceiptStatus.Success, receipt.Receipt.Status);
        }
    }

    [Fact]
    public async Task Block_certificates_verify_with_the_consensus_engine_and_headers_chain_up()
    {
        using var client = Client();
        await WaitForHeightAsync(client, 3);
        var genesis = GenesisFile.Load(fixture.Chain.Home.GenesisFile);
        var verifier = new EpochVerifier(genesis.ChainId, genesis.Suite, genesis.ToValidatorSet(), 1, genesis.ComputeHash(), 0);
        var parent = genesis.ComputeHash();
        for (ulong height = 1; height <= 3; height++)
        {
            var block = await client.Chain.GetBlockAsync(new GetBlockRequest { Height = height });
            Assert.True(verifier.VerifyQuorumCertificate(block.Certificate), $"certificate of block {height} does not verify");
            Assert.Equal(block.BlockHash, block.Certificate.BlockHash);
            Assert.Equal(parent.ToArray(), block.Header.ParentHash.ToByteArray());
            Assert.Equal(Hash32.Size, block.Header.StateRootOfParent.Length);
            parent = new Hash32(block.BlockHash.Span);
        }
        var tampered = (await client.Chain.GetBlockAsync(new GetBlockRequest { Height = 2 })).Certificate;
        tampered.Height = 3;
        Assert.False(verifier.VerifyQuorumCertificate(tampered));
    }

    [Fact]
    public async Task Waiting_for_an_unknown_transaction_times_out_with_a_typed_error()
    {
        using var client = Client();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.Chain.WaitForReceiptAsync(
            new WaitForReceiptRequest { TxId = ByteString.CopyFrom(new byte[32]), TimeoutMs = 200 }));
        Assert.Equal((StatusCode.DeadlineExceeded, "TIMEOUT"), (ex.StatusCode, ReasonOf(ex)));
        var badId = await Assert.ThrowsAsync<RpcException>(async () => await client.Chain.GetReceiptAsync(
            new GetReceiptRequest { TxId = ByteString.CopyFrom(new byte[5]) }));
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.Chain.GetBlockAsync(new GetBlockRequest { Height = 1_000_000 }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Subscriptions_replay_history_then_follow_live_blocks_and_can_resume_anywhere()
    {
        using var client = Client();
        await WaitForHeightAsync(client, 3);
        var heights = await ReadHeightsAsync(client, from: 1, count: 6);
        Assert.Equal([1UL, 2, 3, 4, 5, 6], heights);
        var resumed = await ReadHeightsAsync(client, from: 4, count: 3);
        Assert.Equal([4UL, 5, 6], resumed);
    }

    [Fact]
    public async Task A_subscription_opened_while_blocks_commit_under_load_is_contiguous_with_receipts()
    {
        using var client = Client();
        var key = fixture.Chain.Accounts[3];
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            var nonce = await client.NonceOfAsync(key.Address);
            while (!stop.IsCancellationRequested)
            {
                var batch = new SubmitTransactionsRequest();
                for (var i = 0; i < 20; i++)
                {
                    batch.Transactions.Add(ByteString.CopyFrom(await client.SignTransferAsync(key, Recipient, 1, nonce++)));
                }
                await client.Chain.SubmitTransactionsAsync(batch);
            }
        });
        try
        {
            var start = (await client.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var stream = client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = Math.Max(1, start - 2), IncludeReceipts = true },
                cancellationToken: timeout.Token);
            var expected = Math.Max(1, start - 2);
            var withTransactions = 0;
            while (withTransactions < 5 && await stream.ResponseStream.MoveNext(timeout.Token))
            {
                var block = stream.ResponseStream.Current;
                Assert.Equal(expected++, block.Height);
                Assert.Equal(block.TxIds.Count, block.Receipts.Count);
                Assert.Equal(block.TxIds, block.Receipts.Select(r => r.TxId));
                withTransactions += block.TxIds.Count > 0 ? 1 : 0;
            }
            Assert.Equal(5, withTransactions);
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }
    }

    [Fact]
    public async Task Health_and_reflection_services_answer()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Node.Url);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        // Asked by service name, as Kubernetes' gRPC probes and health clients may do (was NotFound).
        var chain = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "shanghaichain.v1.ChainService" });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, chain.Status);

        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await reflection.RequestStream.CompleteAsync();
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("shanghaichain.v1.ChainService", services);
        // The peer service is served on the peer port only; the app port's reflection does not list it (it did, and
        // answered `unimplemented` when called there).
        Assert.DoesNotContain("shanghaichain.v1.PeerService", services);

        using var reflectionV1 = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflectionV1.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = "" });
        await reflectionV1.RequestStream.CompleteAsync();
        Assert.True(await reflectionV1.ResponseStream.MoveNext(CancellationToken.None));
        var servicesV1 = reflectionV1.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Equal(services.Order(StringComparer.Ordinal), servicesV1.Order(StringComparer.Ordinal));
        Assert.Contains("shanghaichain.v1.GovernanceService", servicesV1);
    }

    [Fact]
    public async Task The_SM3_system_contract_answers_a_read_only_call_at_its_reserved_address()
    {
        using var client = Client();
        // sm3(bytes) with "abc": selector, offset, length, padded data.
        var selector = new byte[32];
        Core.Crypto.Keccak256Hasher.Hash("sm3(bytes)"u8, selector);
        var data = new byte[4 + (3 * 32)];
        selector.AsSpan(0, 4).CopyTo(data);
        data[4 + 31] = 0x20;
        data[4 + 63] = 3;
        "abc"u8.CopyTo(data.AsSpan(4 + 64));
        var gmCrypto = Core.Primitives.Address.Parse("0x0000000000000000000000000000000000001001");
        var response = await client.Chain.CallAsync(new CallRequest
        {
            To = ByteString.CopyFrom(gmCrypto.ToArray()),
            Data = ByteString.CopyFrom(data),
        });
        // GB/T 32905 example 1: SM3("abc").
        Assert.Equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", Convert.ToHexStringLower(response.Output.Span));
        // Its genesis placeholder code is visible like any contract's, so Solidity's extcodesize check passes.
        var code = await client.Chain.GetCodeAsync(new GetCodeRequest { Address = ByteString.CopyFrom(gmCrypto.ToArray()) });
        Assert.Equal([0xFE], code.Code.ToByteArray());
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_text_format()
    {
        using var client = Client();
        await WaitForHeightAsync(client, 2);
        using var http = new HttpClient();
        // Counters and histograms are published by the exporter's periodic collection: wait for the first one.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = "";
        while (!text.Contains("shanghaichain_node_block_interval_count", StringComparison.Ordinal))
        {
            await Task.Delay(NodeBinary.PollInterval, timeout.Token);
            text = await http.GetStringAsync($"http://127.0.0.1:{fixture.Chain.MetricsPort}/metrics", timeout.Token);
        }
        var height = text.Split('\n').Single(l => l.StartsWith("shanghaichain_node_consensus_height ", StringComparison.Ordinal));
        Assert.True(ulong.Parse(height.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) >= 2, height);
        Assert.Contains("# TYPE shanghaichain_node_block_interval histogram", text, StringComparison.Ordinal);
        Assert.Contains("shanghaichain_node_mempool_size ", text, StringComparison.Ordinal);
        Assert.Contains("shanghaichain_node_consensus_round ", text, StringComparison.Ordinal);
        Assert.Contains("shanghaichain_node_p2p_peers ", text, StringComparison.Ordinal);
        Assert.Contains("shanghaichain_node_sync_syncing ", text, StringComparison.Ordinal);
        Assert.Contains("shanghaichain_node_transactions_committed", text, StringComparison.Ordinal);
        Assert.Contains("shanghaichain_node_transactions_signature_checks", text, StringComparison.Ordinal);
        // Counters are totals since start, not per-scrape deltas.
        var blocks = text.Split('\n').Single(l => l.StartsWith("shanghaichain_node_blocks_committed ", StringComparison.Ordinal));
        Assert.True(ulong.Parse(blocks.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) >= 2, blocks);

        // The exposition format as Prometheus itself checks it (promtool, Debian package prometheus; .ci/run installs it).
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool is not installed: apt-get install prometheus (the Node.Tests build does it when run as root, tools/ensure-promtool.sh)");
        var info = new System.Diagnostics.ProcessStartInfo(promtool!, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var check = System.Diagnostics.Process.Start(info)!;
        await check.StandardInput.WriteAsync(text);
        check.StandardInput.Close();
        var errors = await check.StandardError.ReadToEndAsync() + await check.StandardOutput.ReadToEndAsync();
        await check.WaitForExitAsync();
        Assert.True(check.ExitCode == 0, "promtool check metrics: " + errors);
    }

    private static async Task<List<ulong>> ReadHeightsAsync(ApiClient client, ulong from, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = from, IncludeReceipts = true }, cancellationToken: timeout.Token);
        var heights = new List<ulong>();
        while (heights.Count < count && await stream.ResponseStream.MoveNext(timeout.Token))
        {
            heights.Add(stream.ResponseStream.Current.Height);
        }
        return heights;
    }

    private static async Task WaitForHeightAsync(ApiClient client, ulong height)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: timeout.Token)).HeadHeight < height)
        {
            await Task.Delay(NodeBinary.PollInterval, timeout.Token);
        }
    }
}
