using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// The relayer's instruments (meter <see cref="MeterName"/>), exported in Prometheus format on metrics_listen with the
/// prefix shanghaichain_relayer_: pending_packets (work seen and not yet confirmed, per direction), relay_latency
/// (seconds from the event to its confirmation on a chain), relayed, client_height (the latest header each light
/// client trusts), batches, batch_messages, failures and misbehaviour (docs/relay.md, "The relayer").
/// </summary>
public sealed class RelayerMetrics : IDisposable
{
    public const string MeterName = "ShanghaiChain.Relayer";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _relayed;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _batchMessages;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _misbehaviour;
    private readonly ConcurrentDictionary<(string Chain, string Client), long> _clientHeights = new();

    public RelayerMetrics()
    {
        _latency = _meter.CreateHistogram<double>("relay_latency", "s", "Time from a cross-chain event to its confirmation on the other chain");
        _relayed = _meter.CreateCounter<long>("relayed", description: "Packets, acknowledgements, timeouts and handshake steps confirmed");
        _batches = _meter.CreateCounter<long>("batches", description: "relayBatch transactions committed");
        _batchMessages = _meter.CreateCounter<long>("batch_messages", description: "Messages (client updates included) in committed batches");
        _failures = _meter.CreateCounter<long>("failures", description: "Rounds that failed and were retried after a backoff");
        _misbehaviour = _meter.CreateCounter<long>("misbehaviour",
            description: "Light clients found trusting a header their counterparty did not commit (outcome detected), and frozen by the evidence sent (outcome frozen)");
        _meter.CreateObservableGauge("client_height", () => _clientHeights.Select(kv =>
            new Measurement<long>(kv.Value, new("chain", kv.Key.Chain), new("client", kv.Key.Client))), description: "Latest counterparty height a light client trusts");
    }

    public static double[] Buckets => [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30, 60];

    public void ObservePending(Func<IEnumerable<(string Source, string Destination, int Pending)>> pending) =>
        _meter.CreateObservableGauge("pending_packets", () => pending().Select(p =>
            new Measurement<int>(p.Pending, new("source", p.Source), new("destination", p.Destination))), description: "Work seen and not yet confirmed");

    public void Relayed(string source, string destination, RelayKind kind, TimeSpan latency)
    {
        var tags = new TagList { { "source", source }, { "destination", destination }, { "kind", kind.ToString().ToLowerInvariant() } };
        _relayed.Add(1, tags);
        _latency.Record(latency.TotalSeconds, tags);
    }

    public void Batch(string source, string destination, int messages)
    {
        _batches.Add(1, new("source", source), new("destination", destination));
        _batchMessages.Add(messages, new("source", source), new("destination", destination));
    }

    public void Failure(string source, string destination) => _failures.Add(1, new("source", source), new("destination", destination));

    public void Misbehaviour(string chain, string client, string outcome) =>
        _misbehaviour.Add(1, new("chain", chain), new("client", client), new("outcome", outcome));

    public void ClientHeight(string chain, string client, ulong height) => _clientHeights[(chain, client)] = (long)height;

    public void Dispose() => _meter.Dispose();
}
