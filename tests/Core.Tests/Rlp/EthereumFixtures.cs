using System.Text.Json;
using ShanghaiChain.Tests;

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

    private static string Locate() => Path.Combine(RepositoryPaths.Fixtures, "ethereum-tests");
}
