using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ShanghaiChain.Node.Config;

/// <summary>
/// Checks, before a node opens its store or starts anything, that every endpoint it will listen on is distinct and
/// free: a port in use is reported in one line naming the setting, the endpoint and, on Linux, the process that holds
/// it (read from /proc, for the processes this user may see). Another process could still take a port between this
/// check and the bind; Kestrel's own error then stops the start as before.
/// </summary>
public static class PortCheck
{
    /// <summary>The endpoints a node with this configuration binds: (setting, host:port).</summary>
    public static IReadOnlyList<(string Setting, string Endpoint)> Endpoints(NodeConfig config, bool peerPort)
    {
        var endpoints = new List<(string, string)> { ("api.listen", config.ApiListen) };
        if (peerPort && config.P2pListen.Length > 0)
        {
            endpoints.Add(("p2p.listen", config.P2pListen));
        }
        if (config.MetricsListen.Length > 0)
        {
            endpoints.Add(("metrics.listen", config.MetricsListen));
        }
        return endpoints;
    }

    /// <summary>Throws a <see cref="PortInUseException"/> for the first endpoint that is taken or used twice.</summary>
    public static void EnsureFree(IReadOnlyList<(string Setting, string Endpoint)> endpoints)
    {
        var seen = new Dictionary<int, string>();
        foreach (var (setting, endpoint) in endpoints)
        {
            var parsed = IPEndPoint.Parse(endpoint);
            if (seen.TryGetValue(parsed.Port, out var other))
            {
                throw new ConfigException($"{setting} and {other} both use port {parsed.Port}; give each its own port");
            }
            seen[parsed.Port] = setting;
            try
            {
                using var listener = new TcpListener(parsed);
                listener.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                var holder = HolderOf(parsed.Port) is { } process ? $" by {process}" : "";
                throw new PortInUseException($"cannot start: port {parsed.Port} ({setting} {endpoint}) is already in use{holder}");
            }
            catch (SocketException ex)
            {
                throw new PortInUseException($"cannot start: cannot listen on {endpoint} ({setting}): {ex.Message}");
            }
        }
    }

    /// <summary>"process 1234 (name)" of the process listening on this TCP port, when /proc tells; null otherwise.</summary>
    public static string? HolderOf(int port)
    {
        try
        {
            var inodes = new HashSet<string>();
            foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    // sl local_address rem_address st ... inode: the local port is hex after the colon, 0A is LISTEN.
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 9 && fields[3] == "0A" &&
                        int.Parse(fields[1][(fields[1].IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                    {
                        inodes.Add($"socket:[{fields[9]}]");
                    }
                }
            }
            if (inodes.Count == 0)
            {
                return null;
            }
            foreach (var process in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(process), out var pid))
                {
                    continue;
                }
                try
                {
                    foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                    {
                        if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                        {
                            var name = File.ReadAllText(Path.Combine(process, "comm")).Trim();
                            return $"process {pid} ({name})";
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Another user's process, or one that just exited.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // No /proc (not Linux) or an unreadable table: the message goes without the holder.
        }
        return null;
    }
}

/// <summary>A port the node needs is taken (exit code 1: the configuration is fine, the machine is busy).</summary>
public sealed class PortInUseException(string message) : Exception(message);
