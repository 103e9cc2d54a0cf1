using System.Threading.Channels;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>One live stream to a peer (dialled by us or accepted from it); frames to send wait in a bounded queue.</summary>
public sealed class PeerLink
{
    // Bounded so a stalled peer costs bounded memory. The oldest frames go first: consensus recovers lost messages by
    // re-sending timeouts and sync info, and gossip only speeds things up.
    private readonly Channel<PeerMessage> _outbox = Channel.CreateBounded<PeerMessage>(
        new BoundedChannelOptions(8192) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    internal PeerLink(string identity, bool outbound, Uri? url, DateTimeOffset since)
    {
        Identity = identity;
        Outbound = outbound;
        Url = url;
        Since = since;
    }

    /// <summary>The peer's node identity (hex node key).</summary>
    public string Identity { get; }

    public bool Outbound { get; }

    public Uri? Url { get; }

    public DateTimeOffset Since { get; }

    /// <summary>The validator the peer says it runs (from its Hello): a routing hint, never trusted for validity.</summary>
    public Address? ValidatorAddress { get; internal set; }

    public ulong PeerHeadHeight { get; internal set; }

    /// <summary>The bound on frames this link delivers per second (read by its receive loop only).</summary>
    public PeerRateLimit ReceiveRate { get; } = new();

    public long FramesReceived;
    public long FramesSent;

    internal ChannelReader<PeerMessage> Outbox => _outbox.Reader;

    internal bool Send(PeerMessage message) => _outbox.Writer.TryWrite(message);

    internal void Close() => _outbox.Writer.TryComplete();

    /// <summary>Ends the link from outside its loops (a revoked peer); set while the link runs.</summary>
    internal CancellationTokenSource? Cancellation { get; set; }
}

/// <summary>A tracked long-lived peer call (<see cref="PeerNetwork.Track"/>): its token ends when the call does or the peer is revoked.</summary>
public sealed class PeerCall : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly Action<PeerCall> _untrack;

    internal PeerCall(CancellationToken cancellationToken, Action<PeerCall> untrack)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _untrack = untrack;
    }

    public CancellationToken Token => _cancel.Token;

    public bool Revoked { get; private set; }

    internal void Revoke()
    {
        Revoked = true;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        _untrack(this);
        _cancel.Dispose();
    }
}
