using ShanghaiChain.Node.Cli;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The folder swap that ends a rollback, at each point where it can be interrupted: before the mark nothing changed,
/// after it the next run finishes the swap, and a node refuses to start in between.
/// </summary>
public sealed class RollbackSwapTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("shc-rollback-").FullName;
    private readonly NodeHome _home;

    public RollbackSwapTests()
    {
        _home = new NodeHome(_root);
        Directory.CreateDirectory(_home.ChainDbDir);
        File.WriteAllText(Path.Combine(_home.ChainDbDir, "which"), "old");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Which(string dir) => File.ReadAllText(Path.Combine(dir, "which"));

    private void BuildNewStore(Rollback rollback)
    {
        Directory.CreateDirectory(rollback.NewDir);
        File.WriteAllText(Path.Combine(rollback.NewDir, "which"), "new");
    }

    [Fact]
    public void Interrupted_before_the_mark_nothing_changes_and_the_next_run_starts_clean()
    {
        var rollback = new Rollback(_home);
        BuildNewStore(rollback);

        Assert.Null(rollback.FinishInterruptedSwap());
        rollback.RemoveLeftovers();

        Assert.False(Directory.Exists(rollback.NewDir));
        Assert.Equal("old", Which(_home.ChainDbDir));
    }

    [Fact]
    public void After_the_mark_the_swap_completes_whether_or_not_the_old_store_had_moved()
    {
        var rollback = new Rollback(_home);
        BuildNewStore(rollback);
        rollback.MarkComplete();

        Assert.NotNull(rollback.FinishInterruptedSwap());
        Assert.Equal("new", Which(_home.ChainDbDir));
        Assert.Equal([_home.ChainDbDir], Rollback.ChainDirs(_home).Where(Directory.Exists));

        // Interrupted after the old store moved aside: the data dir has no store at all until the swap finishes.
        BuildNewStore(rollback);
        rollback.MarkComplete();
        Directory.Move(_home.ChainDbDir, _home.ChainDbDir + ".before-rollback");
        Assert.NotNull(rollback.FinishInterruptedSwap());
        Assert.Equal("new", Which(_home.ChainDbDir));
        Assert.Equal([_home.ChainDbDir], Rollback.ChainDirs(_home).Where(Directory.Exists));
    }

    [Fact]
    public async Task A_node_refuses_to_start_between_the_mark_and_the_swap()
    {
        using var chain = new TestChain(Core.Crypto.CryptoSuite.Ed25519Sha256);
        Directory.CreateDirectory(chain.Home.RollbackCompleteDir);

        var start = await NodeBinary.RunAsync("start", "--home", chain.Home.Root);

        Assert.Equal(1, start.ExitCode);
        Assert.Contains("interrupted before it replaced the data dir", start.Stderr, StringComparison.Ordinal);
        Assert.Contains("shanghaichain rollback --home", start.Stderr, StringComparison.Ordinal);
    }
}
