using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Chain;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// Follows one chain's cross-chain events (SubscribeEvents on 0x…1003, resumed after the persisted cursor) and turns each
/// into work for the direction leaving this chain through the channel's client: SendPacket → recvPacket,
/// WriteAcknowledgement → acknowledgePacket, and the handshake's INIT, TRYOPEN and ACK → try, ack and confirm; ClientUpdated
/// of a path's client goes to its <see cref="MisbehaviourWatcher"/>. Every event
/// enters the chain's <see cref="CursorTracker"/> in order; events of channels no path relays are done at once. Events
/// are untrusted input: one that does not decode is logged and skipped (the contract wrote it, so that is a bug, not an
/// attack; the destination would refuse anything forged anyway).
/// </summary>
public sealed class EventFollower(ChainLink chain, CursorTracker tracker, IReadOnlyDictionary<string, DirectionWorker> directionsByClient,
    IReadOnlyDictionary<string, MisbehaviourWatcher> watchersByClient, ILogger logger)
{
    private static readonly Hash32[] Topics =
    [
        CrossChainEvents.SendPacket, CrossChainEvents.WriteAcknowledgement, CrossChainEvents.ChannelOpenInit, CrossChainEvents.ChannelOpenTry,
        CrossChainEvents.ChannelOpenAck, CrossChainEvents.ClientUpdated,
    ];

    private readonly Dictionary<string, RelayChannel> _channels = [];

    public async Task RunAsync(CancellationToken cancel)
    {
        var after = tracker.Safe;
        var backoff = new CappedBackoff();
        while (!cancel.IsCancellationRequested)
        {
            var request = new SubscribeEventsRequest { Addresses = { CrossChainLayout.Address.ToByteString() } };
            request.Topics.Add(new TopicFilter { Values = { Topics.Select(t => t.ToByteString()) } });
            if (after is null)
            {
                request.FromHeight = chain.Config.StartHeight;
            }
            else
            {
                request.After = after;
            }
            try
            {
                using var stream = chain.Chain.SubscribeEvents(request, cancellationToken: cancel);
                await foreach (var evt in stream.ResponseStream.ReadAllAsync(cancel).ConfigureAwait(false))
                {
                    await HandleAsync(evt, cancel).ConfigureAwait(false);
                    after = evt.Cursor;
                    backoff.Reset();
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (!cancel.IsCancellationRequested)
            {
                var delay = backoff.Next();
                logger.LogWarning("events of {Chain}: {Status} {Detail}; resuming after {Cursor} in {Delay} ms", chain.Id, ex.StatusCode, ex.Status.Detail,
                    after is null ? "the start" : $"{after.Height}/{after.TxIndex}/{after.LogIndex}", delay.TotalMilliseconds);
                await Task.Delay(delay, cancel).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(ContractEvent evt, CancellationToken cancel)
    {
        if (ClientUpdateOf(evt.Log) is var (clientId, height))
        {
            // A header a client of a path was updated to (by anyone): checked against the counterparty's chain.
            if (watchersByClient.GetValueOrDefault(clientId) is { } watcher)
            {
                watcher.Enqueue(new MisbehaviourWatcher.Check(tracker.Add(evt.Cursor), height, evt.TxId));
            }
            else
            {
                tracker.Add(evt.Cursor, done: true);
            }
            return;
        }
        var observed = Stopwatch.GetTimestamp();
        RelayItem? item = null;
        if (Decode(evt.Log) is { } decoded && await ChannelAsync(decoded.Channel, cancel).ConfigureAwait(false) is { } channel &&
            directionsByClient.GetValueOrDefault(channel.ClientId) is { } direction)
        {
            var entry = tracker.Add(evt.Cursor);
            item = decoded.Kind switch
            {
                RelayKind.Receive => new RelayItem(RelayKind.Receive, entry, evt.Cursor.Height, observed) { Packet = decoded.Packet, Ordered = channel.Ordered },
                RelayKind.Acknowledge => new RelayItem(RelayKind.Acknowledge, entry, evt.Cursor.Height, observed)
                    { Packet = decoded.Packet, Acknowledgement = decoded.Acknowledgement, Ordered = channel.Ordered },
                RelayKind.OpenTry => new RelayItem(RelayKind.OpenTry, entry, evt.Cursor.Height, observed)
                {
                    Channel = decoded.Channel,
                    LocalContract = new Address(channel.LocalContract.Span),
                    CounterpartyContract = new Address(channel.CounterpartyContract.Span),
                    Ordered = channel.Ordered,
                    Version = channel.Version,
                },
                _ => new RelayItem(decoded.Kind, entry, evt.Cursor.Height, observed) { Channel = decoded.Channel, CounterpartyChannel = decoded.Counterparty },
            };
            direction.Enqueue(item);
        }
        if (item is null)
        {
            tracker.Add(evt.Cursor, done: true);
        }
    }

    /// <summary>The work an event asks for and the channel end on this chain that decides its direction; null for none.</summary>
    private Decoded? Decode(Log log)
    {
        var topic = new Hash32(log.Topics[0].Span);
        var data = new AbiReader(log.Data.Span);
        try
        {
            if (topic == CrossChainEvents.SendPacket && data.TryBytes(2, out var sent))
            {
                var packet = RelayPacket.Parser.ParseFrom(sent);
                return new Decoded(RelayKind.Receive, packet.SourceChannel, packet, null, "");
            }
            if (topic == CrossChainEvents.WriteAcknowledgement && data.TryBytes(2, out var acked) && data.TryBytes(3, out var acknowledgement))
            {
                var packet = RelayPacket.Parser.ParseFrom(acked);
                return new Decoded(RelayKind.Acknowledge, packet.DestinationChannel, packet, acknowledgement.ToArray(), "");
            }
            if (topic == CrossChainEvents.ChannelOpenInit && data.TryBytes(0, out var init))
            {
                return new Decoded(RelayKind.OpenTry, Encoding.UTF8.GetString(init), null, null, "");
            }
            if ((topic == CrossChainEvents.ChannelOpenTry || topic == CrossChainEvents.ChannelOpenAck) && data.TryBytes(0, out var id) &&
                data.TryBytes(1, out var counterparty))
            {
                return new Decoded(topic == CrossChainEvents.ChannelOpenTry ? RelayKind.OpenAck : RelayKind.OpenConfirm, Encoding.UTF8.GetString(id), null, null,
                    Encoding.UTF8.GetString(counterparty));
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            logger.LogError("events of {Chain}: an event does not decode ({Error}); skipped", chain.Id, ex.Message);
        }
        return null;
    }

    /// <summary>The client and height of a ClientUpdated event; null for any other event (or one that does not decode).</summary>
    private static (string Client, ulong Height)? ClientUpdateOf(Log log)
    {
        if (new Hash32(log.Topics[0].Span) != CrossChainEvents.ClientUpdated)
        {
            return null;
        }
        var data = new AbiReader(log.Data.Span);
        return data.TryBytes(0, out var id) && data.TryUInt256(1, out var height) && height.IsUInt64 ? (Encoding.UTF8.GetString(id), height.U0) : null;
    }

    private sealed record Decoded(RelayKind Kind, string Channel, RelayPacket? Packet, byte[]? Acknowledgement, string Counterparty);

    /// <summary>A channel end's record (its client never changes, so it is kept), re-read while it is not yet open.</summary>
    private async Task<RelayChannel?> ChannelAsync(string id, CancellationToken cancel)
    {
        if (_channels.TryGetValue(id, out var known))
        {
            return known;
        }
        var channel = (await chain.Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = id }, cancellationToken: cancel).ConfigureAwait(false)).Channel;
        if (channel is { State: RelayChannelState.Open })
        {
            _channels[id] = channel;
        }
        return channel;
    }
}
