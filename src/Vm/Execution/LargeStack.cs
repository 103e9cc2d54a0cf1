using System.Runtime.ExceptionServices;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// Runs EVM work on a thread with a deep stack: nested calls recurse on the CLR stack up to 1,024 frames, more than a
/// default thread (1 MiB on a thread-pool thread) can hold. The caller waits; exceptions come back as they were thrown.
/// </summary>
public static class LargeStack
{
    public const int StackBytes = 64 * 1024 * 1024;

    /// <summary>Runs <paramref name="work"/> on a deep-stack thread without blocking the caller's thread.</summary>
    public static Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception ex)
            {
                completion.SetException(ex);
            }
        }, StackBytes)
        {
            Name = "evm-call",
            IsBackground = true,
        };
        thread.Start();
        return completion.Task;
    }

    public static T Run<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
        }, StackBytes)
        {
            Name = "evm",
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }
}
