using System.Text.Json;

namespace ShanghaiChain.Core.Tests.Rlp;

/// <summary>Reads the shared ethereum-tests vectors in place (../shared/fixtures next to the repository root).</summary>
internal static class EthereumFixtures
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string PathOf(string relative) => Path.Combine(Root.Value, relative);

    /// <summary>The named vectors of one JSON file, as (name, body) pairs.</summary>
    public static IEnumerable<(string Name, JsonElement Body)> Load(string relative)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(PathOf(relative)));
        foreach (var property in document.RootElement.EnumerateObject())
        {
            yield return (property.Name, property.Value.Clone());
        }
    }

    public static TheoryData<string> Names(string relative)
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in Load(relative))
        {
            data.Add(name);
        }
        return data;
    }

    public static JsonElement Get(string relative, string name) => Load(relative).Single(v => v.Name == name).Body;

    // The fixtures sit in shared/fixtures beside the repository (../shared from the main checkout); worktrees are
    // one level deeper, so every ancestor of the repository root is tried. SHANGHAICHAIN_FIXTURES overrides.
    private static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable("SHANGHAICHAIN_FIXTURES");
        if (!string.IsNullOrEmpty(configured))
        {
            return Path.Combine(configured, "ethereum-tests");
        }
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ShanghaiChain.sln")))
        {
            directory = directory.Parent;
        }
        if (directory is null)
        {
            throw new DirectoryNotFoundException($"no ShanghaiChain.sln above {AppContext.BaseDirectory}");
        }
        for (var ancestor = directory.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            var fixtures = Path.Combine(ancestor.FullName, "shared", "fixtures", "ethereum-tests");
            if (Directory.Exists(fixtures))
            {
                return fixtures;
            }
        }
        throw new DirectoryNotFoundException($"no shared/fixtures/ethereum-tests beside {directory.FullName} or above it");
    }
}
