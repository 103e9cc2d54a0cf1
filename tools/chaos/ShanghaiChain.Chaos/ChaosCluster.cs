using System.Diagnostics;
using System.Globalization;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Node.Cli;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Chaos;

/// <summary>
/// A network laid out as `shanghaichain testnet` lays it out (keys, one genesis, node.toml per node), with funded
/// load accounts, each validator a <see cref="ChaosNode"/>. With a <see cref="HostNetwork"/> every node listens on its
/// namespace's address; without one, on 127.0.0.1 ports. One node's data dir may sit on a small tmpfs (the full-disk
/// fault).
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    public const string ChainId = "chaos";
    private readonly List<string> _mounts = [];

    private ChaosCluster(string root, IReadOnlyList<ChaosNode> nodes, IReadOnlyList<KeyFile> loadKeys, HostNetwork? network, int? tmpfsNode)
    {
        Root = root;
        Nodes = nodes;
        LoadKeys = loadKeys;
        Network = network;
        TmpfsNode = tmpfsNode;
    }

    public string Root { get; }

    public IReadOnlyList<ChaosNode> Nodes { get; }

    public IReadOnlyList<KeyFile> LoadKeys { get; }

    public HostNetwork? Network { get; }

    /// <summary>The node whose data dir is a small tmpfs, when mounting one is allowed here.</summary>
    public int? TmpfsNode { get; }

    public int F => (Nodes.Count - 1) / 3;

    public static ChaosCluster Create(ChaosOptions options, HostNetwork? network, Action<string> log)
    {
        var root = options.WorkDir ?? Directory.CreateTempSubdirectory("shc-chaos-").FullName;
        Directory.CreateDirectory(root);
        var suite = CryptoSuite.Ed25519Sha256;
        var homes = NetworkCommands.Create(Path.Combine(root, "net"), options.Validators, 0, ChainId, suite, basePort: null);
        var loadKeys = Enumerable.Range(0, options.LoadAccounts).Select(_ => KeyFile.Generate(suite)).ToList();
        foreach (var home in homes)
        {
            var genesis = GenesisFile.Load(home.GenesisFile);
            (genesis with
            {
                Parameters = genesis.Parameters with { EmptyBlockIntervalMs = 250 },
                Accounts = [.. genesis.Accounts, .. loadKeys.Select(k => new GenesisAccount { Address = k.Address.ToString(), Balance = "1000000000000000" })],
            }).Save(home.GenesisFile);
        }
        if (network is not null)
        {
            // Each node in its own namespace: the same ports everywhere, different addresses.
            for (var i = 0; i < homes.Count; i++)
            {
                var config = NodeConfig.Load(homes[i].ConfigFile) with
                {
                    ApiListen = $"{network.Address(i)}:26657",
                    P2pListen = $"{network.Address(i)}:26656",
                    P2pPeers = string.Join(",", Enumerable.Range(0, homes.Count).Where(j => j != i).Select(j => $"https://{network.Address(j)}:26656")),
                    MetricsListen = "",
                };
                config.Save(homes[i].ConfigFile);
            }
        }
        int? tmpfsNode = null;
        var mounts = new List<string>();
        if (options.TmpfsMegabytes > 0)
        {
            var node = homes.Count - 1;
            Directory.CreateDirectory(homes[node].DataDir);
            if (Mount(homes[node].DataDir, options.TmpfsMegabytes) is { } problem)
            {
                log($"full-disk fault skipped: cannot mount a tmpfs ({problem})");
            }
            else
            {
                tmpfsNode = node;
                mounts.Add(homes[node].DataDir);
                // The fresh safety record written by testnet went to the directory now hidden under the mount.
                NodeCommands.WriteFreshSafetyRecord(homes[node]);
                log($"node {node}'s data dir is a {options.TmpfsMegabytes} MB tmpfs");
            }
        }
        var nodes = homes.Select((home, i) => new ChaosNode(i, home, $"http://{NodeConfig.Load(home.ConfigFile).ApiListen}", options.NodeDll,
            network?.Namespace(i), Path.Combine(root, $"node{i}.log"))).ToList();
        var cluster = new ChaosCluster(root, nodes, loadKeys, network, tmpfsNode);
        cluster._mounts.AddRange(mounts);
        return cluster;
    }

    private static string? Mount(string directory, int megabytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "tmpfs needs Linux";
        }
        var (code, output) = Run("mount", ["-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={megabytes}m"), "tmpfs", directory]);
        return code == 0 ? null : output.Trim();
    }

    internal static (int Code, string Output) Run(string file, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    public async Task StartAllAsync(TimeSpan timeout) =>
        await Task.WhenAll(Nodes.Select(n => n.StartAsync(timeout))).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var mount in _mounts)
        {
            Run("umount", [mount]);
        }
    }
}
