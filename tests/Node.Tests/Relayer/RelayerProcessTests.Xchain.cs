using System.Text.Json.Nodes;
using Google.Protobuf;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

using static ShanghaiChain.Node.Tests.Relayer.RelayProcessKit;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>
/// The operator's view and the relayer's watch, with real processes: the same two nodes as the ping test (Shanghai on
/// sm2-sm3, Hong Kong on ed25519-sha256) with a CrossChainTransfer contract on each and the relayer process. The `xchain`
/// commands are checked against the chains' records; transfers go through `xchain transfer --wait` (one delivered, one
/// refused by its receiver and refunded, one sent home) with the balances after each. Then a forged header, signed with
/// Hong Kong's validator key (a corrupted quorum), is submitted as an update of Shanghai's client through the client
/// library: the running relayer sees that Hong Kong never committed it, submits the evidence, the client freezes, and
/// packets on that path stop with a clear log line (a transfer then times out and is refunded) while the relayer keeps
/// running.
/// </summary>
public sealed partial class RelayerProcessTests
{
    [Fact]
    public async Task Xchain_commands_show_the_chains_records_transfer_with_wait_and_the_relayer_freezes_a_client_fed_a_forged_header()
    {
        using var shanghai = new TestChain(CryptoSuite.Sm2Sm3, fundedAccounts: 3, emptyBlockIntervalMs: 100, chainId: "shanghai");
        using var hongkong = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 3, emptyBlockIntervalMs: 100, chainId: "hongkong");
        await using var shanghaiNode = await shanghai.StartAsync();
        await using var hongkongNode = await hongkong.StartAsync();
        var a = new RelaySide(shanghai, "shanghai");
        var b = new RelaySide(hongkong, "hongkong");
        await ProposeClientAsync(a, b, "hongkong-client");
        await ProposeClientAsync(b, a, "shanghai-client");

        var code = Artifact("CrossChainTransfer").Code;
        var transferA = new Address((await a.SendAsync(a.Chain.Operator, null, code)).ContractAddress.Span);
        var transferB = new Address((await b.SendAsync(b.Chain.Operator, null, code)).ContractAddress.Span);
        await a.SendAsync(a.Chain.Operator, transferA, Call("open(string,address)", new AbiTuple().String("hongkong-client").Address(transferB)));

        // Keys of the people who transfer: a Shanghai sender (the operator), a Hong Kong holder who later sends back.
        var senderKey = shanghai.Home.OperatorKeyFile;
        var holder = hongkong.Accounts[1];
        var holderKey = Path.Combine(_dir, "hk-holder.json");
        holder.Save(holderKey);
        var homeReceiver = shanghai.Accounts[1].Address;

        var (config, metricsAddress) = WriteConfig(_dir, "relay.toml", a, b, shanghai.Accounts[0], hongkong.Accounts[0], "state-x");
        await using var relayer = RelayerProcess.Start(config);
        await WaitForAsync(async () => (await a.ChannelAsync("channel-0"))?.State == RelayChannelState.Open &&
            (await b.ChannelAsync("channel-0"))?.State == RelayChannelState.Open, "the transfer channel to open", relayer);

        // xchain clients / channels, as tables and as JSON, against GetRelayClient / GetRelayChannel.
        var clients = await XchainAsync(0, "clients", "--node", a.Url);
        Assert.Contains("1 light client(s) on shanghai", clients, StringComparison.Ordinal);
        Assert.Matches(@"hongkong-client\s*│\s*hongkong\s*│\s*ed25519-sha256\s*│\s*active", clients);
        var clientJson = JsonNode.Parse(await XchainAsync(0, "clients", "--node", b.Url, "--json"))!["clients"]!.AsArray().Single()!;
        var stored = (await b.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "shanghai-client" })).Client;
        Assert.Equal("shanghai-client", (string?)clientJson["client_id"]);
        Assert.Equal("sm2-sm3", (string?)clientJson["crypto_suite"]);
        Assert.Equal(86_400UL, (ulong)clientJson["trusting_period_seconds"]!);
        Assert.InRange((ulong)clientJson["seconds_left"]!, 86_000UL, 86_400UL);
        Assert.InRange((ulong)clientJson["trusted_height"]!, 1UL, stored.LatestHeight);
        var shown = await XchainAsync(0, "clients", "show", "hongkong-client", "--node", a.Url);
        Assert.Contains("counterparty:     hongkong (ed25519-sha256)", shown, StringComparison.Ordinal);
        Assert.Contains("validators:       1 ", shown, StringComparison.Ordinal);

        var channels = JsonNode.Parse(await XchainAsync(0, "channels", "--node", a.Url, "--json"))!["channels"]!.AsArray();
        var channel = channels.Single()!;
        Assert.Equal("channel-0", (string?)channel["channel_id"]);
        Assert.Equal("open", (string?)channel["state"]);
        Assert.False((bool)channel["ordered"]!);
        Assert.Equal("transfer-1", (string?)channel["version"]);
        Assert.Equal(transferA.ToString(), (string?)channel["contract"]);
        Assert.Equal(transferB.ToString(), (string?)channel["counterparty_contract"]);
        Assert.Equal("hongkong", (string?)channel["counterparty_chain_id"]);
        Assert.Equal("channel-0", (string?)channel["counterparty_channel"]);
        Assert.Equal(1UL, (ulong)channel["next_send"]!);
        Assert.Contains("open", await XchainAsync(0, "channels", "--node", b.Url), StringComparison.Ordinal);
        Assert.Contains($"contract:         {transferB}", await XchainAsync(0, "channels", "show", "channel-0", "--node", b.Url), StringComparison.Ordinal);

        // 1. Shanghai's native value to a Hong Kong holder, followed to its acknowledgement.
        var senderBefore = await a.BalanceAsync(a.Chain.Operator.Address);
        var sent = await XchainAsync(0, "transfer", "--node", a.Url, "--contract", transferA.ToString(), "--channel", "channel-0",
            "--to", holder.Address.ToString(), "--amount", "1000", "--key", senderKey, "--wait");
        Assert.Contains("packet 1", sent, StringComparison.Ordinal);
        Assert.Contains("result:   acknowledged: received on the other chain", sent, StringComparison.Ordinal);
        Assert.Equal(senderBefore - new UInt256(1000), await a.BalanceAsync(a.Chain.Operator.Address));
        Assert.Contains("balance:  1000 channel-0/native", await XchainAsync(0, "balance", "--node", b.Url, "--contract", transferB.ToString(),
            "--denom", "channel-0/native", "--holder", holder.Address.ToString()), StringComparison.Ordinal);

        // 2. Sent home to a receiver that refuses native value (the transfer contract itself): an error acknowledgement,
        // and the voucher is refunded; --wait says so and exits 1.
        var refused = await XchainAsync(1, "transfer", "--node", b.Url, "--contract", transferB.ToString(), "--channel", "channel-0",
            "--denom", "channel-0/native", "--to", transferA.ToString(), "--amount", "400", "--key", holderKey, "--wait");
        Assert.Contains("result:   acknowledged with an error", refused, StringComparison.Ordinal);
        Assert.Contains("refunded 400 channel-0/native to " + holder.Address.ToString(), refused, StringComparison.OrdinalIgnoreCase);
        var voucher = JsonNode.Parse(await XchainAsync(0, "balance", "--node", b.Url, "--contract", transferB.ToString(),
            "--denom", "channel-0/native", "--holder", holder.Address.ToString(), "--json"))!;
        Assert.Equal("1000", (string?)voucher["balance"]);
        Assert.Equal("1000", (string?)voucher["supply"]);

        // 3. Sent home for real: burned on Hong Kong, released from Shanghai's escrow to the receiver.
        var receiverBefore = await a.BalanceAsync(homeReceiver);
        var back = await XchainAsync(0, "transfer", "--node", b.Url, "--contract", transferB.ToString(), "--channel", "channel-0",
            "--denom", "channel-0/native", "--to", homeReceiver.ToString(), "--amount", "300", "--key", holderKey, "--wait");
        Assert.Contains("result:   acknowledged", back, StringComparison.Ordinal);
        Assert.Equal(receiverBefore + new UInt256(300), await a.BalanceAsync(homeReceiver));
        Assert.Contains("balance:  700 channel-0/native", await XchainAsync(0, "balance", "--node", b.Url, "--contract", transferB.ToString(),
            "--denom", "channel-0/native", "--holder", holder.Address.ToString()), StringComparison.Ordinal);
        Assert.Contains("supply:   700 channel-0/native", await XchainAsync(0, "balance", "--node", b.Url, "--contract", transferB.ToString(),
            "--denom", "channel-0/native", "--holder", holder.Address.ToString()), StringComparison.Ordinal);

        // xchain packets: what each end sent and how it ended.
        var packetsB = JsonNode.Parse(await XchainAsync(0, "packets", "--node", b.Url, "--channel", "channel-0", "--json"))!["packets"]!.AsArray();
        Assert.Equal(new[] { "2:acknowledged", "1:acknowledged (error)" }, packetsB.Select(p => $"{p!["sequence"]}:{p["state"]}"));
        Assert.All(packetsB, p => Assert.NotEqual(0UL, (ulong)p!["timeout_timestamp"]!));
        var packetsA = await XchainAsync(0, "packets", "--node", a.Url, "--channel", "channel-0");
        Assert.Matches(@"│\s*1\s*│\s*acknowledged\s*│", packetsA);
        Assert.Contains("0 packet(s)", await XchainAsync(0, "packets", "--node", a.Url, "--channel", "channel-0", "--pending"), StringComparison.Ordinal);
        Assert.Contains("no channel 'channel-7'", await XchainAsync(1, "packets", "--node", a.Url, "--channel", "channel-7"), StringComparison.Ordinal);
        Assert.Contains("--counterparty serves chain 'shanghai', but the channel's counterparty is 'hongkong'",
            await XchainAsync(2, "packets", "--node", a.Url, "--channel", "channel-0", "--counterparty", a.Url), StringComparison.Ordinal);
        Assert.Contains("--limit must be 1 to 4096", await XchainAsync(2, "packets", "--node", a.Url, "--channel", "channel-0", "--limit", "0"), StringComparison.Ordinal);

        // The forgery: once the relayer is idle, a header Hong Kong never committed (its committed header with another
        // time), with a commit proof signed by Hong Kong's validator key, submitted to Shanghai's client by a third party.
        await WaitForAsync(() => Task.FromResult(relayer.Pending == 0), "the relayer to be idle", relayer);
        var trustedBefore = (await a.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "hongkong-client" })).Client.LatestHeight;
        await WaitForAsync(async () => (await b.Api.GetStatusAsync(new GetStatusRequest())).HeadHeight > trustedBefore + 4, "Hong Kong to move on", relayer);
        var forgedHeight = (await b.Api.GetStatusAsync(new GetStatusRequest())).HeadHeight - 2;
        var forged = await ForgeAsync(b, KeyFile.Load(hongkong.Home.ValidatorKeyFile), forgedHeight);
        using (var outsider = await ShanghaiChainClient.ConnectAsync(a.Url))
        {
            var receipt = await outsider.Account(shanghai.Accounts[2]).SendAndWaitAsync(CrossChainLayout.Address, UInt256.Zero,
                RelayMessages.UpdateClient("hongkong-client", forged), new TransactionOptions { GasLimit = 2_000_000 });
            Assert.True(receipt.Status == ReceiptStatus.Success, $"{receipt.Error}: {receipt.ErrorMessage}");
        }
        await WaitForAsync(async () => (await a.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "hongkong-client" })).Status == "frozen",
            "the relayer to freeze the client fed a forged header", relayer);
        // The chain shows the client frozen as soon as the evidence commits; the relayer says so once it has read its
        // receipt and the client's status (its metric moves with that line).
        await WaitForAsync(() => Task.FromResult(relayer.Log.Contains("MISBEHAVIOUR: froze client hongkong-client on shanghai", StringComparison.Ordinal)),
            "the relayer to report the freeze", relayer);
        Assert.Contains($"MISBEHAVIOUR: client hongkong-client on shanghai trusts header", relayer.Log, StringComparison.Ordinal);
        Assert.Contains("recovered from its calldata", relayer.Log, StringComparison.Ordinal);
        using (var http = new HttpClient())
        {
            var metrics = (await http.GetStringAsync($"http://{metricsAddress}/metrics")).Split('\n').Where(l => l.StartsWith("shanghaichain_relayer_misbehaviour", StringComparison.Ordinal)).ToList();
            output.WriteLine(string.Join('\n', metrics));
            Assert.Contains(metrics, l => l.Contains("outcome=\"frozen\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        }
        Assert.Contains("frozen", await XchainAsync(0, "clients", "--node", a.Url), StringComparison.Ordinal);

        // Packets on the path through the frozen client stop: sent from Hong Kong, never received on Shanghai. They time
        // out, proven from Shanghai's state through the path's other client (still active), and are refunded.
        var stuck = await XchainAsync(1, "transfer", "--node", b.Url, "--contract", transferB.ToString(), "--channel", "channel-0",
            "--denom", "channel-0/native", "--to", homeReceiver.ToString(), "--amount", "5", "--key", holderKey, "--timeout-seconds", "5", "--wait");
        Assert.Contains("packet 3", stuck, StringComparison.Ordinal);
        Assert.Contains("result:   timed out: not received in time; refunded 5 channel-0/native to " + holder.Address.ToString(), stuck, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("client 'hongkong-client' on 'shanghai' is frozen: the committee must recover it", relayer.Log, StringComparison.Ordinal);
        var onShanghai = await a.Relay.GetPacketStatesAsync(new GetPacketStatesRequest { ChannelId = "channel-0", Sequences = { 3 } });
        Assert.False(onShanghai.States[0].Received);
        Assert.Matches(@"│\s*3\s*│\s*timed out\s*│", await XchainAsync(0, "packets", "--node", b.Url, "--channel", "channel-0"));
        Assert.Contains("balance:  700 channel-0/native", await XchainAsync(0, "balance", "--node", b.Url, "--contract", transferB.ToString(),
            "--denom", "channel-0/native", "--holder", holder.Address.ToString()), StringComparison.Ordinal);
        Assert.False(relayer.HasExited);
    }

    /// <summary>Runs `shanghaichain xchain ...`, asserts its exit code, and returns its output (stdout, then stderr).</summary>
    private async Task<string> XchainAsync(int expectedExit, params string[] args)
    {
        var result = await NodeBinary.RunAsync(["xchain", .. args]);
        output.WriteLine($"$ shanghaichain xchain {string.Join(' ', args)}\n{result.Stdout}{result.Stderr}");
        Assert.True(result.ExitCode == expectedExit, $"exit {result.ExitCode}, expected {expectedExit}:\n{result.Stdout}{result.Stderr}");
        return result.Stdout + result.Stderr;
    }

    /// <summary>
    /// Hong Kong's committed header at <paramref name="height"/> with its time moved by 1 ms (another hash), and a commit
    /// proof for it: a child in the next round carrying a QC of it, and a QC of the child, signed by the validator key.
    /// </summary>
    private static async Task<LightClientUpdate> ForgeAsync(RelaySide chain, KeyFile validator, ulong height)
    {
        var block = await chain.Api.GetBlockAsync(new GetBlockRequest { Height = height });
        var forged = BlockHeader.Parser.ParseFrom(block.Block.Header);
        forged.TimestampMs += 1;
        var bytes = forged.ToByteString();
        var hash = validator.Suite.Hash(bytes.Span);
        var child = forged.Clone();
        child.Height = height + 1;
        child.Round = forged.Round + 1;
        child.ParentHash = hash.ToByteString();
        child.ParentQc = Certify(validator, chain.Id, forged.Epoch, height, forged.Round, hash);
        child.TimestampMs += 500;
        var childBytes = child.ToByteString();
        return new LightClientUpdate
        {
            Header = new CertifiedHeader
            {
                Header = bytes,
                Commit = new CommitProof
                {
                    Descendants = { childBytes },
                    Certificate = Certify(validator, chain.Id, forged.Epoch, height + 1, child.Round, validator.Suite.Hash(childBytes.Span)),
                },
            },
        };
    }

    private static QuorumCertificate Certify(KeyFile validator, string chainId, ulong epoch, ulong height, ulong round, Hash32 hash)
    {
        var message = new byte[ConsensusSignBytes.MaxLength];
        var length = ConsensusSignBytes.Vote(ConsensusSignBytes.EncodeChainId(chainId), epoch, round, height, hash, message);
        return new QuorumCertificate
        {
            Epoch = epoch,
            Round = round,
            Height = height,
            BlockHash = hash.ToByteString(),
            Signatures = { new ValidatorSignature { ValidatorIndex = 0, Signature = ByteString.CopyFrom(validator.Sign(SigningDomain.Vote, message.AsSpan(0, length))) } },
        };
    }
}
