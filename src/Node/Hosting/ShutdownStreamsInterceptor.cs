using Grpc.Core;
using Grpc.Core.Interceptors;
using ShanghaiChain.Node.Api;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// Ends the server's long-lived streaming calls (peer links, block and event subscriptions, transaction streams) as
/// soon as the node begins to stop, with a status clients can act on: UNAVAILABLE and the reason NODE_STOPPING, so a
/// client that retries UNAVAILABLE reconnects (elsewhere or later). Without it the server's graceful shutdown waits for
/// the streams until the host's shutdown timeout (30 s), and aborting them instead resets the HTTP/2 stream, which
/// clients see as INTERNAL without a reason.
/// A call the client cancelled (it went away, or cancelled a subscription) ends quietly: that is normal use, not an
/// error worth a log line.
/// </summary>
public sealed class ShutdownStreamsInterceptor(IHostApplicationLifetime lifetime) : Interceptor
{
    public const string StoppingReason = "NODE_STOPPING";

    /// <summary>How long a handler gets to notice the stop before its stream is reset the hard way.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        // Unary calls can wait too (WaitForReceipt): they end the same way when the node stops.
        TResponse? response = default;
        await RunAsync(context, async c => response = await continuation(request, c).ConfigureAwait(false), answers: true).ConfigureAwait(false);
        return response!;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, c => continuation(request, new StopAwareWriter<TResponse>(responseStream, c, context, lifetime.ApplicationStopping), c));

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        TResponse? response = default;
        await RunAsync(context, async c => response = await continuation(requestStream, c).ConfigureAwait(false), answers: true).ConfigureAwait(false);
        return response!;
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, c => continuation(requestStream, new StopAwareWriter<TResponse>(responseStream, c, context, lifetime.ApplicationStopping), c));

    /// <param name="answers">The call ends with one response (unary, client streaming): one the handler produced is
    /// sent even while the node stops. A stream that ends during a stop ended because of it.</param>
    private async Task RunAsync(ServerCallContext context, Func<ServerCallContext, Task> handler, bool answers = false)
    {
        using var stoppable = new StoppableCallContext(context, lifetime.ApplicationStopping);
        // A handler that ignores its token is reset after the grace period, so a stopping node never waits for it.
        using var reset = lifetime.ApplicationStopping.Register(static state =>
        {
            var call = (ServerCallContext)state!;
            _ = Task.Delay(Grace).ContinueWith(_ => call.GetHttpContext().Abort(), TaskScheduler.Default);
        }, context);
        try
        {
            await handler(stoppable).ConfigureAwait(false);
        }
        catch (Exception ex) when (lifetime.ApplicationStopping.IsCancellationRequested && ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // Checked first: while the server stops, the connection's own token may be cancelled too, and the client is
            // still there to be told why.
            throw Stopping();
        }
        catch (Exception ex) when (context.CancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client cancelled or disconnected: there is nobody to answer, and nothing to log.
            throw new RpcException(new Status(StatusCode.Cancelled, "the client cancelled the call"));
        }
        if (!answers && lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // The handler ended because the node is stopping (it saw its token and returned): say so, not "OK".
            throw Stopping();
        }
    }

    /// <summary>
    /// The response stream as the handler sees it. A handler passes its call's token to WriteAsync, and that token now
    /// also ends when the node stops; but gRPC's writer answers a cancelled write token by resetting the HTTP/2 stream
    /// (RST_STREAM CANCEL), which would take the NODE_STOPPING trailers with it. So a write in flight when the stop
    /// begins is given the client's own token (it finishes, or the grace-period reset ends it), and a write that starts
    /// after the stop fails here with OperationCanceledException, which RunAsync turns into UNAVAILABLE NODE_STOPPING.
    /// </summary>
    private sealed class StopAwareWriter<T>(IServerStreamWriter<T> inner, ServerCallContext stoppable, ServerCallContext call,
        CancellationToken stopping) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            stopping.ThrowIfCancellationRequested();
            return inner.WriteAsync(message, cancellationToken == stoppable.CancellationToken ? call.CancellationToken : cancellationToken);
        }
    }

    private static RpcException Stopping() =>
        ApiErrors.Create(StatusCode.Unavailable, StoppingReason, "the node is stopping; reconnect to it later or to another node");

    /// <summary>
    /// The call as the handler sees it: everything of the real call, with a token that also ends when the node stops.
    /// The HTTP context stays reachable (GetHttpContext looks for it in UserState), so interceptors after this one and
    /// the handlers read the client certificate and the peer's identity as before.
    /// </summary>
    private sealed class StoppableCallContext : ServerCallContext, IDisposable
    {
        private const string HttpContextKey = "__HttpContext";
        private readonly ServerCallContext _inner;
        private readonly CancellationTokenSource _linked;

        public StoppableCallContext(ServerCallContext inner, CancellationToken stopping)
        {
            _inner = inner;
            _linked = CancellationTokenSource.CreateLinkedTokenSource(inner.CancellationToken, stopping);
            if (!inner.UserState.ContainsKey(HttpContextKey))
            {
                inner.UserState[HttpContextKey] = inner.GetHttpContext();
            }
        }

        protected override string MethodCore => _inner.Method;

        protected override string HostCore => _inner.Host;

        protected override string PeerCore => _inner.Peer;

        protected override DateTime DeadlineCore => _inner.Deadline;

        protected override Metadata RequestHeadersCore => _inner.RequestHeaders;

        protected override CancellationToken CancellationTokenCore => _linked.Token;

        protected override Metadata ResponseTrailersCore => _inner.ResponseTrailers;

        protected override Status StatusCore
        {
            get => _inner.Status;
            set => _inner.Status = value;
        }

        protected override WriteOptions? WriteOptionsCore
        {
            get => _inner.WriteOptions;
            set => _inner.WriteOptions = value;
        }

        protected override AuthContext AuthContextCore => _inner.AuthContext;

        protected override IDictionary<object, object> UserStateCore => _inner.UserState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            _inner.CreatePropagationToken(options);

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => _inner.WriteResponseHeadersAsync(responseHeaders);

        public void Dispose() => _linked.Dispose();
    }
}
