using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// The folders of a rollback in a home's data/ and the swap that ends it. The new store is built in
/// <c>chain.rollback</c>; once replayed and checked it is renamed <c>chain.rollback-complete</c>; then the current store
/// moves to <c>chain.before-rollback</c>, the complete one takes its place, and the old one is deleted. A rollback
/// interrupted before the mark changed nothing (its folder is removed by the next run); one interrupted after it is
/// finished by the next run, so the data dir is never left without a store.
/// </summary>
internal sealed class Rollback(NodeHome home)
{
    public string NewDir => home.ChainDbDir + ".rollback";

    private string CompleteDir => home.RollbackCompleteDir;

    private string OldDir => home.ChainDbDir + ".before-rollback";

    /// <summary>Every folder of chain data a home can hold (reset removes them all).</summary>
    public static IEnumerable<string> ChainDirs(NodeHome home)
    {
        var rollback = new Rollback(home);
        return [home.ChainDbDir, rollback.NewDir, rollback.CompleteDir, rollback.OldDir];
    }

    /// <summary>Removes what an interrupted run left before its mark.</summary>
    public void RemoveLeftovers()
    {
        foreach (var dir in new[] { NewDir, OldDir })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>The new store is whole and checked: from here on the rollback is finished even if interrupted.</summary>
    public void MarkComplete() => Directory.Move(NewDir, CompleteDir);

    /// <summary>Finishes a rollback interrupted after its mark; returns what it did, or null when there was none.</summary>
    public string? FinishInterruptedSwap() =>
        Directory.Exists(CompleteDir) ? "finished an interrupted rollback: " + SwapIn() : null;

    /// <summary>Puts the new store in place of the current one.</summary>
    public string Swap(ulong head, ulong target) =>
        $"rolled back from height {head} to {target}: {SwapIn()}. The safety record is kept, so this validator signs nothing it " +
        $"signed before; on start the node re-commits blocks {target + 1}.. from its peers";

    private string SwapIn()
    {
        if (Directory.Exists(home.ChainDbDir))
        {
            if (Directory.Exists(OldDir))
            {
                Directory.Delete(OldDir, recursive: true);
            }
            Directory.Move(home.ChainDbDir, OldDir);
        }
        Directory.Move(CompleteDir, home.ChainDbDir);
        if (Directory.Exists(OldDir))
        {
            Directory.Delete(OldDir, recursive: true);
        }
        return $"{home.ChainDbDir} replaced";
    }
}
