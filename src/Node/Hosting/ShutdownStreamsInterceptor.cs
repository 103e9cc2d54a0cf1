using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http.Features;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// Ends the server's long-lived streaming calls (peer links, block and event subscriptions, transaction streams) as
/// soon as the node begins to stop. Without it the server's graceful shutdown waits for them until the host's shutdown
/// timeout (30 s): peers that keep their links open would keep a stopping node alive, still writing its files.
/// Clients see the stream end with UNAVAILABLE and reconnect elsewhere or later.
/// </summary>
public sealed class ShutdownStreamsInterceptor(IHostApplicationLifetime lifetime) : Interceptor
{
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stopping = AbortWhenStopping(context);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stopping = AbortWhenStopping(context);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stopping = AbortWhenStopping(context);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    // HTTP/2 REFUSED_STREAM: gRPC clients read it as UNAVAILABLE (retry elsewhere or later, resume a subscription),
    // where a plain abort reads as INTERNAL. A reset carries no trailers, hence no shc-reason.
    private const int RefusedStream = 0x7;

    // Resetting the HTTP/2 stream cancels the call's token, which every streaming handler of the node observes.
    private CancellationTokenRegistration AbortWhenStopping(ServerCallContext context) =>
        lifetime.ApplicationStopping.Register(static state =>
        {
            var http = ((ServerCallContext)state!).GetHttpContext();
            if (http.Features.Get<IHttpResetFeature>() is { } reset)
            {
                reset.Reset(RefusedStream);
            }
            else
            {
                http.Abort();
            }
        }, context);
}
