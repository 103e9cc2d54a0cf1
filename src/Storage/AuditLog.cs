using System.Buffers.Binary;
using Google.Protobuf;
using ShanghaiChain.Storage.Engines;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// The node's audit trail for regulators (docs/governance.md, "Regulators and the audit trail"): governance actions and
/// refusals, numbered from 1 without gaps, with the height up to which committed blocks are in it. A database of its
/// own beside the chain's (data/audit), so that the chain store's schema, rollback and sync never depend on it. Appends
/// are durable (synced) and atomic with the audited height, so a restart resumes after the last block it recorded and
/// records nothing twice. Bounded: past <see cref="MaxEvents"/> the oldest events are pruned. Thread-safe.
/// </summary>
public sealed class AuditLog : IDisposable
{
    /// <summary>Events kept; older ones are pruned (a regulator that needs more exports them meanwhile).</summary>
    public const long MaxEvents = 1_000_000;

    private const string EventsFamily = "events";
    private const string MetaFamily = "meta";
    private static readonly byte[] LastSequenceKey = "last_sequence"u8.ToArray();
    private static readonly byte[] FirstSequenceKey = "first_sequence"u8.ToArray();
    private static readonly byte[] AuditedHeightKey = "audited_height"u8.ToArray();

    private readonly IKeyValueEngine _engine;
    private readonly KeyValueFamily _events;
    private readonly KeyValueFamily _meta;
    private readonly long _maxEvents;
    private readonly object _writeLock = new();

    private AuditLog(IKeyValueEngine engine, long maxEvents)
    {
        _engine = engine;
        _maxEvents = maxEvents;
        _events = engine.GetFamily(EventsFamily);
        _meta = engine.GetFamily(MetaFamily);
        LastSequence = ReadCounter(LastSequenceKey);
        FirstSequence = Math.Max(1, ReadCounter(FirstSequenceKey));
        AuditedHeight = ReadCounter(AuditedHeightKey);
    }

    /// <summary>Opens (or creates) the trail in <paramref name="directory"/>; the errors are the chain store's (<see cref="StoreException"/>).</summary>
    public static AuditLog Open(string directory) => new(RocksDbEngine.Open(directory, [EventsFamily, MetaFamily]), MaxEvents);

    /// <summary>A trail in memory (tests), optionally with a smaller bound.</summary>
    public static AuditLog OpenInMemory(long maxEvents = MaxEvents) => new(new MemoryEngine(), maxEvents);

    public ulong LastSequence { get; private set; }

    public ulong FirstSequence { get; private set; }

    /// <summary>Committed blocks up to this height are recorded.</summary>
    public ulong AuditedHeight { get; private set; }

    /// <summary>
    /// Appends <paramref name="events"/> (their sequence numbers are set here) and, when <paramref name="auditedHeight"/>
    /// is given, records that every block up to it is in the trail, all in one synced write.
    /// </summary>
    public void Append(IReadOnlyList<AuditEvent> events, ulong? auditedHeight = null)
    {
        lock (_writeLock)
        {
            if (events.Count == 0 && (auditedHeight is null || auditedHeight == AuditedHeight))
            {
                return;
            }
            using var batch = _engine.CreateWriteBatch();
            var sequence = LastSequence;
            foreach (var e in events)
            {
                e.Sequence = ++sequence;
                batch.Put(_events, Key(sequence), e.ToByteArray());
            }
            var first = FirstSequence;
            if ((long)(sequence - first + 1) > _maxEvents)
            {
                var keepFrom = sequence - (ulong)_maxEvents + 1;
                batch.DeleteRange(_events, Key(first), Key(keepFrom));
                first = keepFrom;
                batch.Put(_meta, FirstSequenceKey, Counter(first));
            }
            batch.Put(_meta, LastSequenceKey, Counter(sequence));
            if (auditedHeight is { } height)
            {
                batch.Put(_meta, AuditedHeightKey, Counter(height));
            }
            _engine.Write(batch, sync: true);
            LastSequence = sequence;
            FirstSequence = first;
            if (auditedHeight is { } audited)
            {
                AuditedHeight = audited;
            }
        }
    }

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="afterSequence"/>, in order, of <paramref name="kinds"/> only when given.</summary>
    public List<AuditEvent> Read(ulong afterSequence, int limit, IReadOnlyCollection<AuditKind>? kinds = null)
    {
        var result = new List<AuditEvent>();
        var from = Math.Max(afterSequence + 1, FirstSequence);
        var last = LastSequence;
        // The engine scans by prefix: walk blocks of 256 sequence numbers (the first 7 key bytes) from the start.
        for (var block = from >> 8; block <= last >> 8 && result.Count < limit; block++)
        {
            var prefix = Key(block << 8)[..7];
            foreach (var (key, value) in _engine.Scan(_events, prefix))
            {
                if (BinaryPrimitives.ReadUInt64BigEndian(key) < from)
                {
                    continue;
                }
                var e = AuditEvent.Parser.ParseFrom(value);
                if (kinds is { Count: > 0 } && !kinds.Contains(e.Kind))
                {
                    continue;
                }
                result.Add(e);
                if (result.Count >= limit)
                {
                    break;
                }
            }
        }
        return result;
    }

    public void Dispose() => _engine.Dispose();

    private ulong ReadCounter(byte[] key) => _engine.Get(_meta, key) is { } bytes ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : 0;

    private static byte[] Key(ulong sequence) => Counter(sequence);

    private static byte[] Counter(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
