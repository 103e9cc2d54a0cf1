using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ShanghaiChain.Chaos;

/// <summary>The figures of one run and every violation found; <see cref="Passed"/> when there is none.</summary>
internal sealed record ChaosReport(
    ChaosOptions Options,
    TimeSpan Elapsed,
    IReadOnlyList<FaultOutcome> Faults,
    IReadOnlyList<string> Skipped,
    IReadOnlySet<FaultKind> Available,
    CheckResult? Check,
    long Submitted,
    long Acknowledged,
    long Retries,
    long Expired,
    IReadOnlyList<string> Violations,
    string WorkDir)
{
    public bool Passed => Violations.Count == 0;

    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"chaos {(Options.LongMode ? "long" : "short")} run, seed {Options.Seed} (replay: SHC_SEED={Options.Seed}), {Options.Validators} validators, {Elapsed.TotalMinutes:F1} min");
        foreach (var skipped in Skipped)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"skipped: {skipped}");
        }
        text.AppendLine("fault           count  max resume (s)  mean resume (s)  max catch-up (s)");
        foreach (var group in Faults.GroupBy(f => f.Fault.Kind).OrderBy(g => g.Key))
        {
            var resumes = group.Select(f => f.RecoverySeconds).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"{group.Key,-15} {group.Count(),5}  {resumes.Max(),14:F1}  {resumes.Average(),15:F1}  {group.Max(f => f.CatchUpSeconds),16:F1}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"faults: {Faults.Count}; max time for the chain to resume after a heal: {(Faults.Count > 0 ? Faults.Max(f => f.RecoverySeconds) : 0):F1} s, for every validator to catch up: {(Faults.Count > 0 ? Faults.Max(f => f.CatchUpSeconds) : 0):F1} s");
        text.AppendLine(CultureInfo.InvariantCulture, $"load: {Submitted} signed, {Acknowledged} acknowledged, {Retries} window retries, {Expired} expired unacknowledged");
        if (Check is { } c)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"chain: height {c.Height}, {c.TransactionsOnChain} transactions; lost acknowledged {c.Lost}, forks {c.Forks}, committed twice {c.Duplicated}, nonce reused {c.NonceReuses}, equivocations {c.Equivocations}, bans {c.Bans}, unhandled errors {c.UnhandledExceptions}, health reports other than Healthy {c.UnhealthyReports}");
        }
        text.AppendLine(Passed ? "PASSED" : $"FAILED with {Violations.Count} violation(s):");
        foreach (var violation in Violations.Take(50))
        {
            text.AppendLine("  " + violation);
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"homes and logs: {WorkDir}");
        return text.ToString();
    }
}

/// <summary>
/// One harness run: lay out the network, start the validators, start the load, inject the seeded faults one after
/// another (each healed and recovered from before the next), stop the load, let every node catch up, and check.
/// </summary>
internal static class ChaosRun
{
    public static async Task<ChaosReport> RunAsync(ChaosOptions options, Action<string> log, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var skipped = new List<string>();
        var violations = new List<string>();
        log($"chaos: seed {options.Seed}, {(options.LongMode ? $"long mode for {options.Duration.TotalMinutes:F0} min" : "short mode")}, node {options.NodeDll}");

        HostNetwork? network = null;
        if (options.UseNamespaces)
        {
            if (HostNetwork.Probe() is { } reason)
            {
                skipped.Add($"partitions and degraded links: {reason}");
            }
            else
            {
                network = HostNetwork.Create(options.Validators, random, log);
            }
        }
        else
        {
            skipped.Add("partitions and degraded links: namespaces disabled by the options");
        }
        var available = Enum.GetValues<FaultKind>().Where(k => options.Only?.Contains(k) ?? !options.Excluded.Contains(k)).ToHashSet();
        if (network is null)
        {
            available.ExceptWith([FaultKind.IsolateOne, FaultKind.SplitHalves, FaultKind.DegradedLink]);
        }
        if (FaultInjector.FakeTimeLibrary is null && available.Remove(FaultKind.ClockSkew))
        {
            skipped.Add("clock skew: libfaketime is not installed (Debian package `faketime`)");
        }

        ChaosCluster? cluster = null;
        var faults = new List<FaultOutcome>();
        CheckResult? check = null;
        LoadClient? load = null;
        try
        {
            cluster = ChaosCluster.Create(options with { TmpfsMegabytes = available.Contains(FaultKind.DiskFull) ? options.TmpfsMegabytes : 0 }, network, log);
            if (cluster.TmpfsNode is null && available.Remove(FaultKind.DiskFull))
            {
                skipped.Add("full disk: no tmpfs could be mounted (needs root)");
            }
            await cluster.StartAllAsync(TimeSpan.FromSeconds(120)).ConfigureAwait(false);
            log($"{cluster.Nodes.Count} validators serving; logs in {cluster.Root}");
            load = new LoadClient(cluster, options.Seed);
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var loadTask = load.RunAsync(stopLoad.Token);
            var injector = new FaultInjector(cluster, load, options, log);
            if ((await injector.MeasureRecoveryAsync().ConfigureAwait(false)).CatchUpSeconds is null)
            {
                violations.Add("the network did not start committing");
            }

            var schedule = new FaultSchedule(options.Seed, options.Validators, available, options.LongMode);
            var planned = options.LongMode ? int.MaxValue : schedule.KindsPerRound;
            for (var i = 0; i < planned && (!options.LongMode || clock.Elapsed < options.Duration) && available.Count > 0; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var outcome = await injector.RunAsync(schedule.Next(cluster.TmpfsNode)).ConfigureAwait(false);
                faults.Add(outcome);
                violations.AddRange(outcome.Violations);
                if (double.IsInfinity(outcome.CatchUpSeconds))
                {
                    // A chain that did not recover makes every later figure meaningless: stop and check what is there.
                    break;
                }
            }

            await stopLoad.CancelAsync().ConfigureAwait(false);
            await loadTask.ConfigureAwait(false);
            // Everyone caught up to a common height before the comparison.
            if ((await injector.MeasureRecoveryAsync().ConfigureAwait(false)).CatchUpSeconds is null)
            {
                violations.Add("after the last heal, the validators did not all reach a common new height");
            }
            check = await new ChainChecker(cluster, load, log).CheckAsync(cancellationToken).ConfigureAwait(false);
            violations.AddRange(check.Violations);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            violations.Add($"the run stopped: {ex.Message}");
        }
        finally
        {
            load?.Dispose();
            if (cluster is not null)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
            network?.Dispose();
        }
        return new ChaosReport(options, clock.Elapsed, faults, skipped, available, check, load?.Submitted ?? 0, load?.Acknowledged.Count ?? 0,
            load?.Retries ?? 0, load?.Expired ?? 0, violations, cluster?.Root ?? options.WorkDir ?? "");
    }
}
