using System.Diagnostics.Metrics;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Chain.Observability;

/// <summary>
/// The node's instruments (System.Diagnostics.Metrics), exported in Prometheus text format on the metrics
/// port. Gauges read live values through callbacks registered by the components that own them.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "ShanghaiChain.Node";

    private readonly Meter _meter = new(MeterName);
    // Totals are kept here and published as observable counters: the exporter then reads cumulative values (it
    // published the plain counters' per-collection deltas as gauges).
    private long _blocks;
    private long _transactions;
    private long _evidence;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _refused = new(StringComparer.Ordinal);
    private readonly Histogram<double> _blockInterval;
    private readonly Histogram<long> _blockSize;
    private ulong _lastBlockTimestampMs;

    public NodeMetrics()
    {
        _meter.CreateObservableCounter("blocks.committed", () => Interlocked.Read(ref _blocks), description: "Blocks committed by this node");
        _meter.CreateObservableCounter("transactions.committed", () => Interlocked.Read(ref _transactions), description: "Transactions committed by this node");
        _meter.CreateObservableCounter("transactions.refused",
            () => _refused.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("reason", kv.Key))),
            description: "Transactions refused at admission, by reason");
        _meter.CreateObservableCounter("consensus.evidence", () => Interlocked.Read(ref _evidence),
            description: "Equivocations detected (two proposals or votes by one validator in one round)");
        _blockInterval = _meter.CreateHistogram<double>("block.interval", unit: "s", description: "Time between consecutive block timestamps");
        _blockSize = _meter.CreateHistogram<long>("block.transactions", description: "Transactions per committed block");
    }

    /// <summary>Bucket bounds for the histograms, in their units.</summary>
    public static double[] BucketsFor(Instrument instrument) => instrument.Name switch
    {
        "block.interval" => [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
        "block.transactions" => [0, 1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000],
        _ => [0.001, 0.01, 0.1, 1, 10],
    };

    public void ObserveHeight(Func<long> height) =>
        _meter.CreateObservableGauge("consensus.height", height, description: "Height of the last committed block");

    public void ObserveMempool(Func<long> count, Func<long> bytes, Func<long> signatureChecks)
    {
        _meter.CreateObservableCounter("transactions.signature_checks", signatureChecks,
            description: "Transaction signatures checked (a transaction reaching the node twice is checked once)");
        _meter.CreateObservableGauge("mempool.size", count, description: "Transactions waiting in the mempool");
        _meter.CreateObservableGauge("mempool.bytes", bytes, description: "Bytes of transactions waiting in the mempool");
    }

    public void ObserveSyncing(Func<long> syncing) =>
        _meter.CreateObservableGauge("sync.syncing", syncing, description: "1 while the node is catching up, else 0");

    public void ObservePendingBlocks(Func<long> all, Func<long> fromPeers, Func<long> bytesFromPeers)
    {
        _meter.CreateObservableGauge("pipeline.pending_blocks", all, description: "Blocks held pending (validated, not committed yet)");
        _meter.CreateObservableGauge("pipeline.pending_blocks_from_peers", fromPeers, description: "Pending blocks taken from peers' proposals (bounded per peer and in all)");
        _meter.CreateObservableGauge("pipeline.pending_bytes_from_peers", bytesFromPeers, description: "Bytes of the pending blocks taken from peers' proposals");
    }

    public void ObserveConsensus(Func<long> round) =>
        _meter.CreateObservableGauge("consensus.round", round, description: "Current consensus round");

    /// <summary>Peers of any node on the peer network (validators and followers alike).</summary>
    public void ObservePeers(Func<long> peers) =>
        _meter.CreateObservableGauge("p2p.peers", peers, description: "Peers with a live link");

    /// <summary>The head block's timestamp, so an alert can compare it with the scrape time (time() - this = the head's age).</summary>
    public void ObserveHeadTime(Func<double> unixSeconds) =>
        _meter.CreateObservableGauge("consensus.head_timestamp_seconds", unixSeconds, unit: "s",
            description: "Timestamp of the last committed block, in seconds since the Unix epoch");

    public void EvidenceFound() => Interlocked.Increment(ref _evidence);

    public void BlockCommitted(ulong timestampMs, int transactions)
    {
        Interlocked.Increment(ref _blocks);
        Interlocked.Add(ref _transactions, transactions);
        _blockSize.Record(transactions);
        if (_lastBlockTimestampMs != 0 && timestampMs >= _lastBlockTimestampMs)
        {
            _blockInterval.Record((timestampMs - _lastBlockTimestampMs) / 1000.0);
        }
        _lastBlockTimestampMs = timestampMs;
    }

    public void Refused(TxRejectReason reason) =>
        _refused.AddOrUpdate(reason.ToWireName(), 1, (_, n) => n + 1);

    public void Dispose() => _meter.Dispose();
}
