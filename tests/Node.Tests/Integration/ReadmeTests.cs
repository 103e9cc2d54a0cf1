using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ShanghaiChain.Tests;
using Xunit.Abstractions;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The README followed literally by a newcomer, on a clean clone of the committed repository: its first command (the
/// devnet, built by ./shanghaichain on first use), then its "Then" section as written, then the commands its prose names;
/// afterwards every file is where the README says and git sees nothing new. The second command (the whole test suite)
/// is this suite itself: it is checked to be the documented command on the solution, not run from inside a test.
/// </summary>
[Collection("network")]
public sealed partial class ReadmeTests(ITestOutputHelper output)
{
    /// <summary>The README's devnet runs on the embedded default ports: node i uses 26657 + 10·i (API), +1 (peers), +3 (metrics).</summary>
    private static readonly int[] DevnetPorts = [.. Enumerable.Range(0, 4).SelectMany(i => new[] { 26657 + (10 * i), 26658 + (10 * i), 26660 + (10 * i) })];

    [Fact]
    public async Task A_clean_clone_runs_the_readme_as_written_and_keeps_every_file_where_it_says()
    {
        var busy = DevnetPorts.Where(p => !IsFree(p)).ToList();
        Assert.True(busy.Count == 0, $"the README's devnet needs the default ports; in use now: {string.Join(", ", busy)} " +
            $"({string.Join("; ", busy.Select(p => Node.Config.PortCheck.HolderOf(p) ?? "?"))})");
        var root = Directory.CreateTempSubdirectory("shc-readme-").FullName;
        var repo = Path.Combine(root, "repo");
        Process? devnet = null;
        var devnetLog = new StringBuilder();
        try
        {
            var clone = await RunAsync("git", root, "clone", "--quiet", "--no-hardlinks", RepositoryPaths.Root, repo);
            Assert.True(clone.ExitCode == 0, clone.Output);
            var readme = File.ReadAllText(Path.Combine(repo, "README.md"));
            var commands = Blocks(Section(readme, "## The two commands"));
            Assert.Equal(2, commands.Count);
            Assert.Equal("dotnet test ShanghaiChain.sln -c Release", commands[1].Trim());
            Assert.True(File.Exists(Path.Combine(repo, "ShanghaiChain.sln")));
            var then = Assert.Single(Blocks(Section(readme, "## Then")));

            // The first command, literally, in the clone's root; it builds the node first (minutes on a busy machine).
            var info = new ProcessStartInfo("bash", ["-c", commands[0]])
            {
                WorkingDirectory = repo,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            devnet = Process.Start(info)!;
            devnet.OutputDataReceived += (_, e) => { lock (devnetLog) { devnetLog.AppendLine(e.Data); } };
            devnet.ErrorDataReceived += (_, e) => { lock (devnetLog) { devnetLog.AppendLine(e.Data); } };
            devnet.BeginOutputReadLine();
            devnet.BeginErrorReadLine();
            string Log() { lock (devnetLog) { return devnetLog.ToString(); } }
            using (var started = new CancellationTokenSource(TimeSpan.FromMinutes(8)))
            {
                while (Enumerable.Range(0, 4).Any(i => !Log().Contains($"[validator-{i}] node 'validator-{i}' serving the API", StringComparison.Ordinal)))
                {
                    Assert.False(devnet.HasExited, "the devnet exited:\n" + Log());
                    await Task.Delay(NodeBinary.PollInterval, started.Token);
                }
            }

            // The "Then" section as one shell script, stopping at the first command that fails.
            var script = await RunAsync("bash", repo, "-e", "-c", then);
            output.WriteLine(script.Output);
            Assert.True(script.ExitCode == 0, script.Output + "\ndevnet:\n" + Log());
            Assert.Contains("status:   success", script.Output, StringComparison.Ordinal);
            Assert.Contains("balance: 1000", script.Output, StringComparison.Ordinal);
            Assert.Contains("stalled:      no", script.Output, StringComparison.Ordinal);
            Assert.Contains("3 peer(s)", script.Output, StringComparison.Ordinal);
            Assert.Contains("4 validator(s), total power 4, quorum 3", script.Output, StringComparison.Ordinal);
            Assert.Contains("certificate:", script.Output, StringComparison.Ordinal);
            // Every peer's head is current (it showed 0, the head when the links opened, for peers in sync): each link
            // refreshes it every 2 s, so `peers` shows the committed heads within a few seconds of the first block.
            var heads = PeerRow().Matches(script.Output).Select(m => ulong.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(3, heads.Count);
            var pathForPeers = $"{repo}:{Environment.GetEnvironmentVariable("PATH")}";
            for (var attempt = 0; heads.Any(h => h == 0) && attempt < 20; attempt++)
            {
                await Task.Delay(500);
                var again = await RunAsync("bash", repo, "-c", $"PATH='{pathForPeers}' shanghaichain peers");
                heads = [.. PeerRow().Matches(again.Output).Select(m => ulong.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
            }
            Assert.Equal(3, heads.Count);
            Assert.All(heads, h => Assert.True(h > 0, "peer heads: " + string.Join(", ", heads)));

            // The commands the README's prose names, as written there, with `shanghaichain` on the PATH as its first line puts it.
            var path = $"{repo}:{Environment.GetEnvironmentVariable("PATH")}";
            foreach (var command in new[] { "shanghaichain config show --home .devnet/node0", "shanghaichain testnet --validators 7 --output ./net" })
            {
                Assert.Contains($"`{command}`", readme.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
                var result = await RunAsync("bash", repo, "-c", $"PATH='{path}' {command}");
                Assert.True(result.ExitCode == 0, command + "\n" + result.Output);
            }

            // Ctrl-C stops every node cleanly, with nothing alarming in the log.
            using (var signal = Process.Start("kill", ["-INT", devnet.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await signal.WaitForExitAsync();
            }
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await devnet.WaitForExitAsync(stop.Token);
            }
            Assert.True(devnet.ExitCode == 0, $"devnet exited with {devnet.ExitCode}:\n{Log()}");
            Assert.Equal(4, Regex.Matches(Log(), @"\] node 'validator-\d' stopped cleanly at height \d+").Count);
            var alarming = Log().Split('\n').Where(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal)
                || l.Contains(" crit: ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).ToList();
            Assert.True(alarming.Count == 0, "alarming lines in a clean devnet run:\n" + string.Join('\n', alarming));

            // Files landed where the README says: the devnet's homes and key in ./.devnet, the testnet in ./net.
            for (var i = 0; i < 4; i++)
            {
                foreach (var file in new[] { "node.toml", "genesis.json", "validator_key.json", "node_key.json", "operator_key.json" })
                {
                    Assert.True(File.Exists(Path.Combine(repo, ".devnet", $"node{i}", "config", file)), $".devnet/node{i}/config/{file}");
                }
                Assert.True(Directory.Exists(Path.Combine(repo, ".devnet", $"node{i}", "data", "chain")), $".devnet/node{i}/data/chain");
            }
            Assert.True(File.Exists(Path.Combine(repo, ".devnet", "operator_key.json")));
            Assert.Equal(7, Directory.GetDirectories(Path.Combine(repo, "net"), "node*").Length);
            // Nothing inside the source tree but build output, and nothing git would show (keys included).
            var strays = Directory.EnumerateFileSystemEntries(Path.Combine(repo, "src", "Node"))
                .Select(Path.GetFileName).Where(n => n is not ("bin" or "obj") && !File.Exists(Path.Combine(RepositoryPaths.Root, "src", "Node", n!))
                    && !Directory.Exists(Path.Combine(RepositoryPaths.Root, "src", "Node", n!))).ToList();
            Assert.True(strays.Count == 0, "written into src/Node: " + string.Join(", ", strays));
            var status = await RunAsync("git", repo, "status", "--porcelain", "--untracked-files=all");
            Assert.True(status.ExitCode == 0 && status.Output.Trim().Length == 0, "git status after the README:\n" + status.Output);
        }
        finally
        {
            if (devnet is { HasExited: false })
            {
                devnet.Kill(entireProcessTree: true);
                await devnet.WaitForExitAsync();
            }
            devnet?.Dispose();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Files of killed processes may still be closing.
            }
        }
    }

    /// <summary>A data row of the peers table: node key, validator, direction, then the head.</summary>
    [GeneratedRegex(@"│ [0-9a-f]{16} +│ [^│]+│ (?:in|out) +│ (\d+) +│")]
    private static partial Regex PeerRow();

    /// <summary>The text from a heading to the next heading of the same level.</summary>
    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no '{heading}'");
        var end = markdown.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    /// <summary>The ```sh code blocks of a section, in order.</summary>
    private static List<string> Blocks(string section) =>
        [.. Regex.Matches(section, "```sh\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value)];

    private static Task<(int ExitCode, string Output)> RunAsync(string program, string workingDirectory, params string[] args) =>
        ChildProcess.RunAsync(program, args, TimeSpan.FromMinutes(8), workingDirectory);

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
