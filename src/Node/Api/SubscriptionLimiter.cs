using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// Bounds the block and event subscriptions (server streams) one client address holds open at once
/// (api.max_subscriptions_per_client): each costs a feed follower and a buffer of up to api.subscriber_buffer_blocks
/// blocks, so an application that leaks subscriptions, or a hostile one, cannot grow the node's memory without bound.
/// One over the limit is refused at once with RESOURCE_EXHAUSTED and reason TOO_MANY_SUBSCRIPTIONS; the open ones go
/// on. The client is its IP address (clients behind one NAT share a budget).
/// </summary>
public sealed class SubscriptionLimiter(NodeConfig config) : Interceptor
{
    public const string Reason = "TOO_MANY_SUBSCRIPTIONS";

    private readonly ConcurrentDictionary<string, int> _open = new();

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var client = context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? context.Peer;
        var count = _open.AddOrUpdate(client, 1, (_, n) => n + 1);
        try
        {
            if (count > config.MaxSubscriptionsPerClient)
            {
                throw ApiErrors.Exhausted(Reason,
                    $"this client already has {config.MaxSubscriptionsPerClient} open subscriptions (api.max_subscriptions_per_client); close one first");
            }
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        finally
        {
            // Remove the entry at zero so that departed clients leave nothing behind.
            if (_open.AddOrUpdate(client, 0, (_, n) => n - 1) == 0)
            {
                _open.TryRemove(new KeyValuePair<string, int>(client, 0));
            }
        }
    }
}
