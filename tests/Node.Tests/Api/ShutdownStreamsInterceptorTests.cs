using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using ShanghaiChain.Node.Api;
using ShanghaiChain.Node.Hosting;

namespace ShanghaiChain.Node.Tests.Api;

/// <summary>
/// A node that stops ends its open streams with UNAVAILABLE NODE_STOPPING, never with a reset: gRPC's writer resets the
/// HTTP/2 stream (RST_STREAM CANCEL, the client sees CANCELLED without a reason) when the token given to a write is
/// cancelled, so the stop must not reach a write through the handler's token. Seen once in CI: a block committed
/// just as the node stopped, its write was under way, and the subscriber got CANCELLED.
/// </summary>
public sealed class ShutdownStreamsInterceptorTests
{
    [Fact]
    public async Task A_write_in_flight_when_the_node_stops_keeps_the_clients_token_and_the_stream_ends_unavailable()
    {
        var lifetime = new Lifetime();
        var call = new FakeCall();
        var writer = new RecordingWriter();
        var interceptor = new ShutdownStreamsInterceptor(lifetime);
        var writing = new TaskCompletionSource();

        var handler = interceptor.ServerStreamingServerHandler<string, string>("", writer, call, async (_, stream, context) =>
        {
            await stream.WriteAsync("1", context.CancellationToken);
            writing.SetResult();
            // The second write is the one in flight when the stop begins.
            await stream.WriteAsync("2", context.CancellationToken);
            await stream.WriteAsync("3", context.CancellationToken);
        });
        await writing.Task;
        await lifetime.StopAsync();
        writer.ReleaseOne();

        var ended = await Assert.ThrowsAsync<RpcException>(() => handler);
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Equal(ShutdownStreamsInterceptor.StoppingReason, ended.Trailers.GetValue(ApiErrors.ReasonTrailer));
        // Both writes that started reached the stream with the client's own token, which the stop did not cancel.
        Assert.Equal(["1", "2"], writer.Written);
        Assert.All(writer.Tokens, t => Assert.Equal(call.ClientToken, t));
        Assert.DoesNotContain(writer.Tokens, t => t.IsCancellationRequested);
    }

    [Fact]
    public async Task A_client_that_cancels_ends_its_stream_cancelled_and_quietly()
    {
        var lifetime = new Lifetime();
        var call = new FakeCall();
        var interceptor = new ShutdownStreamsInterceptor(lifetime);
        var handler = interceptor.ServerStreamingServerHandler<string, string>("", new RecordingWriter(), call, async (_, _, context) =>
            await Task.Delay(Timeout.Infinite, context.CancellationToken));
        await call.ClientCancels();
        var ended = await Assert.ThrowsAsync<RpcException>(() => handler);
        Assert.Equal(StatusCode.Cancelled, ended.StatusCode);
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public Task StopAsync() => _stopping.CancelAsync();
    }

    /// <summary>Holds every write after the first until released, like a stream whose peer reads slowly.</summary>
    private sealed class RecordingWriter : IServerStreamWriter<string>
    {
        private readonly SemaphoreSlim _release = new(0);

        public List<string> Written { get; } = [];

        public List<CancellationToken> Tokens { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(string message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(string message, CancellationToken cancellationToken)
        {
            Written.Add(message);
            Tokens.Add(cancellationToken);
            if (Written.Count > 1)
            {
                await _release.WaitAsync(cancellationToken);
            }
        }

        public void ReleaseOne() => _release.Release();
    }

    private sealed class FakeCall : ServerCallContext
    {
        private readonly CancellationTokenSource _client = new();
        private readonly Dictionary<object, object> _state = new() { ["__HttpContext"] = new DefaultHttpContext() };

        public CancellationToken ClientToken => _client.Token;

        public Task ClientCancels() => _client.CancelAsync();

        protected override string MethodCore => "/test/Stream";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => _client.Token;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => new(null, []);

        protected override IDictionary<object, object> UserStateCore => _state;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
