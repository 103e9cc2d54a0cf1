using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Cli;

/// <summary>`testnet` (homes for a local multi-validator network) and `devnet` (run one as child processes).</summary>
internal static partial class NetworkCommands
{
    public const int DevnetValidators = 4;

    /// <summary>Devnet ports: node i serves its API on 26657 + 10·i, its peer port on +1 and metrics on +3.</summary>
    public const int DevnetBasePort = 26657;

    public static Command CreateTestnet()
    {
        var validators = new Option<int>("--validators") { Description = "Number of validators (1-64)", DefaultValueFactory = _ => 4 };
        var output = new Option<string?>("--output") { Description = "Directory to create the node homes in (node0, node1, ...)" };
        var k8s = new Option<string?>("--k8s") { Description = "Instead of local homes, write Kubernetes manifests for the network into this directory (docs/deploy.md)" };
        var image = new Option<string>("--image") { Description = "With --k8s: the node's container image", DefaultValueFactory = _ => "shanghaichain:latest" };
        var ns = new Option<string>("--namespace") { Description = "With --k8s: the Kubernetes namespace", DefaultValueFactory = _ => "shanghaichain" };
        var storage = new Option<string>("--storage") { Description = "With --k8s: the volume size of each node's data", DefaultValueFactory = _ => "20Gi" };
        var chainId = new Option<string>("--chain-id") { Description = "Chain id", DefaultValueFactory = _ => NodeCommands.DefaultChainId };
        var crypto = CommonOptions.Crypto();
        var basePort = new Option<int?>("--base-port")
        {
            Description = "Node i uses base+10i (API), base+10i+1 (peers) and base+10i+3 (metrics); default: free ports picked now",
        };
        var followers = new Option<int>("--followers") { Description = "Extra non-validating nodes, admitted as peers", DefaultValueFactory = _ => 0 };
        var command = new Command("testnet", "Create homes for a local network of N validators sharing one genesis, with keys and ports on 127.0.0.1")
        {
            validators, output, chainId, crypto, basePort, followers, k8s, image, ns, storage,
        };
        command.SetAction(parse =>
        {
            var count = parse.GetValue(validators);
            if (count is < 1 or > 64)
            {
                throw new CliUsageException($"--validators must be from 1 to 64, got {count}");
            }
            var extra = parse.GetValue(followers);
            if (extra is < 0 or > 64)
            {
                throw new CliUsageException($"--followers must be from 0 to 64, got {extra}");
            }
            if (parse.GetValue(k8s) is { } manifests)
            {
                if (parse.GetValue(output) is not null || extra != 0 || parse.GetValue(basePort) is not null)
                {
                    throw new CliUsageException("--k8s writes manifests instead of local homes: --output, --followers and --base-port do not apply");
                }
                if (!GenesisFile.IsValidChainId(parse.GetValue(ns)!))
                {
                    throw new CliUsageException($"--namespace '{parse.GetValue(ns)}' is not a valid Kubernetes name (lower-case letters, digits, '-')");
                }
                var written = KubernetesManifests.Write(manifests, count, parse.GetValue(chainId)!, CryptoSuite.FromName(parse.GetValue(crypto)!),
                    new KubernetesManifests.Options(parse.GetValue(ns)!, parse.GetValue(image)!, parse.GetValue(storage)!, "500m", "1Gi", "4Gi"));
                Console.WriteLine($"wrote {written} ({count} validators) and the funded operator key beside it:");
                foreach (var item in KubernetesManifests.Describe(written))
                {
                    Console.WriteLine($"  {item}");
                }
                Console.WriteLine($"apply with: kubectl apply -f {written}   (it holds the validators' keys: keep it secret)");
                return 0;
            }
            if (parse.GetValue(output) is not { } outputDir)
            {
                throw new CliUsageException("testnet needs --output DIR (local homes) or --k8s DIR (Kubernetes manifests)");
            }
            var homes = Create(outputDir, count, extra, parse.GetValue(chainId)!, CryptoSuite.FromName(parse.GetValue(crypto)!), parse.GetValue(basePort));
            Console.WriteLine($"created {homes.Count} node homes in {Path.GetFullPath(outputDir)} ({count} validators, {extra} followers)");
            foreach (var home in homes)
            {
                var config = NodeConfig.Load(home.ConfigFile);
                Console.WriteLine($"  {config.Moniker,-12} api {config.ApiListen,-16} p2p {config.P2pListen,-16} home {home.Root}");
            }
            Console.WriteLine($"funded operator key: {Path.Combine(Path.GetFullPath(outputDir), "operator_key.json")}");
            Console.WriteLine("start each with: shanghaichain start --home <home>");
            return 0;
        });
        return command;
    }

    /// <summary>Creates the homes: keys, one shared genesis, node.toml with ports and the full peer list, fresh safety records.</summary>
    public static List<NodeHome> Create(string output, int validators, int followers, string chainId, CryptoSuite suite, int? basePort,
        Func<int>? portSource = null)
    {
        if (!GenesisFile.IsValidChainId(chainId))
        {
            throw new CliUsageException($"--chain-id '{chainId}' is invalid: use 1-64 characters of [a-z0-9-_.]");
        }
        var root = Path.GetFullPath(output);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new CliException($"{root} exists and is not empty; choose another --output or remove it");
        }
        var total = validators + followers;
        if (basePort is { } b && (b < 1024 || b + (10 * total) > 65535))
        {
            throw new CliUsageException($"--base-port {b} leaves no room for {total} nodes below 65536");
        }
        var ports = basePort is { } start
            ? [.. Enumerable.Range(0, total).Select(i => (Api: start + (10 * i), P2p: start + (10 * i) + 1, Metrics: start + (10 * i) + 3))]
            : portSource is not null
                ? [.. Enumerable.Range(0, total).Select(_ => (portSource(), portSource(), portSource()))]
                : FreePorts(total);
        Directory.CreateDirectory(root);
        var operatorKey = KeyFile.Generate(suite);
        operatorKey.Save(Path.Combine(root, "operator_key.json"));
        var homes = new List<NodeHome>();
        var validatorKeys = new List<KeyFile>();
        var nodeKeys = new List<KeyFile>();
        for (var i = 0; i < total; i++)
        {
            var home = new NodeHome(Path.Combine(root, $"node{i}"));
            Directory.CreateDirectory(home.ConfigDir);
            var nodeKey = KeyFile.Generate(suite);
            nodeKey.Save(home.NodeKeyFile);
            nodeKeys.Add(nodeKey);
            if (i < validators)
            {
                var validatorKey = KeyFile.Generate(suite);
                validatorKey.Save(home.ValidatorKeyFile);
                validatorKeys.Add(validatorKey);
            }
            operatorKey.Save(home.OperatorKeyFile);
            homes.Add(home);
        }
        var genesis = new GenesisFile
        {
            ChainId = chainId,
            CryptoSuite = suite.Name,
            GenesisTimeMs = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Validators = [.. validatorKeys.Select((k, i) => new GenesisValidator { Name = $"validator-{i}", PublicKey = Hex.Encode(k.PublicKey), Power = 1, Member = NodeCommands.OperatorMember })],
            Accounts = [new GenesisAccount { Address = operatorKey.Address.ToString(), Balance = NodeCommands.OperatorBalance }],
            Nodes = [.. nodeKeys.Select((k, i) => new GenesisNode { Name = $"node-{i}", PublicKey = Hex.Encode(k.PublicKey), Member = NodeCommands.OperatorMember })],
            Consortium = GenesisConsortium.SingleOperator(NodeCommands.OperatorMember, operatorKey),
        };
        for (var i = 0; i < total; i++)
        {
            var home = homes[i];
            genesis.Save(home.GenesisFile);
            var peers = string.Join(",", Enumerable.Range(0, total).Where(j => j != i).Select(j => $"https://127.0.0.1:{ports[j].P2p}"));
            var config = new NodeConfig
            {
                Moniker = i < validators ? $"validator-{i}" : $"follower-{i - validators}",
                ApiListen = $"127.0.0.1:{ports[i].Api}",
                P2pListen = $"127.0.0.1:{ports[i].P2p}",
                P2pPeers = peers,
                MetricsListen = $"127.0.0.1:{ports[i].Metrics}",
            };
            config.Save(home.ConfigFile);
            if (i < validators)
            {
                NodeCommands.WriteFreshSafetyRecord(home);
            }
        }
        return homes;
    }

    private static List<(int Api, int P2p, int Metrics)> FreePorts(int nodes)
    {
        // Ports the OS hands out now; all listeners are held until every port is chosen, so none repeats.
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < nodes * 3; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return [.. Enumerable.Range(0, nodes).Select(i => (ports[3 * i], ports[(3 * i) + 1], ports[(3 * i) + 2]))];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    /// <summary>
    /// Runs every node home in <paramref name="homes"/> as a child process of this one, relaying their output with a
    /// name prefix. Ctrl-C (or SIGTERM) stops them all: each gets SIGTERM and is waited for; the exit code is non-zero
    /// if any node stopped on its own with an error.
    /// </summary>
    public static async Task<int> RunAllAsync(IReadOnlyList<NodeHome> homes, CancellationToken cancel)
    {
        var (program, prefix) = SelfInvocation();
        var children = new List<(string Name, Process Process)>();
        try
        {
            foreach (var home in homes)
            {
                var name = NodeConfig.Load(home.ConfigFile).Moniker;
                var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var arg in prefix.Concat(["start", "--home", home.Root]))
                {
                    info.ArgumentList.Add(arg);
                }
                var process = Process.Start(info) ?? throw new CliException($"could not start {program}");
                process.OutputDataReceived += (_, e) => Relay(name, e.Data);
                process.ErrorDataReceived += (_, e) => Relay(name, e.Data);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                children.Add((name, process));
            }
            var anyExit = Task.WhenAny(children.Select(c => c.Process.WaitForExitAsync(CancellationToken.None)));
            await Task.WhenAny(anyExit, Task.Delay(System.Threading.Timeout.Infinite, cancel)).ConfigureAwait(false);
            var failed = children.Where(c => c.Process.HasExited && c.Process.ExitCode != 0).Select(c => c.Name).ToList();
            if (!cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine($"a node exited ({string.Join(", ", children.Where(c => c.Process.HasExited).Select(c => $"{c.Name}: {c.Process.ExitCode}"))}); stopping the others");
            }
            return failed.Count > 0 ? 1 : 0;
        }
        finally
        {
            await StopAllAsync(children).ConfigureAwait(false);
        }
    }

    private static readonly object ConsoleLock = new();

    private static void Relay(string name, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (ConsoleLock)
        {
            Console.WriteLine($"[{name}] {line}");
        }
    }

    private static async Task StopAllAsync(List<(string Name, Process Process)> children)
    {
        foreach (var (_, process) in children.Where(c => !c.Process.HasExited))
        {
            _ = Terminate(process.Id);
        }
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        foreach (var (name, process) in children)
        {
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"{name} did not stop within 15 s; killing it");
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
        }
    }

    /// <summary>SIGTERM: the node's host stops cleanly (store closed) as on Ctrl-C.</summary>
    private static int Terminate(int pid) => OperatingSystem.IsWindows() ? -1 : SendSignal(pid, 15);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>How to run this same CLI again: the apphost, or `dotnet shanghaichain.dll`.</summary>
    private static (string Program, string[] Prefix) SelfInvocation()
    {
        var process = Environment.ProcessPath ?? throw new CliException("cannot find this program's path");
        var assembly = typeof(NetworkCommands).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? (process, [assembly])
            : (process, []);
    }
}
