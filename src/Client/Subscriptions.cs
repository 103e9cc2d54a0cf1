using System.Runtime.CompilerServices;
using Grpc.Core;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Client;

/// <summary>Which contract events to follow: any of <see cref="Addresses"/> (empty: any contract), topics position-wise.</summary>
public sealed record EventFilter
{
    public IReadOnlyList<Address> Addresses { get; init; } = [];

    /// <summary>Position i matches when its list is empty or holds topic i (at most 4 positions).</summary>
    public IReadOnlyList<IReadOnlyList<Hash32>> Topics { get; init; } = [];
}

/// <summary>
/// Streams that survive a broken connection (docs/api.md, "Subscriptions"): the node's streams replay from a height
/// or a cursor without gap or repetition, so after a transient end (the node stopping, a reset, a slow subscriber
/// dropped with SUBSCRIBER_TOO_SLOW) the stream is opened again right after the last item delivered, with backoff
/// from 100 ms to 5 s. Refusals that retrying cannot fix (a bad filter, TOO_MANY_SUBSCRIPTIONS) end it with
/// <see cref="ShanghaiChainException"/>.
/// </summary>
internal static class Subscriptions
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public static async IAsyncEnumerable<BlockEvent> FollowBlocks(ChainService.ChainServiceClient chain, ulong fromHeight, bool includeReceipts,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        var next = fromHeight;
        var backoff = FirstBackoff;
        while (true)
        {
            using (var call = chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = next, IncludeReceipts = includeReceipts }, cancellationToken: cancel))
            {
                while (await MoveNextAsync(call.ResponseStream, cancel).ConfigureAwait(false))
                {
                    var block = call.ResponseStream.Current;
                    if (next != 0 && block.Height < next)
                    {
                        continue;
                    }
                    next = block.Height + 1;
                    backoff = FirstBackoff;
                    yield return block;
                }
            }
            await Task.Delay(backoff, cancel).ConfigureAwait(false);
            backoff = Next(backoff);
        }
    }

    public static async IAsyncEnumerable<ContractEvent> FollowEvents(ChainService.ChainServiceClient chain, EventFilter filter, EventCursor? after,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        var cursor = after;
        var backoff = FirstBackoff;
        while (true)
        {
            var request = new SubscribeEventsRequest { After = cursor };
            request.Addresses.AddRange(filter.Addresses.Select(a => a.ToByteString()));
            foreach (var position in filter.Topics)
            {
                var topic = new TopicFilter();
                topic.Values.AddRange(position.Select(t => t.ToByteString()));
                request.Topics.Add(topic);
            }
            using (var call = chain.SubscribeEvents(request, cancellationToken: cancel))
            {
                while (await MoveNextAsync(call.ResponseStream, cancel).ConfigureAwait(false))
                {
                    var item = call.ResponseStream.Current;
                    cursor = item.Cursor;
                    backoff = FirstBackoff;
                    yield return item;
                }
            }
            await Task.Delay(backoff, cancel).ConfigureAwait(false);
            backoff = Next(backoff);
        }
    }

    /// <summary>False when the stream ended or broke in a way a new subscription fixes; throws otherwise.</summary>
    private static async Task<bool> MoveNextAsync<T>(IAsyncStreamReader<T> stream, CancellationToken cancel)
    {
        try
        {
            return await stream.MoveNext(cancel).ConfigureAwait(false);
        }
        catch (RpcException ex) when (!cancel.IsCancellationRequested && IsTransient(ex))
        {
            return false;
        }
        catch (RpcException ex) when (cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException("the subscription was cancelled", ex, cancel);
        }
        catch (RpcException ex)
        {
            throw ShanghaiChainException.From(ex);
        }
    }

    /// <summary>
    /// The node stopping (UNAVAILABLE, NODE_STOPPING), a connection that failed or was reset (UNAVAILABLE or INTERNAL
    /// without a reason of ours), or this subscriber dropped for falling behind (SUBSCRIBER_TOO_SLOW).
    /// </summary>
    internal static bool IsTransient(RpcException ex)
    {
        var reason = ApiTrailers.ReasonOf(ex);
        return ex.StatusCode switch
        {
            StatusCode.Unavailable => true,
            StatusCode.Internal or StatusCode.Cancelled or StatusCode.Unknown => reason is null,
            StatusCode.ResourceExhausted => reason == "SUBSCRIBER_TOO_SLOW",
            _ => false,
        };
    }

    private static TimeSpan Next(TimeSpan backoff) => backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
}
