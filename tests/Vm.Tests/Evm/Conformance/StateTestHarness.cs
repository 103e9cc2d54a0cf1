using ShanghaiChain.Vm.Evm.Conformance;

namespace ShanghaiChain.Vm.Tests.Evm.Conformance;

/// <summary>Runs state-test files on a thread with a deep stack (nested calls recurse up to 1024 frames).</summary>
internal static class StateTestHarness
{
    private const int StackBytes = 256 * 1024 * 1024;

    public static IReadOnlyList<StateTestCaseResult> RunFile(string path)
    {
        IReadOnlyList<StateTestCaseResult> results = [];
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                results = [.. new StateTestRunner(EthereumStateRoot.Compute).RunFile(path)];
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, StackBytes);
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException($"runner crashed on {path}", failure);
        }
        return results;
    }

    public static IEnumerable<object[]> FilesUnder(string folder) =>
        Directory.EnumerateFiles(Path.Combine(FixturePaths.GeneralStateTests, folder), "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => new object[] { Path.GetRelativePath(FixturePaths.GeneralStateTests, f) });

    /// <summary>Every case passes; skipping (blob transactions) is not allowed.</summary>
    public static void AssertAllPass(string relativePath)
    {
        var results = RunFile(Path.Combine(FixturePaths.GeneralStateTests, relativePath));
        Assert.NotEmpty(results);
        Assert.DoesNotContain(results, r => r.Skipped);
        AssertNoFailures(results);
    }

    /// <summary>Every case passes or is skipped because it needs blob transactions (out of scope).</summary>
    public static void AssertAllPassOrSkipped(string relativePath)
    {
        var results = RunFile(Path.Combine(FixturePaths.GeneralStateTests, relativePath));
        Assert.NotEmpty(results);
        AssertNoFailures(results);
    }

    private static void AssertNoFailures(IReadOnlyList<StateTestCaseResult> results)
    {
        var failures = results.Where(r => !r.Passed && !r.Skipped).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {results.Count} cases failed:\n" + string.Join("\n", failures.Take(20)));
    }
}
