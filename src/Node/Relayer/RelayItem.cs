using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>What a relayer message does on the destination of a direction.</summary>
public enum RelayKind
{
    /// <summary>recvPacket of a packet the source sent (SendPacket).</summary>
    Receive,
    /// <summary>acknowledgePacket of an acknowledgement the source wrote (WriteAcknowledgement) for a packet the destination sent.</summary>
    Acknowledge,
    /// <summary>timeoutPacket of a packet the destination sent, proven not received on the source.</summary>
    Timeout,
    /// <summary>channelOpenTry answering the source's INIT end.</summary>
    OpenTry,
    /// <summary>channelOpenAck answering the source's TRYOPEN end.</summary>
    OpenAck,
    /// <summary>channelOpenConfirm answering the source's OPEN end.</summary>
    OpenConfirm,
}

/// <summary>
/// One piece of work of a direction (source → destination): proven from the source's state, delivered to the
/// destination. <see cref="Event"/> is the event that caused it, on whichever chain it was seen; it is completed only
/// when a chain's state shows the work done (by this relayer or any other).
/// </summary>
public sealed class RelayItem(RelayKind kind, CursorTracker.Entry @event, ulong eventHeight, long observedAt)
{
    public RelayKind Kind { get; private set; } = kind;

    public CursorTracker.Entry Event { get; } = @event;

    /// <summary>The source height whose state must be proven (the item's event height, or later).</summary>
    public ulong NeededHeight { get; private set; } = eventHeight;

    /// <summary>Stopwatch timestamp when the event was seen: relay latency runs from here to confirmation.</summary>
    public long ObservedAt { get; } = observedAt;

    public RelayPacket? Packet { get; init; }

    public byte[]? Acknowledgement { get; init; }

    /// <summary>The channel on the source whose end is proven (handshake steps).</summary>
    public string Channel { get; init; } = "";

    /// <summary>The channel on the destination the message names (handshake steps: its end, or the one being answered).</summary>
    public string CounterpartyChannel { get; init; } = "";

    public Address LocalContract { get; init; }

    public Address CounterpartyContract { get; init; }

    public bool Ordered { get; init; }

    public string Version { get; init; } = "";

    private bool _inFlight;

    /// <summary>Carried by a batch whose receipts are awaited: not sent again until they are in (set by the worker's receipt task).</summary>
    public bool InFlight
    {
        get => Volatile.Read(ref _inFlight);
        set => Volatile.Write(ref _inFlight, value);
    }

    /// <summary>Set once a chain's state shows the work done (or handed over as a timeout): the item leaves its direction.</summary>
    public bool Settled { get; set; }

    /// <summary>Asks for a proof above <paramref name="height"/> (the client's header there left the source's proof window).</summary>
    public void RequireAbove(ulong height) => NeededHeight = Math.Max(NeededHeight, height);

    /// <summary>A packet that can no longer be received becomes a timeout, proven from the other chain's state.</summary>
    public RelayItem AsTimeout() => new(RelayKind.Timeout, Event, 0, ObservedAt) { Packet = Packet, Ordered = Ordered };
}
