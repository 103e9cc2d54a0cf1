namespace ShanghaiChain.Tests;

/// <summary>Locates the repository root (the folder holding ShanghaiChain.sln) and the shared fixtures beside it.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ShanghaiChain.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ShanghaiChain.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    /// <summary>
    /// The shared conformance vectors (never copied in): shared/fixtures beside the repository root (../shared
    /// from a main checkout; a git worktree sits deeper, so every ancestor is tried). SHC_FIXTURES overrides.
    /// </summary>
    public static string Fixtures => FixturesPath.Value;

    private static readonly Lazy<string> FixturesPath = new(() =>
    {
        if (Environment.GetEnvironmentVariable("SHC_FIXTURES") is { Length: > 0 } configured)
        {
            return configured;
        }
        for (var dir = new DirectoryInfo(Root).Parent; dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "fixtures");
            if (Directory.Exists(path))
            {
                return path;
            }
        }
        throw new DirectoryNotFoundException($"shared/fixtures not found beside {Root} or above it: check the repository out beside shared/, or set SHC_FIXTURES");
    });
}
