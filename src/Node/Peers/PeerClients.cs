using System.Collections.Concurrent;
using Grpc.Core;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// One long-lived <see cref="PeerClient"/> per peer URL, shared by the consensus link, block fetches by hash, catch-up
/// and block sync: their calls are HTTP/2 streams on one TLS connection instead of a handshake each. A client whose
/// call failed on the transport (or whose server failed authentication) is dropped and disposed, so the next call
/// dials afresh; the host disposes every client at shutdown.
/// </summary>
public sealed class PeerClients(PeerCertificate own, PeerAdmission admission) : IDisposable
{
    private readonly ConcurrentDictionary<Uri, PeerClient> _clients = new();
    private volatile bool _disposed;

    /// <summary>The client for <paramref name="url"/>, created on first use.</summary>
    public PeerClient For(Uri url)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_clients.TryGetValue(url, out var client))
        {
            return client;
        }
        var created = new PeerClient(url, own, admission);
        client = _clients.GetOrAdd(url, created);
        if (!ReferenceEquals(client, created))
        {
            created.Dispose();
        }
        else if (_disposed && _clients.TryRemove(new(url, created)))
        {
            // Lost a race with Dispose: never leave a client behind it.
            created.Dispose();
            throw new ObjectDisposedException(nameof(PeerClients));
        }
        return client;
    }

    /// <summary>
    /// Reports that a call on <paramref name="client"/> failed with <paramref name="error"/>. A failure of the connection
    /// or of the server's authentication drops the client (if it is still the current one), so the next
    /// <see cref="For"/> dials a new connection; a refusal, a missing block or a timeout of our own keeps it.
    /// Returns whether the client was dropped.
    /// </summary>
    public bool Failed(PeerClient client, Exception error)
    {
        if (!IsConnectionFailure(error) || !_clients.TryRemove(new(client.Url, client)))
        {
            return false;
        }
        // Calls still running on it (the consensus link, say) end with an error and their callers ask again.
        client.Dispose();
        return true;
    }

    /// <summary>Errors that say the connection (or who is at the other end) is not usable any more.</summary>
    public static bool IsConnectionFailure(Exception error) => error switch
    {
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown,
        PeerRefusedException or HttpRequestException or IOException => true,
        _ => false,
    };

    public void Dispose()
    {
        _disposed = true;
        foreach (var url in _clients.Keys)
        {
            if (_clients.TryRemove(url, out var client))
            {
                client.Dispose();
            }
        }
    }
}
