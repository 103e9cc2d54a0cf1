namespace ShanghaiChain.Vm.Tests.Evm.Conformance;

/// <summary>Finds the shared Ethereum fixtures relative to the repository (the folder holding ShanghaiChain.sln).</summary>
internal static class FixturePaths
{
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ShanghaiChain.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new DirectoryNotFoundException("no ShanghaiChain.sln above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>../shared/fixtures beside the repository; worktrees nested deeper look further up for the same folder.</summary>
    public static string GeneralStateTests
    {
        get
        {
            for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "ethereum-tests", "GeneralStateTests");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new DirectoryNotFoundException("no shared/fixtures/ethereum-tests/GeneralStateTests beside " + RepositoryRoot);
        }
    }
}
