using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// Tells the node's own failures from a client's departure. A call whose client went away (a deadline it gave up on,
/// a reset stream, a peer paused or shut down) ends as CANCELLED without an error line; any other exception a handler
/// throws is logged as an error of that method and ends the call as gRPC would (UNKNOWN). The framework's own
/// "Error when executing service method" line is filtered in the host: it fires for clients that reset a request while
/// the server reads it, before any handler runs, which is not the node's failure (issue 20).
/// </summary>
public sealed class CallFailureInterceptor(ILogger<CallFailureInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    private RpcException Translate(Exception ex, ServerCallContext context)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            // The client is gone (or the node is stopping): no one is waiting for an answer, and nothing failed here.
            return new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"), ex.Message);
        }
        logger.LogError(ex, "call {Method} failed", context.Method);
        return new RpcException(new Status(StatusCode.Unknown, "the node failed to handle the call"), ex.Message);
    }
}
