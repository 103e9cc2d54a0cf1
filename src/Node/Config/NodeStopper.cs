using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Config;

/// <summary>
/// Stops the node on purpose, cleanly, for a failure the operator must remedy (a full disk): logs one critical line
/// saying what happened and what to do, records it, and asks the host to shut down (the store is closed after the
/// services have stopped). The start command reads <see cref="Reason"/> after the host has stopped and exits with it
/// and a failure code, instead of the host reporting a crashed background service.
/// </summary>
public sealed class NodeStopper(NodeHome home, IHostApplicationLifetime lifetime, ILogger<NodeStopper> logger)
{
    private string? _reason;

    public string? Reason => Volatile.Read(ref _reason);

    public void StopOnFullDisk(Exception cause)
    {
        var reason = DiskSpace.Describe(cause, home.DataDir);
        // The first reason only: later failures are its consequences.
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
        {
            logger.LogCritical("{Reason}", reason);
        }
        lifetime.StopApplication();
    }
}
