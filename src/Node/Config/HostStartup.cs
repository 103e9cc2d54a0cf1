namespace ShanghaiChain.Node.Config;

/// <summary>Lets background work wait until every endpoint is bound, so nothing runs for a host that fails to start.</summary>
public static class HostStartup
{
    public static Task WaitForStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(cancellationToken);
    }
}
