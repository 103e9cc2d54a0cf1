using Grpc.Core;
using ShanghaiChain.Chain.Snapshots;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// One peer as a source of snapshots for <see cref="StateSync"/>: ListSnapshots, GetSnapshotManifest and
/// GetSnapshotChunk over the peer port (mutual TLS, the server's identity checked on every call). What it sends is
/// checked by the state sync (manifest, certificate, every chunk's hash, the rebuilt root); a peer found sending a bad
/// chunk or manifest is dropped for the rest of the sync and its connection closed (the sync runs before the node's
/// peer network, so there is no score to lower yet).
/// </summary>
public sealed class PeerSnapshotSource(Uri url, PeerClients clients) : ISnapshotSource
{
    private PeerClient? _last;

    public string Name => $"peer {url}";

    public async Task<IReadOnlyList<SnapshotOfferInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var client = Client();
        using var call = client.Client.ListSnapshotsAsync(new ListSnapshotsRequest(), client.Headers, cancellationToken: cancellationToken);
        client.VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
        var response = await call.ResponseAsync.ConfigureAwait(false);
        // Offers are only hints (the manifest is checked); malformed ones are ignored.
        return [.. response.Snapshots.Where(s => s.StateRoot.Length == Hash32.Size && s.ChunkCount > 0)
            .Take(SnapshotCatalogue.MaxOffered)
            .Select(s => new SnapshotOfferInfo(s.Height, new Hash32(s.StateRoot.Span), (int)s.ChunkCount))];
    }

    public async Task<byte[]> GetManifestAsync(ulong height, CancellationToken cancellationToken)
    {
        var client = Client();
        using var call = client.Client.GetSnapshotManifestAsync(new GetSnapshotManifestRequest { Height = height }, client.Headers, cancellationToken: cancellationToken);
        client.VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
        var bytes = (await call.ResponseAsync.ConfigureAwait(false)).Manifest;
        return bytes.Length <= SnapshotManifests.MaxBytes ? bytes.ToByteArray() : throw new SnapshotException($"{Name} sent a manifest of {bytes.Length} bytes");
    }

    public async Task<byte[]> GetChunkAsync(ulong height, int index, CancellationToken cancellationToken)
    {
        var client = Client();
        using var call = client.Client.GetSnapshotChunkAsync(new GetSnapshotChunkRequest { Height = height, Index = (uint)index }, client.Headers,
            cancellationToken: cancellationToken);
        client.VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
        return (await call.ResponseAsync.ConfigureAwait(false)).Chunk.ToByteArray();
    }

    public void Failed(Exception error)
    {
        if (_last is { } client)
        {
            // Closes the connection (a later dial starts afresh) whatever the failure.
            clients.Failed(client, error is RpcException ? error : new PeerRefusedException(error.Message));
        }
    }

    private PeerClient Client() => _last = clients.For(url);
}
