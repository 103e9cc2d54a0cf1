using System.Runtime.ExceptionServices;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// Runs EVM work on a thread with a deep stack: nested calls recurse on the CLR stack up to 1,024 frames, more than a
/// default thread (1 MiB on a thread-pool thread) can hold. The caller waits; exceptions come back as they were thrown.
/// </summary>
public static class LargeStack
{
    public const int StackBytes = 64 * 1024 * 1024;

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
