using System.Diagnostics;
using System.Text.Json;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>`shanghaichain relay start` as a process, its output kept for failure messages.</summary>
internal sealed class RelayerProcess : LoggedProcess
{
    private RelayerProcess(Process process, string stateDir)
        : base(process)
    {
        StateDir = stateDir;
    }

    public string StateDir { get; }

    /// <summary>Work the relayer has seen and not yet confirmed, over all directions (its status.json); -1 before it wrote one.</summary>
    public int Pending
    {
        get
        {
            var file = Path.Combine(StateDir, "status.json");
            if (!File.Exists(file))
            {
                return -1;
            }
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            return json.RootElement.GetProperty("directions").EnumerateArray().Sum(d => d.GetProperty("pending").GetInt32());
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with the relayer's log when it exits or time runs out.</summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(HasExited, $"the relayer exited while waiting for {what}:\n{Log}");
            Assert.True(clock.Elapsed < patience, $"timed out after {patience} waiting for {what}:\n{Log}");
            await Task.Delay(100);
        }
    }

    public static RelayerProcess Start(string config)
    {
        var state = File.ReadAllLines(config).First(l => l.StartsWith("state_dir", StringComparison.Ordinal)).Split('"')[1];
        return new RelayerProcess(Process.Start(NodeBinary.StartInfo(["relay", "start", "--config", config], Path.GetDirectoryName(config)))!,
            Path.Combine(Path.GetDirectoryName(config)!, state));
    }
}
