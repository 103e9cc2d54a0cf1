using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// A node without a validator key follows the chain over the peer port (mutual TLS, identities bound to admitted
/// node keys): it verifies and executes every block and ends up with the same blocks and state roots.
/// </summary>
public sealed class BlockSyncTests
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000f0");

    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public async Task An_admitted_follower_syncs_and_agrees_on_every_block_hash_and_state_root(string suiteName)
    {
        using var chain = new TestChain(CryptoSuite.FromName(suiteName), fundedAccounts: 1, emptyBlockIntervalMs: 100);
        var follower = chain.AddFollower(admitted: true);
        await using var validator = await chain.StartAsync();
        using var validatorClient = new ApiClient(validator.Url);
        var key = chain.Accounts[0];
        for (ulong nonce = 0; nonce < 5; nonce++)
        {
            var tx = await validatorClient.SignTransferAsync(key, Recipient, 10 + nonce, nonce);
            await validatorClient.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) });
        }
        var target = (await validatorClient.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight + 3;
        await WaitForHeightAsync(validatorClient, target);

        await using var followerNode = await chain.StartFollowerAsync(follower);
        using var followerClient = new ApiClient(follower.Url);
        await WaitForHeightAsync(followerClient, target, followerNode);

        for (ulong height = 1; height <= target; height++)
        {
            var expected = await validatorClient.Chain.GetBlockAsync(new GetBlockRequest { Height = height });
            var actual = await followerClient.Chain.GetBlockAsync(new GetBlockRequest { Height = height });
            Assert.Equal(expected.BlockHash, actual.BlockHash);
            Assert.Equal(expected.Header.StateRootOfParent, actual.Header.StateRootOfParent);
        }
        Assert.Equal(await validatorClient.BalanceOfAsync(Recipient), await followerClient.BalanceOfAsync(Recipient));

        // It keeps following live blocks, and refuses submissions it could not pass on.
        await WaitForHeightAsync(followerClient, target + 3, followerNode);
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await followerClient.Chain.SubmitTransactionAsync(
            new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(await followerClient.SignTransferAsync(key, Recipient, 1, 5)) }));
        Assert.Equal("NOT_A_VALIDATOR", refused.Trailers.GetValue("shc-reason"));
    }

    [Fact]
    public async Task A_node_whose_key_is_not_admitted_is_refused_and_learns_nothing()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 100);
        var stranger = chain.AddFollower(admitted: false);
        await using var validator = await chain.StartAsync();
        await using var strangerNode = await chain.StartFollowerAsync(stranger);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!validator.Log.Contains("refused peer", StringComparison.Ordinal))
        {
            await Task.Delay(NodeBinary.PollInterval, timeout.Token);
        }
        Assert.Contains("is not admitted", validator.Log, StringComparison.Ordinal);
        using var strangerClient = new ApiClient(stranger.Url);
        Assert.Equal(0UL, (await strangerClient.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight);
    }

    private static async Task WaitForHeightAsync(ApiClient client, ulong height, NodeProcess? node = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while ((await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: timeout.Token)).HeadHeight < height)
            {
                await Task.Delay(NodeBinary.PollInterval, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"height {height} not reached:\n{node?.Log}");
        }
    }
}
