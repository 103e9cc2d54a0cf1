namespace ShanghaiChain.Storage;

/// <summary>
/// Recognises a write that failed because the file system is full, wherever it surfaced: .NET file writes (the safety
/// record) carry ENOSPC as the IOException's HResult, RocksDB reports "No space left on device" in its status text.
/// The node treats it apart from other storage failures because the remedy is the operator's (free space, restart)
/// and nothing is corrupt: every block and every safety record is written atomically or not at all.
/// </summary>
public static class DiskSpace
{
    private const int Enospc = 28;

    public static bool IsFull(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is IOException { HResult: Enospc } ||
                ex.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase) ||
                ex is AggregateException aggregate && aggregate.InnerExceptions.Any(IsFull))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The one line an operator reads when the node stops on a full disk.</summary>
    public static string Describe(Exception exception, string dataDir)
    {
        var cause = exception;
        while (cause.InnerException is not null && !(cause is IOException { HResult: Enospc } || cause.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)))
        {
            cause = cause.InnerException;
        }
        return $"disk full: a write under {dataDir} failed ({cause.Message.Split('\n')[0].Trim()}). The node stopped writing and shut down; " +
            "nothing committed is lost (each block and the safety record are written atomically). Free space and start it again: it catches up from its peers.";
    }
}
