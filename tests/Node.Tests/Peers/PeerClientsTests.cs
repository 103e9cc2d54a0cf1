using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.Node.Tests.Integration;

namespace ShanghaiChain.Node.Tests.Peers;

/// <summary>The shared peer clients against a real node process: one TLS connection reused, a new one after a failure.</summary>
[Collection("network")]
public sealed class PeerClientsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Calls_to_a_peer_share_one_connection_a_failed_one_is_replaced_and_dispose_closes_them_all()
    {
        await using var net = new TestNetwork(validators: 1, spareNodes: 1);
        await net.StartAsync(0);
        await net.WaitForHeightAsync([0], 2, Patience);
        var genesis = GenesisFile.Load(net.Homes[0].GenesisFile);
        using var identity = PeerCertificate.Create(KeyFile.Load(net.Homes[1].NodeKeyFile), genesis.ChainId);
        var clients = new PeerClients(identity, new PeerAdmission(genesis));
        var url = new Uri($"https://{net.ConfigOf(0).P2pListen}");

        // Status and block fetches, several times over: one client, one TLS handshake.
        var client = clients.For(url);
        for (ulong height = 1; height <= 2; height++)
        {
            Assert.Equal(genesis.ChainId, (await client.GetStatusAsync(CancellationToken.None)).ChainId);
            var committed = await net.BlockAsync(0, height);
            var fetched = await clients.For(url).GetBlockByHashAsync(committed.BlockHash.Memory, CancellationToken.None);
            Assert.Equal(committed.Block.Header, fetched!.Header);
        }
        Assert.Same(client, clients.For(url));
        Assert.Equal(1, client.ConnectionsOpened);

        // A block the peer does not know and a timeout of our own are not failures of the connection.
        Assert.Null(await client.GetBlockByHashAsync(new byte[32], CancellationToken.None));
        Assert.False(clients.Failed(client, new OperationCanceledException()));
        Assert.Same(client, clients.For(url));

        // The peer goes away: the call fails on the transport, the client is dropped and disposed.
        await net.KillAsync(0);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => client.GetStatusAsync(CancellationToken.None));
        Assert.True(PeerClients.IsConnectionFailure(failure), failure.ToString());
        Assert.True(clients.Failed(client, failure));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetStatusAsync(CancellationToken.None));

        // Back up, the next call dials a new connection.
        await net.StartAsync(0);
        var replacement = clients.For(url);
        Assert.NotSame(client, replacement);
        Assert.Equal(genesis.ChainId, (await replacement.GetStatusAsync(CancellationToken.None)).ChainId);
        Assert.Equal(1, replacement.ConnectionsOpened);

        clients.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => replacement.GetStatusAsync(CancellationToken.None));
        Assert.Throws<ObjectDisposedException>(() => clients.For(url));
    }
}
