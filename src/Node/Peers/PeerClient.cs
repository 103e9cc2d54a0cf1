using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// A connection to one peer over mutually authenticated TLS, long-lived and shared through <see cref="PeerClients"/>. The peer's certificate is accepted by TLS and then
/// checked at the application level: its identity, sent in the response headers, must be admitted and must sign the
/// certificate the connection saw. Nothing the peer sends is used before that check.
/// </summary>
public sealed class PeerClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly PeerCertificate _own;
    private readonly PeerAdmission _admission;
    private readonly Uri _url;
    private X509Certificate? _serverCertificate;
    private int _connectionsOpened;

    public PeerClient(Uri url, PeerCertificate own, PeerAdmission admission)
    {
        _url = url;
        _own = own;
        _admission = admission;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [own.Certificate],
                // Self-signed by design: the certificate is authenticated by its binding to an admitted node key below.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    Interlocked.Increment(ref _connectionsOpened);
                    _serverCertificate = certificate is null ? null : new X509Certificate2(certificate);
                    return certificate is not null;
                },
            },
            PooledConnectionIdleTimeout = System.Threading.Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        };
        _channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 * 1024 * 1024 });
        Client = new PeerService.PeerServiceClient(_channel);
    }

    public PeerService.PeerServiceClient Client { get; }

    public Uri Url => _url;

    /// <summary>TLS connections this client has opened (one per handshake); a reused client opens one.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    /// <summary>Identity headers every call carries.</summary>
    public Metadata Headers => new()
    {
        { PeerCertificate.KeyHeader, _own.IdentityHex },
        { PeerCertificate.BindingHeader, Hex.Encode(_own.Binding) },
    };

    /// <summary>
    /// Throws unless the response headers prove the server is an admitted node bound to the TLS certificate seen;
    /// returns its identity (node key, hex).
    /// </summary>
    public string VerifyServer(Metadata responseHeaders)
    {
        if (!_admission.Check(responseHeaders, _serverCertificate, out var identity, out var reason))
        {
            throw new PeerRefusedException($"peer {_url} is not an admitted node: {reason}");
        }
        return identity;
    }

    public async Task<PeerStatus> GetStatusAsync(CancellationToken cancel)
    {
        using var call = Client.GetPeerStatusAsync(new PeerStatusRequest(), Headers, cancellationToken: cancel);
        var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
        if (!_admission.Check(headers, _serverCertificate, out _, out _))
        {
            // A server that refused the call (e.g. PERMISSION_DENIED) sends no identity: surface its status first.
            await call.ResponseAsync.ConfigureAwait(false);
        }
        ServerIdentity = VerifyServer(headers);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>The server's node identity once a call has verified it.</summary>
    public string? ServerIdentity { get; private set; }

    /// <summary>A block by hash, committed or pending at the peer; null when the peer does not know it.</summary>
    public async Task<Block?> GetBlockByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancel)
    {
        using var call = Client.GetBlockByHashAsync(new GetBlockByHashRequest { BlockHash = Google.Protobuf.ByteString.CopyFrom(hash.Span) }, Headers, cancellationToken: cancel);
        ServerIdentity = VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
        return (await call.ResponseAsync.ConfigureAwait(false)).Block;
    }

    public void Dispose() => _channel.Dispose();
}

/// <summary>A peer failed authentication or sent something invalid; the connection is dropped.</summary>
public sealed class PeerRefusedException(string message) : Exception(message);
