using ShanghaiChain.Tests;
using Xunit.Abstractions;

namespace ShanghaiChain.Chaos.Tests;

/// <summary>
/// The fault-injection harness against four real validator processes under load (tools/chaos/README.md). Each run
/// is seeded (SHC_SEED replays the schedule) and fails with the checker's findings and the seed. Faults that need what
/// this machine lacks (root for namespaces and tmpfs, the Debian package faketime) are reported as skipped in the
/// output, never silently passed; as root with iproute2 and faketime, a skip fails the test.
/// </summary>
public sealed class ChaosRunTests(ITestOutputHelper output)
{
    private static readonly bool IsRoot = Environment.UserName == "root";

    [Fact]
    public async Task Short_run_of_every_fault_kind_loses_nothing_acknowledged_forks_nothing_and_recovers_after_each_heal()
    {
        var options = ChaosOptions.Parse([], Environment.GetEnvironmentVariable) with { Seed = TestSeed.Run };
        var report = await RunAsync(options);

        Assert.True(report.Passed, report.Summary());
        var kinds = report.Faults.Select(f => f.Fault.Kind).ToHashSet();
        Assert.True(report.Available.All(kinds.Contains), "a fault kind this machine allows did not run:\n" + report.Summary());
        if (IsRoot)
        {
            Assert.True(report.Skipped.Count == 0,
                "running as root, yet faults were skipped (install iproute2 and faketime, as .ci/run does):\n" + report.Summary());
        }
        Assert.True(report.Acknowledged > 0, "the load client was never acknowledged:\n" + report.Summary());
        Assert.Equal(0, report.Check!.Lost);
    }

    [Fact]
    public async Task A_validator_whose_disk_fills_stops_with_a_clear_error_leaves_a_sound_store_and_catches_up_once_space_is_freed()
    {
        if (!IsRoot)
        {
            output.WriteLine("skipped: mounting the small tmpfs this test fills needs root");
            return;
        }
        var options = ChaosOptions.Parse([], _ => null) with
        {
            Seed = TestSeed.Run,
            Only = new HashSet<FaultKind> { FaultKind.DiskFull },
            UseNamespaces = false,
        };
        var report = await RunAsync(options);

        Assert.True(report.Passed, report.Summary());
        var fault = Assert.Single(report.Faults);
        Assert.Contains("stopped with exit code 1 and a disk-full error", fault.Note, StringComparison.Ordinal);
        Assert.Contains("reopened with a full state check", fault.Note, StringComparison.Ordinal);
        Assert.True(report.Acknowledged > 0);
        Assert.Equal(0, report.Check!.Lost);
    }

    private async Task<ChaosReport> RunAsync(ChaosOptions options)
    {
        var lines = new List<string>();
        var report = await ChaosRun.RunAsync(options, line =>
        {
            lock (lines)
            {
                lines.Add(line);
            }
        });
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
        output.WriteLine(report.Summary());
        output.WriteLine(TestSeed.Describe(options.Seed));
        if (report.Passed)
        {
            try
            {
                Directory.Delete(report.WorkDir, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS's temp cleanup.
            }
        }
        return report;
    }
}
