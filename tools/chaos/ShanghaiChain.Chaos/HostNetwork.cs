using System.Diagnostics;
using System.Globalization;

namespace ShanghaiChain.Chaos;

/// <summary>
/// Real network separation for the nodes: each node runs in its own network namespace with one veth into a bridge in
/// the harness's namespace, so a partition is a routing decision inside the nodes' kernels (blackhole routes), and a
/// degraded link is a queueing discipline on a node's interface. Needs root and iproute2; <see cref="Probe"/> says
/// why not when they are missing, and the harness then runs the nodes on 127.0.0.1 and skips these faults.
/// </summary>
internal sealed class HostNetwork : IDisposable
{
    private readonly string _prefix;
    private readonly int _subnet;
    private readonly int _nodes;
    private readonly Action<string> _log;
    private bool _disposed;

    private HostNetwork(string prefix, int subnet, int nodes, Action<string> log)
    {
        _prefix = prefix;
        _subnet = subnet;
        _nodes = nodes;
        _log = log;
    }

    /// <summary>Whether the kernel has netem (a delay and loss qdisc); without it a degraded link is a token bucket.</summary>
    public bool HasNetem { get; private set; }

    public string Namespace(int node) => $"{_prefix}n{node}";

    private string HostSide(int node) => $"{_prefix}h{node}";

    private string NodeSide(int node) => $"{_prefix}v{node}";

    private string Bridge => $"{_prefix}br";

    public string Address(int node) => string.Create(CultureInfo.InvariantCulture, $"10.213.{_subnet}.{10 + node}");

    /// <summary>Null when namespaces can be made here; otherwise the reason they cannot.</summary>
    public static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }
        if (Environment.UserName != "root" && Run("id", ["-u"], check: false).Output.Trim() != "0")
        {
            return "network namespaces need root (run as root, or the partition and link faults are skipped)";
        }
        var name = $"shcprobe{Environment.ProcessId}";
        var (code, output) = Run("ip", ["netns", "add", name], check: false);
        if (code != 0)
        {
            return $"`ip netns add` failed ({output.Trim()}); is iproute2 installed and CAP_SYS_ADMIN granted?";
        }
        Run("ip", ["netns", "del", name], check: false);
        return null;
    }

    /// <summary>Creates the bridge, one namespace per node and its veth, and addresses; tears down on failure.</summary>
    public static HostNetwork Create(int nodes, Random random, Action<string> log)
    {
        // A short random prefix keeps interface names under 15 characters and apart from a concurrent run's.
        var prefix = "sc" + random.Next(0x1000, 0xFFFF).ToString("x4", CultureInfo.InvariantCulture);
        var network = new HostNetwork(prefix, random.Next(1, 250), nodes, log);
        try
        {
            network.Build();
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return network;
    }

    private void Build()
    {
        Ip("link", "add", Bridge, "type", "bridge");
        Ip("addr", "add", string.Create(CultureInfo.InvariantCulture, $"10.213.{_subnet}.1/24"), "dev", Bridge);
        Ip("link", "set", Bridge, "up");
        for (var i = 0; i < _nodes; i++)
        {
            Ip("netns", "add", Namespace(i));
            Ip("link", "add", HostSide(i), "type", "veth", "peer", "name", NodeSide(i));
            Ip("link", "set", NodeSide(i), "netns", Namespace(i));
            Ip("link", "set", HostSide(i), "master", Bridge);
            Ip("link", "set", HostSide(i), "up");
            InNamespace(i, "ip", "link", "set", "lo", "up");
            InNamespace(i, "ip", "addr", "add", Address(i) + "/24", "dev", NodeSide(i));
            InNamespace(i, "ip", "link", "set", NodeSide(i), "up");
        }
        HasNetem = Run("ip", ["netns", "exec", Namespace(0), "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"], check: false).Code == 0;
        if (HasNetem)
        {
            Run("ip", ["netns", "exec", Namespace(0), "tc", "qdisc", "del", "dev", "lo", "root"], check: false);
        }
        _log($"network: bridge {Bridge} 10.213.{_subnet}.0/24, namespaces {Namespace(0)}..{Namespace(_nodes - 1)}, netem {(HasNetem ? "available" : "absent from this kernel (degraded links use a token bucket)")}");
    }

    /// <summary>Cuts every link between the two sides, in both directions (blackhole routes in each node's namespace).</summary>
    public void Partition(IReadOnlyList<int> sideA, IReadOnlyList<int> sideB)
    {
        foreach (var a in sideA)
        {
            foreach (var b in sideB)
            {
                InNamespace(a, "ip", "route", "add", "blackhole", Address(b) + "/32");
                InNamespace(b, "ip", "route", "add", "blackhole", Address(a) + "/32");
            }
        }
    }

    /// <summary>Removes every blackhole route: all nodes reach each other again.</summary>
    public void HealPartitions()
    {
        for (var i = 0; i < _nodes; i++)
        {
            for (var j = 0; j < _nodes; j++)
            {
                if (i != j)
                {
                    Run("ip", ["netns", "exec", Namespace(i), "ip", "route", "del", "blackhole", Address(j) + "/32"], check: false);
                }
            }
        }
    }

    /// <summary>
    /// Degrades one node's link: netem delay and loss where the kernel has it; otherwise a token bucket of
    /// <paramref name="rateKbit"/> whose queue, at most <paramref name="delayMs"/> deep, delays packets and drops the excess.
    /// </summary>
    public string Degrade(int node, int delayMs, int lossPercent, int rateKbit)
    {
        string[] qdisc = HasNetem
            ? ["netem", "delay", $"{delayMs}ms", $"{delayMs / 4}ms", "loss", $"{lossPercent}%"]
            : ["tbf", "rate", $"{rateKbit}kbit", "burst", "16kb", "latency", $"{delayMs}ms"];
        InNamespace(node, ["tc", "qdisc", "replace", "dev", NodeSide(node), "root", .. qdisc]);
        return string.Join(' ', qdisc);
    }

    public void Restore(int node) =>
        Run("ip", ["netns", "exec", Namespace(node), "tc", "qdisc", "del", "dev", NodeSide(node), "root"], check: false);

    private void InNamespace(int node, params string[] command) => Ip(["netns", "exec", Namespace(node), .. command]);

    private static void Ip(params string[] args) => Run("ip", args, check: true);

    private static (int Code, string Output) Run(string file, IReadOnlyList<string> args, bool check)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {output.Trim()}");
        }
        return (process.ExitCode, output);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        // Deleting a namespace deletes its veth end, which deletes the pair.
        for (var i = 0; i < _nodes; i++)
        {
            Run("ip", ["netns", "del", Namespace(i)], check: false);
            Run("ip", ["link", "del", HostSide(i)], check: false);
        }
        Run("ip", ["link", "del", Bridge], check: false);
    }
}
