using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// The events of one chain in the order they were seen, each open until the work it caused is confirmed by a chain's
/// state. <see cref="Safe"/> is the last event such that it and every event before it are done: the cursor the relayer
/// persists, so a restart re-reads exactly the events whose work was not confirmed.
/// </summary>
public sealed class CursorTracker(EventCursor? start)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _open = new();

    public EventCursor? Safe { get; private set; } = start;

    /// <summary>Registers an event as seen; <paramref name="done"/> for events that need no work.</summary>
    public Entry Add(EventCursor cursor, bool done = false)
    {
        lock (_gate)
        {
            var entry = new Entry(this, cursor) { Done = done };
            _open.AddLast(entry);
            Advance();
            return entry;
        }
    }

    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    private void Complete(Entry entry)
    {
        lock (_gate)
        {
            entry.Done = true;
            Advance();
        }
    }

    private void Advance()
    {
        while (_open.First is { } first && first.Value.Done)
        {
            Safe = first.Value.Cursor;
            _open.RemoveFirst();
        }
    }

    /// <summary>One event's place in the order; <see cref="Complete"/> marks its work confirmed.</summary>
    public sealed class Entry(CursorTracker owner, EventCursor cursor)
    {
        public EventCursor Cursor { get; } = cursor;

        public bool Done { get; internal set; }

        public void Complete() => owner.Complete(this);
    }
}
