using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Authenticates every call on the peer service before it runs: the caller's TLS certificate must be bound to an
/// admitted node key. Answers with this node's own identity in the response headers so the caller can check it too.
/// </summary>
public sealed class PeerAuthInterceptor(PeerAdmission admission, PeerCertificate own, PeerScores scores, ILogger<PeerAuthInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    /// <summary>The authenticated node identity (hex node key) of the caller, set before any handler runs.</summary>
    public static string IdentityOf(ServerCallContext context) =>
        context.UserState.TryGetValue(IdentityKey, out var identity) ? (string)identity : throw new InvalidOperationException("call was not authenticated");

    private const string IdentityKey = "shc-peer-identity";

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (!admission.Check(context.RequestHeaders, certificate, out var identity, out var reason))
        {
            logger.LogWarning("refused peer {Peer}: {Reason}", context.Peer, reason);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "not an admitted node: " + reason));
        }
        if (scores.IsBanned(identity, out var until))
        {
            logger.LogWarning("refused peer {Identity}: banned until {Until:O} for invalid messages", identity, until);
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"banned until {until:O} for sending invalid messages"));
        }
        context.UserState[IdentityKey] = identity;
        await context.WriteResponseHeadersAsync(new Metadata
        {
            { PeerCertificate.KeyHeader, own.IdentityHex },
            { PeerCertificate.BindingHeader, Core.Primitives.Hex.Encode(own.Binding) },
        }).ConfigureAwait(false);
        logger.LogDebug("peer {Identity} at {Peer} authenticated", identity, context.Peer);
    }
}
