using System.Xml.Linq;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Node.Tests;

/// <summary>Keeps the dependency picture of docs/architecture.md true: a reference it does not allow fails the build's tests.</summary>
public sealed class ArchitectureTests
{
    // Which of our projects each production project may reference.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Core"] = [],
        ["Consensus"] = ["Core"],
        ["Vm"] = ["Core"],
        ["Storage"] = ["Core"],
        // Light clients, channels, packets and the cross-chain system contract.
        ["Relay"] = ["Core", "Vm"],
        // The block pipeline: mempool, building, validity, execution, commit, catch-up.
        ["Chain"] = ["Core", "Consensus", "Storage", "Vm", "Governance"],
        ["Conformance"] = ["Core", "Vm"],
        // The committee's system contract, the roles rule and the governance read side.
        ["Governance"] = ["Core", "Vm"],
        // The client library for applications and the CLI; it holds the application API's gRPC contract.
        ["Client"] = ["Core", "Vm"],
        ["Node"] = ["Core", "Consensus", "Vm", "Storage", "Relay", "Chain", "Conformance", "Governance", "Client"],
    };

    public static IEnumerable<object[]> ProductionProjects() =>
        Directory.GetDirectories(Path.Combine(RepositoryPaths.Root, "src")).Select(d => new object[] { Path.GetFileName(d) });

    [Theory]
    [MemberData(nameof(ProductionProjects))]
    public void Project_references_follow_the_architecture(string project)
    {
        Assert.True(Allowed.ContainsKey(project), $"src/{project} is not in the architecture; add it to docs/architecture.md and this test");
        var referenced = References(project);
        var forbidden = referenced.Except(Allowed[project]).ToList();
        Assert.True(forbidden.Count == 0, $"src/{project} references {string.Join(", ", forbidden)}, which the architecture does not allow");
    }

    [Fact]
    public void RocksDb_is_referenced_by_Storage_alone()
    {
        foreach (var dir in Directory.GetDirectories(Path.Combine(RepositoryPaths.Root, "src")))
        {
            var name = Path.GetFileName(dir);
            var packages = Csproj(name).Descendants("PackageReference").Select(p => (string?)p.Attribute("Include"));
            Assert.True(name == "Storage" || !packages.Contains("RocksDB"), $"src/{name} references RocksDB directly");
        }
    }

    [Fact]
    public void The_checker_sees_real_references()
    {
        // Guards the test itself: Node must show its references, or the parsing above proves nothing.
        Assert.Contains("Core", References("Node"));
        Assert.Contains("Storage", References("Node"));
    }

    private static XDocument Csproj(string project) =>
        XDocument.Load(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "src", project), "*.csproj").Single());

    private static List<string> References(string project) =>
        Csproj(project).Descendants("ProjectReference")
            .Select(r => (string)r.Attribute("Include")!)
            .Select(path => Path.GetFileName(Path.GetDirectoryName(path.Replace('\\', '/')))!)
            .ToList();
}
