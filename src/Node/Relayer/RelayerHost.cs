using Prometheus;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// `relay start`: connects to every chain of relay.toml, builds two directions and two misbehaviour watchers (one per
/// client) per path and one event follower per chain, then runs them until stopped, saving each chain's cursor as its events are confirmed and the status for
/// `relay status`. Runs until the token is cancelled (Ctrl+C, SIGTERM).
/// </summary>
public static class RelayerHost
{
    public static async Task RunAsync(RelayerConfig config, ILoggerFactory loggers, CancellationToken cancel)
    {
        var logger = loggers.CreateLogger("relayer");
        using var state = RelayerState.Open(config.StateDir);
        var links = new Dictionary<string, ChainLink>();
        using var metrics = new RelayerMetrics();
        try
        {
            foreach (var chain in config.Chains)
            {
                links[chain.Id] = await ChainLink.ConnectAsync(chain, cancel).ConfigureAwait(false);
            }
            // Directions by (source chain, the channel's client on the source): the client on A is of B, so A's events on
            // channels bound to it are delivered to B.
            var byChain = config.Chains.ToDictionary(c => c.Id, _ => new Dictionary<string, DirectionWorker>());
            var directions = new List<DirectionWorker>();
            var watchers = config.Chains.ToDictionary(c => c.Id, _ => new Dictionary<string, MisbehaviourWatcher>());
            foreach (var path in config.Paths)
            {
                watchers[path.A][path.ClientOnA] = new MisbehaviourWatcher(links[path.A], links[path.B], path.ClientOnA, metrics, loggers.CreateLogger("relayer"));
                watchers[path.B][path.ClientOnB] = new MisbehaviourWatcher(links[path.B], links[path.A], path.ClientOnB, metrics, loggers.CreateLogger("relayer"));
                var toB = new DirectionWorker(links[path.A], links[path.B], path.ClientOnB, config, metrics, loggers.CreateLogger("relayer"));
                var toA = new DirectionWorker(links[path.B], links[path.A], path.ClientOnA, config, metrics, loggers.CreateLogger("relayer"));
                toB.Pair(toA);
                toA.Pair(toB);
                byChain[path.A][path.ClientOnA] = toB;
                byChain[path.B][path.ClientOnB] = toA;
                directions.AddRange([toB, toA]);
            }
            metrics.ObservePending(() => directions.Select(d => (d.Source, d.Destination, d.Pending)));
            using var server = StartMetrics(config);
            var trackers = config.Chains.ToDictionary(c => c.Id, c => new CursorTracker(state.CursorOf(c.Id)));
            foreach (var (id, tracker) in trackers)
            {
                logger.LogInformation("following {Chain} at {Node} {From}", id, links[id].Config.Node,
                    tracker.Safe is { } c ? $"after {c.Height}/{c.TxIndex}/{c.LogIndex}" : $"from height {links[id].Config.StartHeight}");
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var tasks = new List<Task>();
            tasks.AddRange(directions.Select(d => d.RunAsync(stop.Token)));
            tasks.AddRange(watchers.Values.SelectMany(w => w.Values).Select(w => w.RunAsync(stop.Token)));
            tasks.AddRange(config.Chains.Select(c => new EventFollower(links[c.Id], trackers[c.Id], byChain[c.Id], watchers[c.Id], logger).RunAsync(stop.Token)));
            logger.LogInformation("relaying {Paths} path(s); metrics on {Metrics}; state in {State}", config.Paths.Count,
                config.MetricsListen.Length == 0 ? "(off)" : config.MetricsListen, config.StateDir);
            var lastStatus = 0L;
            while (!cancel.IsCancellationRequested && tasks.All(t => !t.IsCompleted))
            {
                foreach (var (id, tracker) in trackers)
                {
                    if (tracker.Safe is { } cursor)
                    {
                        state.Save(id, cursor);
                    }
                }
                if (Environment.TickCount64 - lastStatus >= 1000)
                {
                    lastStatus = Environment.TickCount64;
                    state.SaveStatus(new RelayerStatus(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Environment.ProcessId,
                        [.. directions.Select(d => new DirectionStatus(d.Source, d.Destination, d.Client, d.Pending, d.ClientHeight, d.Relayed, d.LastError))]));
                }
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(config.PollIntervalMs), cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
            foreach (var (id, tracker) in trackers)
            {
                if (tracker.Safe is { } cursor)
                {
                    state.Save(id, cursor);
                }
            }
            logger.LogInformation("relayer stopped; cursors saved");
        }
        finally
        {
            foreach (var link in links.Values)
            {
                link.Dispose();
            }
        }
    }

    private static IDisposable? StartMetrics(RelayerConfig config)
    {
        if (config.MetricsListen.Length == 0)
        {
            return null;
        }
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressProcessMetrics = false, SuppressDebugMetrics = true, SuppressEventCounters = true, SuppressMeters = false });
        Metrics.ConfigureMeterAdapter(o =>
        {
            o.InstrumentFilterPredicate = instrument => instrument.Meter.Name == RelayerMetrics.MeterName;
            o.ResolveHistogramBuckets = _ => RelayerMetrics.Buckets;
        });
        // prometheus-net listens to meters only from its first collection: collect once now, so that counters and the
        // latency histogram count from the start, not from the first scrape.
        Metrics.DefaultRegistry.CollectAndExportAsTextAsync(Stream.Null).GetAwaiter().GetResult();
        var endpoint = System.Net.IPEndPoint.Parse(config.MetricsListen);
        var server = new KestrelMetricServer(endpoint.Address.ToString(), endpoint.Port);
        server.Start();
        return server;
    }
}
