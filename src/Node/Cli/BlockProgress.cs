using System.Diagnostics;
using Spectre.Console;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// Shows how far a long block operation (export, import, rollback) is: a Spectre.Console progress bar on a terminal, a
/// plain line every two seconds when the output is redirected (a log file or a test reads it), and the rate at the end.
/// </summary>
internal static class BlockProgress
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PlainPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Runs <paramref name="work"/> while showing <paramref name="done"/> out of <paramref name="total"/> blocks under
    /// <paramref name="label"/>; returns the work's result and the seconds it took.
    /// </summary>
    /// <param name="unit">What is counted (blocks, chunks); a <paramref name="total"/> of 0 means not known in advance.</param>
    public static async Task<(T Result, double Seconds)> RunAsync<T>(string label, ulong total, Func<ulong> done, Func<Task<T>> work, string unit = "blocks")
    {
        var clock = Stopwatch.StartNew();
        var task = work();
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask(label, maxValue: Math.Max(total, 1));
                    bar.IsIndeterminate = total == 0;
                    while (!task.IsCompleted)
                    {
                        bar.Value = done();
                        await Task.WhenAny(task, Task.Delay(100)).ConfigureAwait(false);
                    }
                    bar.Value = done();
                }).ConfigureAwait(false);
        }
        else
        {
            // A line as soon as the first block is done (the operation has started), then every two seconds.
            var printed = TimeSpan.Zero;
            var first = true;
            while (!task.IsCompleted)
            {
                await Task.WhenAny(task, Task.Delay(PlainPoll)).ConfigureAwait(false);
                var now = done();
                if (!task.IsCompleted && ((first && now > 0) || clock.Elapsed - printed >= PlainInterval))
                {
                    first = first && now == 0;
                    printed = clock.Elapsed;
                    var of = total > 0 ? $"{now}/{total}" : $"{now}";
                    Console.WriteLine($"{label}: {of} {unit} ({(now / Math.Max(clock.Elapsed.TotalSeconds, 0.001)).ToString(unit == "blocks" ? "F0" : "F1", System.Globalization.CultureInfo.InvariantCulture)} {unit}/s)");
                }
            }
        }
        var result = await task.ConfigureAwait(false);
        return (result, Math.Max(clock.Elapsed.TotalSeconds, 0.001));
    }
}
