using System.Text.RegularExpressions;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>The engine is a deterministic core: no clock, randomness, threads or I/O in src/Consensus.</summary>
public partial class PurityTests
{
    [GeneratedRegex(@"DateTime(Offset)?\.(Now|UtcNow|Today)|Stopwatch|new Random|Random\.Shared|Environment\.TickCount|TimeProvider|Thread|Task\.(Run|Delay)|System\.IO|File\.|Socket|Guid\.NewGuid|RandomNumberGenerator")]
    private static partial Regex Forbidden();

    [Fact]
    public void Consensus_sources_use_no_clock_randomness_threads_or_io()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "src", "Consensus")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        var files = Directory.GetFiles(Path.Combine(dir!.FullName, "src", "Consensus"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);
        var offending = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => Forbidden().IsMatch(x.line))
            .Select(x => $"{Path.GetFileName(x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(offending.Count == 0, string.Join(Environment.NewLine, offending));
    }
}
