using System.Text.RegularExpressions;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Node.Tests;

/// <summary>
/// Keeps the folders inside src/Node and src/Chain layered as docs/architecture.md draws them: each folder (namespace)
/// may use only the folders written down here, which form no cycle. A dependency is read from the source: a using
/// directive, a fully qualified name, or a name qualified by a sibling folder (which C# resolves to the sibling first).
/// </summary>
public sealed partial class NamespaceLayeringTests
{
    // Which sibling folders each folder of a project may use; "" is the project's root folder.
    private static readonly Dictionary<string, Dictionary<string, string[]>> Allowed = new()
    {
        ["Node"] = new()
        {
            [""] = ["Cli"],
            ["Cli"] = ["Api", "Config", "Hosting", "Relayer"],
            ["Hosting"] = ["Api", "Config", "Consensus", "Observability", "Peers"],
            ["Observability"] = ["Config", "Peers"],
            ["Api"] = ["Config", "Peers"],
            ["Consensus"] = ["Config", "Peers"],
            ["Peers"] = ["Config"],
            ["Relayer"] = ["Config"],
            ["Config"] = [],
        },
        ["Chain"] = new()
        {
            ["Archive"] = ["Sync"],
            ["Snapshots"] = ["Blocks"],
            ["Sync"] = ["", "Blocks", "Execution", "Validation"],
            ["Building"] = ["Blocks", "Execution", "Mempool"],
            ["Execution"] = ["Blocks", "Feed", "Mempool", "Observability", "Validation"],
            ["Validation"] = ["Blocks", "Mempool"],
            ["Feed"] = ["Blocks"],
            ["Blocks"] = [],
            ["Mempool"] = [],
            ["Observability"] = [],
            [""] = [],
        },
    };

    public static IEnumerable<object[]> Projects() => Allowed.Keys.Select(p => new object[] { p });

    [Theory]
    [MemberData(nameof(Projects))]
    public void Folders_use_only_the_folders_the_architecture_allows(string project)
    {
        var graph = FolderGraph(project);
        foreach (var (folder, uses) in graph)
        {
            Assert.True(Allowed[project].ContainsKey(folder), $"src/{project}/{folder} is not in the layering; add it to this test and docs/architecture.md");
            var forbidden = uses.Keys.Except(Allowed[project][folder]).ToList();
            Assert.True(forbidden.Count == 0, string.Join("; ", forbidden.Select(f =>
                $"src/{project}/{(folder.Length == 0 ? "(root)" : folder)} uses {project}.{f} in {string.Join(", ", uses[f])}, which the layering does not allow")));
        }
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void The_allowed_directions_form_no_cycle(string project)
    {
        var cycle = FindCycle(Allowed[project].ToDictionary(kv => kv.Key, kv => (IReadOnlyCollection<string>)kv.Value));
        Assert.True(cycle is null, $"the layering of src/{project} has a cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Folders_as_the_code_uses_them_form_no_cycle(string project)
    {
        var graph = FolderGraph(project).ToDictionary(kv => kv.Key, kv => (IReadOnlyCollection<string>)kv.Value.Keys);
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"src/{project} has a folder cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void The_cycle_check_finds_a_cycle()
    {
        // Guards the checker itself: Consensus and Peers using each other is the cycle this test was written against.
        var graph = new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["Hosting"] = ["Consensus", "Peers"],
            ["Consensus"] = ["Peers", "Config"],
            ["Peers"] = ["Config", "Consensus"],
            ["Config"] = [],
        };
        var cycle = FindCycle(graph);
        Assert.NotNull(cycle);
        Assert.Contains("Consensus", cycle);
        Assert.Contains("Peers", cycle);
        Assert.Null(FindCycle(new Dictionary<string, IReadOnlyCollection<string>> { ["A"] = ["B"], ["B"] = [] }));
    }

    [Fact]
    public void The_reader_sees_real_dependencies()
    {
        // Guards the reader: the consensus driver uses the peer layer, the host composes the consensus folder.
        var graph = FolderGraph("Node");
        Assert.Contains("Peers", graph["Consensus"].Keys);
        Assert.Contains("Consensus", graph["Hosting"].Keys);
        Assert.Contains("Execution", FolderGraph("Chain")["Sync"].Keys);
    }

    [Fact]
    public void Only_the_composition_and_the_execution_stage_hold_the_writable_store()
    {
        // Everything else reads through IChainReader: the single writer to the store holds by construction.
        var holders = SourceFiles("Node").Concat(SourceFiles("Chain"))
            .Where(f => ConcreteStore().IsMatch(StripCommentsAndStrings(File.ReadAllText(f))))
            .Select(f => Path.GetRelativePath(Path.Combine(RepositoryPaths.Root, "src"), f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["Chain/Execution/BlockCommitter.cs", "Chain/Execution/ExecutionPipeline.cs", "Node/Hosting/NodeHost.cs", "Node/Hosting/OfflineChain.cs"], holders);
    }

    [Fact]
    public void No_file_in_src_Node_is_over_400_lines()
    {
        var tooLong = SourceFiles("Node")
            .Select(f => (File: Path.GetRelativePath(RepositoryPaths.Root, f), Lines: File.ReadAllLines(f).Length))
            .Where(f => f.Lines > 400)
            .Select(f => $"{f.File} ({f.Lines} lines)")
            .ToList();
        Assert.True(tooLong.Count == 0, "src/Node composes; a file this long holds logic that belongs in a library or two concerns: " + string.Join(", ", tooLong));
    }

    /// <summary>Folder to (used sibling folder to the files that use it).</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> FolderGraph(string project)
    {
        var root = Path.Combine(RepositoryPaths.Root, "src", project);
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Select(d => d!).ToHashSet();
        var graph = new Dictionary<string, Dictionary<string, List<string>>>();
        foreach (var file in SourceFiles(project))
        {
            var relative = Path.GetRelativePath(root, file);
            var folder = relative.Contains(Path.DirectorySeparatorChar) ? relative[..relative.IndexOf(Path.DirectorySeparatorChar)] : "";
            if (!graph.TryGetValue(folder, out var uses))
            {
                graph[folder] = uses = [];
            }
            var code = StripCommentsAndStrings(File.ReadAllText(file));
            var used = new HashSet<string>();
            foreach (Match m in QualifiedUse().Matches(code))
            {
                if (m.Groups["project"].Value == project)
                {
                    // ShanghaiChain.Node.X.… or a using of ShanghaiChain.Node.X; the root namespace itself is folder "".
                    used.Add(m.Groups["folder"].Success && folders.Contains(m.Groups["folder"].Value) ? m.Groups["folder"].Value : "");
                }
            }
            foreach (Match m in SiblingUse().Matches(code))
            {
                if (folders.Contains(m.Groups["folder"].Value))
                {
                    used.Add(m.Groups["folder"].Value);
                }
            }
            used.Remove(folder);
            foreach (var target in used)
            {
                if (!uses.TryGetValue(target, out var files))
                {
                    uses[target] = files = [];
                }
                files.Add(Path.GetFileName(file));
            }
        }
        return graph;
    }

    private static IEnumerable<string> SourceFiles(string project) =>
        Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src", project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    /// <summary>A cycle as a path of folders (first = last), or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, IReadOnlyCollection<string>> graph)
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges : [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path[path.IndexOf(next)..], next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    private static string StripCommentsAndStrings(string code) => CommentOrString().Replace(code, m => m.Value.StartsWith('/') ? " " : "\"\"");

    [GeneratedRegex(@"\bChainStore\b")]
    private static partial Regex ConcreteStore();

    [GeneratedRegex(@"ShanghaiChain\.(?<project>Node|Chain)(\.(?<folder>[A-Z]\w*))?")]
    private static partial Regex QualifiedUse();

    // A name qualified by a folder, not itself a member access (a.Peers.X is a property, Peers.X is the folder).
    [GeneratedRegex(@"(?<![\w.])(?<folder>[A-Z]\w*)\.[A-Z]")]
    private static partial Regex SiblingUse();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|\$?""(?:[^""\\\n]|\\.)*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();
}
