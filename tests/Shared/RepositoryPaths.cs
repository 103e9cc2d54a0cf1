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

    /// <summary>../shared/fixtures relative to the repository root (public conformance vectors, never copied in).</summary>
    public static string Fixtures
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures"));
            return Directory.Exists(path)
                ? path
                : throw new DirectoryNotFoundException($"shared fixtures not found at {path}: the repository must be checked out beside shared/");
        }
    }
}
