using ShanghaiChain.Tests;

namespace ShanghaiChain.Storage.Tests;

/// <summary>The store sees RocksDB only through its engine: the source, read as text, keeps it that way.</summary>
public sealed class ArchitectureTests
{
    private static readonly string StorageSource = Path.Combine(RepositoryPaths.Root, "src", "Storage");

    // The RocksDB engine: Engines/RocksDbEngine.cs and its partial files Engines/RocksDbEngine.*.cs.
    private static bool IsRocksDbEngine(string relativePath)
    {
        var name = Path.GetFileName(relativePath);
        return Path.GetDirectoryName(relativePath) == "Engines" && name.StartsWith("RocksDbEngine.", StringComparison.Ordinal) &&
            name.EndsWith(".cs", StringComparison.Ordinal);
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(StorageSource, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(StorageSource, path))
            .Where(path => path.Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"));

    private static bool MentionsRocksDbSharp(string relativePath) =>
        File.ReadAllText(Path.Combine(StorageSource, relativePath)).Contains("RocksDbSharp", StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void No_file_of_src_Storage_but_the_RocksDB_engine_mentions_RocksDbSharp()
    {
        var offenders = SourceFiles().Where(path => !IsRocksDbEngine(path) && MentionsRocksDbSharp(path)).ToList();
        Assert.True(offenders.Count == 0, $"RocksDbSharp outside the RocksDB engine (src/Storage/Engines/RocksDbEngine*.cs): {string.Join(", ", offenders)}");
        // The check reads the right folder: the engine itself does use RocksDB.
        Assert.Contains(SourceFiles(), path => IsRocksDbEngine(path) && MentionsRocksDbSharp(path));
    }
}
