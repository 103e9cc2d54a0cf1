using ShanghaiChain.Chaos;

// shanghaichain-chaos [--seed N] [--long] [--duration 30m] [--only Kind,...] [--exclude Kind,...] [--work DIR] [--node-dll PATH]
// Exit code 0 when the checker found nothing, 1 on a violation, 2 on bad arguments. See tools/chaos/README.md.
ChaosOptions options;
try
{
    options = ChaosOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (Exception ex) when (ex is ArgumentException or FileNotFoundException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine("usage: shanghaichain-chaos [--seed N] [--long] [--duration 30m] [--only Kind,...] [--exclude Kind,...] [--work DIR] [--node-dll PATH]");
    Console.Error.WriteLine($"kinds: {string.Join(", ", Enum.GetNames<FaultKind>())}");
    return 2;
}
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupt.Cancel();
};
var report = await ChaosRun.RunAsync(options, line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"), interrupt.Token);
Console.WriteLine();
Console.WriteLine(report.Summary());
if (Directory.Exists(report.WorkDir))
{
    await File.WriteAllTextAsync(Path.Combine(report.WorkDir, "report.txt"), report.Summary());
}
return report.Passed ? 0 : 1;
