using ShanghaiChain.Chain.Sync;

using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Runs block sync on a node without a validator key: it follows the chain from its peers for as long as it runs. A
/// block that fails to commit (this node's execution diverges, the store fails) ends the service, and with it the host;
/// a full disk stops the host cleanly with one clear line (<see cref="NodeStopper"/>).
/// </summary>
public sealed class ChainFollowerService(BlockSync sync, IHostApplicationLifetime lifetime, NodeStopper stopper) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WaitForStartedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            await sync.FollowAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Storage.DiskSpace.IsFull(ex))
        {
            stopper.StopOnFullDisk(ex);
        }
    }
}
