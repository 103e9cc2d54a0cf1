using ShanghaiChain.Conformance;
using ShanghaiChain.Tests;
using Xunit.Abstractions;

namespace ShanghaiChain.Vm.Tests.Evm.Conformance;

/// <summary>
/// The whole GeneralStateTests tree (every folder, every case: post-state root, logs hash, validity), run in parallel on
/// every core. Skips are allowed only for blob transactions and the point-evaluation precompile (out of scope). The
/// per-folder table is written to the test output:
/// <c>dotnet test tests/Vm.Tests -c Release --filter GeneralStateTestsTree --logger "console;verbosity=detailed"</c>.
/// </summary>
public class GeneralStateTestsTree(ITestOutputHelper output)
{
    private static string Root => Path.Combine(RepositoryPaths.Fixtures, "ethereum-tests", "GeneralStateTests");

    [Fact]
    public void Every_case_of_every_folder_passes_except_blob_and_point_evaluation_skips()
    {
        var failures = new List<StateTestCaseResult>();
        var skips = new List<StateTestCaseResult>();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var folders = new StateTestRunner(EthereumStateRoot.Compute).RunFolders(Root, Environment.ProcessorCount, r =>
        {
            if (r.Skipped)
            {
                skips.Add(r);
            }
            else if (!r.Passed)
            {
                failures.Add(r);
            }
        });
        output.WriteLine(StateTestRunner.FormatTable(folders));
        output.WriteLine($"{Environment.ProcessorCount} workers, {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s wall clock");

        // Every folder of the tree was found and ran (48 at the fixtures' revision).
        Assert.Equal(Directory.GetDirectories(Root).Length, folders.Count);
        Assert.All(folders, f => Assert.True(f.Passed + f.Failed + f.Skipped > 0, $"{f.Folder} ran no case"));
        Assert.True(failures.Count == 0, $"{failures.Count} cases failed:\n" + string.Join("\n", failures.Take(30)));
        Assert.All(skips, s => Assert.Equal("blob transactions and point evaluation are out of scope", s.Message));
        Assert.All(folders.Where(f => f.Skipped > 0), f => Assert.Contains(f.Folder, new[] { "Cancun", "Pyspecs" }));
    }
}
