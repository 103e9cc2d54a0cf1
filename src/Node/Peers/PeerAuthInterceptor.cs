using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Authenticates every call on the peer service before it runs: the caller's TLS certificate must be bound to an
/// admitted node key. Answers with this node's own identity in the response headers so the caller can check it too.
/// </summary>
public sealed class PeerAuthInterceptor(PeerAdmission admission, PeerCertificate own, ILogger<PeerAuthInterceptor> logger) : Interceptor
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

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (!admission.Check(context.RequestHeaders, certificate, out var identity, out var reason))
        {
            logger.LogWarning("refused peer {Peer}: {Reason}", context.Peer, reason);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "not an admitted node: " + reason));
        }
        await context.WriteResponseHeadersAsync(new Metadata
        {
            { PeerCertificate.KeyHeader, own.IdentityHex },
            { PeerCertificate.BindingHeader, Core.Primitives.Hex.Encode(own.Binding) },
        }).ConfigureAwait(false);
        logger.LogDebug("peer {Identity} at {Peer} authenticated", identity, context.Peer);
    }
}
