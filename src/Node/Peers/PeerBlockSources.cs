using System.Runtime.CompilerServices;
using Grpc.Core;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Node.Config;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>The configured peers as sources of committed blocks for <see cref="BlockSync"/>.</summary>
public sealed class PeerBlockSources(NodeConfig config, PeerClients clients, PeerCertificate own) : IBlockSources
{
    public IReadOnlyList<IBlockSource> Sources { get; } = [.. config.PeerUrls.Select(url => new PeerBlockSource(url, clients, own))];
}

/// <summary>
/// One peer as a block source: its status and its GetBlocks stream over the peer port (mutual TLS, the server's identity
/// checked on every call). Transport failures surface as <see cref="BlockSourceException"/>; the blocks themselves are
/// verified by <see cref="BlockSync"/>.
/// </summary>
public sealed class PeerBlockSource(Uri url, PeerClients clients, PeerCertificate own) : IBlockSource
{
    private PeerClient? _last;

    public string Name => $"peer {url}";

    public async Task<BlockSourceStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var client = Client();
        try
        {
            var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            return new BlockSourceStatus(status.ChainId, status.GenesisHash.Memory, status.HeadHeight, client.ServerIdentity == own.IdentityHex);
        }
        catch (Exception ex) when (PeerFailures.IsPeerFailure(ex))
        {
            throw new BlockSourceException($"{Name}: {ex.Message}", ex);
        }
    }

    public async IAsyncEnumerable<CommittedBlock> GetBlocksAsync(ulong fromHeight, uint maxBlocks, bool follow,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = Client();
        AsyncServerStreamingCall<CommittedBlock> call;
        try
        {
            call = client.Client.GetBlocks(new GetBlocksRequest { FromHeight = fromHeight, MaxBlocks = maxBlocks, Follow = follow }, client.Headers,
                cancellationToken: cancellationToken);
            client.VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
        }
        catch (Exception ex) when (PeerFailures.IsPeerFailure(ex))
        {
            throw new BlockSourceException($"{Name}: {ex.Message}", ex);
        }
        using (call)
        {
            while (true)
            {
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (PeerFailures.IsPeerFailure(ex))
                {
                    throw new BlockSourceException($"{Name}: {ex.Message}", ex);
                }
                yield return call.ResponseStream.Current;
            }
        }
    }

    public void Failed(Exception error)
    {
        if (_last is { } client)
        {
            clients.Failed(client, error.InnerException ?? error);
        }
    }

    private PeerClient Client() => _last = clients.For(url);
}
