using ShanghaiChain.Tests;

namespace ShanghaiChain.Fuzz.Tests;

/// <summary>
/// Every input committed under tools/fuzz (the seed corpus of each target and every crash or hang a fuzzer found) replayed
/// through its target in-process, asserting the harness contract: the input decodes or is refused with the decoder's typed
/// error, within a time bound. A finding fixed in src/ stays fixed.
/// </summary>
public sealed class CorpusReplayTests
{
    /// <summary>Generous for one input (each takes milliseconds); a decoder that loops is caught instead of hanging CI.</summary>
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(20);

    private static string FuzzRoot => Path.Combine(RepositoryPaths.Root, "tools", "fuzz");

    public static TheoryData<string, string> CommittedInputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in new[] { "corpus", "findings" })
        {
            foreach (var target in FuzzTargets.All)
            {
                var dir = Path.Combine(FuzzRoot, folder, target.Name);
                if (!Directory.Exists(dir))
                {
                    continue;
                }
                foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                {
                    data.Add(target.Name, Path.GetRelativePath(FuzzRoot, file));
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CommittedInputs))]
    public void Committed_input_is_decoded_or_refused_with_a_typed_error(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(FuzzRoot, file));
        RunWithinLimit(FuzzTargets.Find(target)!, input);
    }

    [Fact]
    public void Every_target_has_a_committed_seed_corpus()
    {
        foreach (var target in FuzzTargets.All)
        {
            var dir = Path.Combine(FuzzRoot, "corpus", target.Name);
            Assert.True(Directory.Exists(dir) && Directory.GetFiles(dir).Length > 0, $"no seed corpus in {dir}: run the harness's seed command");
        }
    }

    [Fact]
    public void Freshly_generated_seeds_keep_the_contract()
    {
        foreach (var target in FuzzTargets.All)
        {
            foreach (var (name, data) in target.Seeds())
            {
                try
                {
                    RunWithinLimit(target, data);
                }
                catch (Exception ex)
                {
                    throw new Xunit.Sdk.XunitException($"{target.Name}/{name}: {ex}");
                }
            }
        }
    }

    [Fact]
    public void Target_names_are_unique_and_usable_as_folder_names()
    {
        var names = FuzzTargets.All.Select(t => t.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9-]+$", n));
    }

    private static void RunWithinLimit(FuzzTarget target, byte[] input)
    {
        var run = Task.Run(() => target.Run(input));
        if (!run.Wait(PerInputLimit))
        {
            throw new TimeoutException($"{target.Name} took more than {PerInputLimit.TotalSeconds} s on one input: a hang");
        }
        run.GetAwaiter().GetResult();
    }
}
