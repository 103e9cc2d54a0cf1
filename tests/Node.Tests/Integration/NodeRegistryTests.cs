using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The on-chain node registry drives peer admission live, with real processes: a stranger's node is refused, admitted
/// by a committee decision it connects and syncs with nobody restarting anything, and revoked it is disconnected and
/// refused again. Also across a restart: the validator admits by the registry in its state, not by genesis.
/// </summary>
public sealed class NodeRegistryTests
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000f1");

    [Fact]
    public async Task A_node_admitted_by_vote_connects_and_syncs_without_restarts_and_a_revoked_one_is_disconnected_and_refused()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 1, emptyBlockIntervalMs: 100);
        var shipping = chain.AddFollower(admitted: false);
        var shippingKey = KeyFile.Load(shipping.Home.NodeKeyFile);
        await using var validator = await chain.StartAsync();
        await using var shippingNode = await chain.StartFollowerAsync(shipping);
        using var validatorClient = new ApiClient(validator.Url);
        using var shippingClient = new ApiClient(shipping.Url);
        await WaitForLogAsync(validator, "is not admitted");
        Assert.Equal(0UL, await HeightAsync(shippingClient));

        var admit = await NodeBinary.RunAsync("nodes", "admit", "--public-key", Hex.Encode(shippingKey.PublicKey), "--name", "shipping-1",
            "--key", chain.Home.OperatorKeyFile, "--node", validator.Url);
        Assert.True(admit.ExitCode == 0, admit.Stdout + admit.Stderr);
        Assert.Contains("status:    executed", admit.Stdout, StringComparison.Ordinal);
        // It connects on its own next dial and follows the chain, transfers included.
        var tx = await validatorClient.SignTransferAsync(chain.Accounts[0], Recipient, 7, 0);
        await validatorClient.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) });
        var target = await HeightAsync(validatorClient) + 2;
        await WaitForAsync(async () => await HeightAsync(shippingClient) >= target, "the admitted node to sync", shippingNode);
        Assert.Equal(await validatorClient.BalanceOfAsync(Recipient), await shippingClient.BalanceOfAsync(Recipient));

        var revoke = await NodeBinary.RunAsync("nodes", "revoke", "--public-key", Hex.Encode(shippingKey.PublicKey),
            "--key", chain.Home.OperatorKeyFile, "--node", validator.Url);
        Assert.True(revoke.ExitCode == 0, revoke.Stdout + revoke.Stderr);
        var revokedAt = ulong.Parse(System.Text.RegularExpressions.Regex.Match(revoke.Stdout, @"block:\s+(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await WaitForLogAsync(validator, "its node key is no longer admitted");
        // From here on it learns nothing more: its head stops within a block or two of the decision (the block the
        // decision is in may already be on its way) while the chain goes on.
        await WaitForAsync(async () => await HeightAsync(validatorClient) > revokedAt + 10, "the chain to go on", validator);
        var stopped = await HeightAsync(shippingClient);
        Assert.True(stopped <= revokedAt + 2, $"the revoked node reached {stopped}, the decision committed at {revokedAt}\n{validator.Log}\n-----\n{shippingNode.Log}");
        await WaitForAsync(() => Task.FromResult(CountOf(validator.Log, "is not admitted") >= 2), "its reconnection to be refused", validator);
        Assert.Equal(stopped, await HeightAsync(shippingClient));
        Assert.Empty((await validatorClient.Chain.ListPeersAsync(new ListPeersRequest())).Peers);
    }

    [Fact]
    public async Task A_revoked_node_is_disconnected_and_refused_by_every_validator_of_a_four_validator_network()
    {
        await using var net = new TestNetwork(validators: 4, spareNodes: 1, emptyBlockIntervalMs: 100);
        var spareKey = Hex.Encode(KeyFile.Load(net.Homes[4].NodeKeyFile).PublicKey);
        await net.StartAllValidatorsAsync();
        await net.StartAsync(4);
        await net.WaitForHeightAsync([0, 1, 2, 3, 4], 3, TimeSpan.FromSeconds(90));
        for (var v = 0; v < 4; v++)
        {
            using var client = new ApiClient(net.UrlOf(v));
            var index = v;
            await WaitForAsync(async () => (await client.Chain.ListPeersAsync(new ListPeersRequest())).Peers.Any(p => p.NodeKey == spareKey),
                $"validator {index} to list the organisation's node as a peer", net[v]!);
        }

        var revoke = await NodeBinary.RunAsync("nodes", "revoke", "--public-key", net.Homes[4].NodeKeyFile, "--key", net.OperatorKeyFile, "--node", net.UrlOf(1));
        Assert.True(revoke.ExitCode == 0, revoke.Stdout + revoke.Stderr);
        var revokedAt = ulong.Parse(System.Text.RegularExpressions.Regex.Match(revoke.Stdout, @"block:\s+(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // Every validator drops it from its peers and refuses it when it dials again, while the chain goes on.
        await net.WaitForHeightAsync([0, 1, 2, 3], revokedAt + 10, TimeSpan.FromSeconds(90));
        for (var v = 0; v < 4; v++)
        {
            using var client = new ApiClient(net.UrlOf(v));
            var index = v;
            await WaitForAsync(async () => (await client.Chain.ListPeersAsync(new ListPeersRequest())).Peers.All(p => p.NodeKey != spareKey),
                $"validator {index} to drop the revoked node", net[v]!);
            await WaitForLogAsync(net[v]!, $"node key {spareKey} is not admitted");
        }
        var stopped = await net.HeightOfAsync(4);
        Assert.True(stopped <= revokedAt + 2, $"the revoked node reached {stopped}, the decision committed at {revokedAt}");
        await net.WaitForHeightAsync([0], revokedAt + 20, TimeSpan.FromSeconds(90));
        Assert.Equal(stopped, await net.HeightOfAsync(4));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static async Task<ulong> HeightAsync(ApiClient client) => (await client.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight;

    private static Task WaitForLogAsync(NodeProcess node, string text) =>
        WaitForAsync(() => Task.FromResult(node.Log.Contains(text, StringComparison.Ordinal)), $"'{text}' in the log", node);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, NodeProcess node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited 60 s for {what}:\n{node.Log}");
            }
            await Task.Delay(NodeBinary.PollInterval);
        }
    }
}
