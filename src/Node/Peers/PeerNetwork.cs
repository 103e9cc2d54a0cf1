using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Chain;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>How a received frame was judged by its handler.</summary>
public enum PeerVerdict
{
    Accepted,

    /// <summary>Well-formed but invalid (bad signature, bad payload): the peer is scored down and disconnected.</summary>
    Invalid,

    /// <summary>Not a frame of the protocol at all: the peer is scored down harder and disconnected.</summary>
    Malformed,
}


/// <summary>A snapshot of one connected peer, for the API and the CLI.</summary>
public sealed record PeerSnapshot(string Identity, Address? ValidatorAddress, bool Outbound, string? Url, DateTimeOffset Since,
    ulong HeadHeight, long FramesReceived, long FramesSent, int Score);

/// <summary>
/// The node's links to its peers: dials every configured peer (reconnecting with capped backoff), accepts inbound
/// links on the peer service, and sends consensus messages and transaction batches over them. Two nodes that both
/// list each other hold two links; sends to a peer use one of them, and frames arriving on either are processed
/// (consensus deduplicates). What is validated where: the TLS binding and admission in <see cref="PeerAuthInterceptor"/>
/// (inbound) and <see cref="PeerClient"/> (outbound); frame shape here (a Hello first, exactly one body per frame);
/// frame contents by the <see cref="IPeerMessageHandler"/> the host passes in (signatures, payloads).
/// </summary>
public sealed class PeerNetwork(
    NodeConfig config,
    GenesisFile genesis,
    PeerCertificate own,
    PeerClients clients,
    PeerScores scores,
    ChainHead head,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<PeerNetwork> logger,
    ValidatorIdentity? validator = null,
    IPeerMessageHandler? handler = null) : BackgroundService
{
    /// <summary>Inbound links one admitted node may hold at once (the peers themselves are bounded by admission).</summary>
    public const int MaxInboundLinksPerPeer = 2;

    private readonly ConcurrentDictionary<PeerLink, byte> _links = new();
    private readonly ConcurrentDictionary<PeerCall, string> _calls = new();
    private readonly byte[] _genesisHash = genesis.ComputeHash().ToArray();

    public IReadOnlyList<PeerSnapshot> Snapshot() =>
        [.. _links.Keys
            .GroupBy(l => l.Identity)
            .Select(g => (Link: g.OrderBy(l => l.Since).First(), Head: g.Max(l => l.PeerHeadHeight)))
            .Select(p => new PeerSnapshot(p.Link.Identity, p.Link.ValidatorAddress, p.Link.Outbound, p.Link.Url?.ToString(), p.Link.Since, p.Head,
                Interlocked.Read(ref p.Link.FramesReceived), Interlocked.Read(ref p.Link.FramesSent), scores.ScoreOf(p.Link.Identity)))
            .OrderBy(p => p.Identity, StringComparer.Ordinal)];

    /// <summary>Number of distinct peers with at least one live link.</summary>
    public int ConnectedPeers => _links.Keys.Select(l => l.Identity).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Sends to every connected peer (one link each).</summary>
    public void Broadcast(PeerMessage message)
    {
        foreach (var link in PreferredLinks())
        {
            link.Send(message);
        }
    }

    /// <summary>Sends to the peer running this validator; falls back to everyone when no link names it.</summary>
    public void SendToValidator(Address validator, PeerMessage message)
    {
        foreach (var link in PreferredLinks())
        {
            if (link.ValidatorAddress == validator)
            {
                link.Send(message);
                return;
            }
        }
        Broadcast(message);
    }

    /// <summary>Links to peers, oldest first per identity: the ones to send on.</summary>
    private IEnumerable<PeerLink> PreferredLinks() =>
        _links.Keys.GroupBy(l => l.Identity).Select(g => g.OrderBy(l => l.Since).First());

    /// <summary>Peer URLs to try for requests (block fetches): the configured ones.</summary>
    public IReadOnlyList<Uri> PeerUrls => config.PeerUrls;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WaitForStartedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await Task.WhenAll(config.PeerUrls.Select(url => DialLoopAsync(url, stoppingToken))).ConfigureAwait(false);
    }

    private async Task DialLoopAsync(Uri url, CancellationToken stop)
    {
        var backoff = new CappedBackoff();
        while (!stop.IsCancellationRequested)
        {
            var wasConnected = false;
            var client = clients.For(url);
            try
            {
                var status = await client.GetStatusAsync(stop).ConfigureAwait(false);
                if (client.ServerIdentity == own.IdentityHex)
                {
                    logger.LogInformation("peer {Peer} is this node itself; not dialling it", url);
                    return;
                }
                if (status.ChainId != genesis.ChainId || !status.GenesisHash.Span.SequenceEqual(_genesisHash))
                {
                    throw new PeerRefusedException($"peer {url} is on chain '{status.ChainId}' with another genesis");
                }
                if (scores.IsBanned(client.ServerIdentity!, out _))
                {
                    throw new PeerRefusedException($"peer {url} is banned for sending invalid messages");
                }
                using var call = client.Client.Connect(client.Headers, cancellationToken: stop);
                var identity = client.VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
                var link = new PeerLink(identity, outbound: true, url, time.GetUtcNow());
                wasConnected = true;
                backoff.Reset();
                using var linkDone = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var heads = RefreshHeadAsync(link, client, linkDone.Token);
                try
                {
                    await RunLinkAsync(link, call.RequestStream, call.ResponseStream, stop).ConfigureAwait(false);
                }
                finally
                {
                    await linkDone.CancelAsync().ConfigureAwait(false);
                    await heads.ConfigureAwait(false);
                }
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (PeerFailures.IsPeerFailure(ex) || ex is InvalidOperationException)
            {
                clients.Failed(client, ex);
                logger.Log(wasConnected ? LogLevel.Information : LogLevel.Debug, "link to {Peer} down: {Reason}", url, ex.Message);
            }
            try
            {
                await Task.Delay(backoff.Next(), time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>How often the head of a peer this node dialled is asked for (its Hello only tells the head at connection time).</summary>
    public static readonly TimeSpan HeadRefreshInterval = TimeSpan.FromSeconds(2);

    /// <summary>Keeps the link's record of the peer's head current while the link lives, for `peers` and the API.</summary>
    private async Task RefreshHeadAsync(PeerLink link, PeerClient client, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(HeadRefreshInterval, time, cancel).ConfigureAwait(false);
                link.PeerHeadHeight = (await client.GetStatusAsync(cancel).ConfigureAwait(false)).HeadHeight;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (PeerFailures.IsPeerFailure(ex))
            {
                // The link's own loop notices a dead connection; a missed refresh only leaves the last head shown.
                logger.LogDebug("head of peer {Identity} not refreshed: {Reason}", Short(link.Identity), ex.Message);
            }
        }
    }

    /// <summary>
    /// Closes every link whose peer <paramref name="admitted"/> no longer accepts (the committee revoked its node key);
    /// returns how many. New connections from it are refused by the admission check, in both directions.
    /// </summary>
    public int DisconnectUnadmitted(Func<string, bool> admitted)
    {
        var closed = 0;
        foreach (var (call, identity) in _calls)
        {
            if (!admitted(identity))
            {
                call.Revoke();
                closed++;
            }
        }
        foreach (var link in _links.Keys)
        {
            if (!admitted(link.Identity))
            {
                logger.LogWarning("disconnecting peer {Peer}: its node key is no longer admitted", link.Identity[..Math.Min(16, link.Identity.Length)]);
                link.Cancellation?.Cancel();
                closed++;
            }
        }
        return closed;
    }

    /// <summary>
    /// Registers a long-lived call from a peer (a block follow stream) so that revoking the peer's node key ends it like
    /// its Connect link; dispose when the call ends.
    /// </summary>
    public PeerCall Track(string identity, CancellationToken cancellationToken)
    {
        var call = new PeerCall(cancellationToken, c => _calls.TryRemove(c, out _));
        _calls[call] = identity;
        return call;
    }

    /// <summary>Serves an inbound Connect call from an authenticated peer until either side ends it.</summary>
    public async Task ServeAsync(string identity, IAsyncStreamReader<PeerMessage> incoming, IServerStreamWriter<PeerMessage> outgoing, CancellationToken cancel)
    {
        var link = new PeerLink(identity, outbound: false, null, time.GetUtcNow());
        // At most MaxInboundLinksPerPeer inbound links per admitted node: a new one replaces the oldest, so a peer that
        // reconnects before its dead link timed out is served at once, and no peer can pile links (each with its outbox).
        foreach (var stale in _links.Keys.Where(l => !l.Outbound && l.Identity == identity).OrderByDescending(l => l.Since).Skip(MaxInboundLinksPerPeer - 1))
        {
            logger.LogInformation("peer {Identity} opened another link; closing its oldest", Short(identity));
            try
            {
                stale.Cancellation?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That link ended meanwhile.
            }
        }
        await RunLinkAsync(link, outgoing, incoming, cancel).ConfigureAwait(false);
    }

    private async Task RunLinkAsync(PeerLink link, IAsyncStreamWriter<PeerMessage> writer, IAsyncStreamReader<PeerMessage> reader, CancellationToken cancel)
    {
        using var linkCancel = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        link.Cancellation = linkCancel;
        link.Send(new PeerMessage
        {
            Hello = new Hello
            {
                ValidatorAddress = validator is null ? ByteString.Empty : validator.Key.Address.ToByteString(),
                HeadHeight = head.Height,
            },
        });
        var sending = SendLoopAsync(link, writer, linkCancel.Token);
        _links[link] = 0;
        try
        {
            await ReceiveLoopAsync(link, reader, linkCancel.Token).ConfigureAwait(false);
        }
        finally
        {
            _links.TryRemove(link, out _);
            link.Close();
            await linkCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await sending.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException or IOException or InvalidOperationException)
            {
                // The stream is gone either way.
            }
        }
    }

    private static async Task SendLoopAsync(PeerLink link, IAsyncStreamWriter<PeerMessage> writer, CancellationToken cancel)
    {
        await foreach (var message in link.Outbox.ReadAllAsync(cancel).ConfigureAwait(false))
        {
            await writer.WriteAsync(message, cancel).ConfigureAwait(false);
            Interlocked.Increment(ref link.FramesSent);
        }
    }

    private async Task ReceiveLoopAsync(PeerLink link, IAsyncStreamReader<PeerMessage> reader, CancellationToken cancel)
    {
        var helloSeen = false;
        while (true)
        {
            bool more;
            try
            {
                more = await reader.MoveNext(cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (PeerFailures.IsMalformedFrame(ex))
            {
                // A frame that does not parse as a PeerMessage or is over the size cap: the peer's fault.
                Punish(link, PeerVerdict.Malformed, $"unparsable frame ({ex.GetType().Name}: {ex.Message})");
                return;
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or RpcException or InvalidOperationException)
            {
                // The connection went away (a reset stream, a keep-alive timeout, a shutdown): never scored.
                logger.LogDebug("link to peer {Identity} closed: {Reason}", Short(link.Identity), ex.Message);
                return;
            }
            if (!more)
            {
                return;
            }
            Interlocked.Increment(ref link.FramesReceived);
            // Over the link's frame rate: wait before reading on, which backs the sender off (PeerRateLimit).
            if (link.ReceiveRate.Take(time.GetUtcNow()) is { Ticks: > 0 } wait && !await WaitOrStopAsync(wait, cancel).ConfigureAwait(false))
            {
                return;
            }
            var message = reader.Current;
            PeerVerdict verdict;
            string reason;
            if (message.BodyCase == PeerMessage.BodyOneofCase.Hello)
            {
                (verdict, reason) = helloSeen ? (PeerVerdict.Malformed, "second Hello") : AcceptHello(link, message.Hello);
                helloSeen = true;
            }
            else if (!helloSeen)
            {
                (verdict, reason) = (PeerVerdict.Malformed, "first frame is not a Hello");
            }
            else if (message.BodyCase == PeerMessage.BodyOneofCase.None ||
                     (message.BodyCase == PeerMessage.BodyOneofCase.Consensus && message.Consensus.BodyCase == ConsensusMessage.BodyOneofCase.None))
            {
                (verdict, reason) = (PeerVerdict.Malformed, "empty frame");
            }
            else
            {
                verdict = handler?.Handle(link, message) ?? PeerVerdict.Accepted;
                reason = $"invalid {message.BodyCase} frame";
            }
            if (verdict != PeerVerdict.Accepted)
            {
                Punish(link, verdict, reason);
                return;
            }
        }
    }

    private async Task<bool> WaitOrStopAsync(TimeSpan wait, CancellationToken cancel)
    {
        try
        {
            await Task.Delay(wait, time, cancel).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private (PeerVerdict, string) AcceptHello(PeerLink link, Hello hello)
    {
        if (hello.ValidatorAddress.Length != 0 && hello.ValidatorAddress.Length != Address.Size)
        {
            return (PeerVerdict.Malformed, "Hello with a malformed validator address");
        }
        link.ValidatorAddress = hello.ValidatorAddress.Length == Address.Size ? new Address(hello.ValidatorAddress.Span) : null;
        link.PeerHeadHeight = hello.HeadHeight;
        logger.LogInformation("peer {Identity} connected ({Direction}{Validator})", Short(link.Identity), link.Outbound ? "outbound" : "inbound",
            link.ValidatorAddress is { } v ? ", validator " + v : "");
        return (PeerVerdict.Accepted, "");
    }

    private void Punish(PeerLink link, PeerVerdict verdict, string reason)
    {
        var evidence = scores.Penalize(link.Identity, verdict == PeerVerdict.Malformed ? PeerScores.MalformedPenalty : PeerScores.InvalidPenalty, reason);
        logger.LogWarning("disconnecting peer {Identity}: {Reason}", Short(link.Identity), reason);
        if (evidence is not null)
        {
            logger.LogWarning("banned peer {Identity} for {Seconds:F0} s; evidence: {Evidence}", Short(link.Identity), PeerScores.BanDuration.TotalSeconds,
                string.Join("; ", evidence));
        }
    }

    private static string Short(string identity) => identity.Length > 16 ? identity[..16] : identity;
}
