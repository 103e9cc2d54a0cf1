using System.Globalization;
using ShanghaiChain.Relay;
using Tomlyn;
using Tomlyn.Model;

namespace ShanghaiChain.Node.Relayer;

/// <summary>One chain the relayer talks to: its node's app port and the key that signs the relayer's transactions there.</summary>
public sealed record RelayerChain(string Id, string Node, string KeyFile, ulong StartHeight);

/// <summary>
/// Two chains linked through a light client on each: <see cref="ClientOnA"/> is the client of B kept on A, and the other way
/// round. Every channel bound to those clients is relayed.
/// </summary>
public sealed record RelayerPath(string A, string B, string ClientOnA, string ClientOnB)
{
    public string Name => $"{A}<->{B}";
}

/// <summary>
/// relay.toml (docs/relay.md, "The relayer"). Validated here, before anything starts: unknown keys and sections, types,
/// ranges, identifiers, URLs, paths naming declared chains; each error names the file and the key.
/// </summary>
public sealed record RelayerConfig(string StateDir, string MetricsListen, int PollIntervalMs, int MaxBatch, ulong GasPerMessage, ulong MaxTxGas, int MaxTxBytes,
    IReadOnlyList<RelayerChain> Chains, IReadOnlyList<RelayerPath> Paths)
{
    public static RelayerConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new RelayerConfigException($"relayer config not found: {path}");
        }
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(path), new TomlSerializerOptions())!;
        }
        catch (Exception ex) when (ex is TomlException or ArgumentOutOfRangeException)
        {
            throw new RelayerConfigException($"{path} is not valid TOML: {ex.Message}");
        }
        var reader = new Reader(path);
        reader.OnlyKeys(table, "", "state_dir", "metrics_listen", "poll_interval_ms", "max_batch", "gas_per_message", "max_tx_gas", "max_tx_bytes", "chains", "paths");
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var chains = reader.Tables(table, "chains").Select((t, i) =>
        {
            var at = $"chains[{i}]";
            reader.OnlyKeys(t, at, "id", "node", "key", "start_height");
            var node = reader.String(t, at, "node", null);
            if (!Uri.TryCreate(node, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw reader.Error($"{at}.node must be an http:// or https:// URL, got '{node}'");
            }
            return new RelayerChain(reader.String(t, at, "id", null), node, Path.GetFullPath(reader.String(t, at, "key", null), baseDir),
                (ulong)reader.Integer(t, at, "start_height", 1, 1, long.MaxValue));
        }).ToList();
        if (chains.Count < 2)
        {
            throw reader.Error("declare at least two [[chains]]");
        }
        if (chains.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw reader.Error($"chain '{twice.Key}' is declared twice");
        }
        var paths = reader.Tables(table, "paths").Select((t, i) =>
        {
            var at = $"paths[{i}]";
            reader.OnlyKeys(t, at, "a", "b", "a_client", "b_client");
            var relayerPath = new RelayerPath(reader.String(t, at, "a", null), reader.String(t, at, "b", null),
                reader.String(t, at, "a_client", null), reader.String(t, at, "b_client", null));
            foreach (var chain in new[] { relayerPath.A, relayerPath.B })
            {
                if (chains.All(c => c.Id != chain))
                {
                    throw reader.Error($"{at} names chain '{chain}', which no [[chains]] declares");
                }
            }
            if (relayerPath.A == relayerPath.B)
            {
                throw reader.Error($"{at} links chain '{relayerPath.A}' with itself");
            }
            foreach (var (key, id) in new[] { ("a_client", relayerPath.ClientOnA), ("b_client", relayerPath.ClientOnB) })
            {
                if (!CrossChainLayout.IsIdentifier(id))
                {
                    throw reader.Error($"{at}.{key} must be 1 to 64 characters of [a-z0-9.-], got '{id}'");
                }
            }
            return relayerPath;
        }).ToList();
        if (paths.Count == 0)
        {
            throw reader.Error("declare at least one [[paths]]");
        }
        if (paths.SelectMany(p => new[] { (p.A, p.ClientOnA), (p.B, p.ClientOnB) }).GroupBy(x => x).FirstOrDefault(g => g.Count() > 1) is { } shared)
        {
            throw reader.Error($"client '{shared.Key.Item2}' on chain '{shared.Key.Item1}' is in two paths");
        }
        var metrics = reader.String(table, "", "metrics_listen", "127.0.0.1:26760");
        if (metrics.Length > 0 && !System.Net.IPEndPoint.TryParse(metrics, out _))
        {
            throw reader.Error($"metrics_listen must be host:port (or empty to disable), got '{metrics}'");
        }
        var config = new RelayerConfig(
            Path.GetFullPath(reader.String(table, "", "state_dir", "relayer-state"), baseDir),
            metrics,
            (int)reader.Integer(table, "", "poll_interval_ms", 50, 5, 60_000),
            (int)reader.Integer(table, "", "max_batch", 1_000, 1, 100_000),
            (ulong)reader.Integer(table, "", "gas_per_message", 400_000, 50_000, 10_000_000),
            (ulong)reader.Integer(table, "", "max_tx_gas", 40_000_000, 2_000_000, 1_000_000_000),
            (int)reader.Integer(table, "", "max_tx_bytes", 100_000, 8_192, 64 << 20),
            chains, paths);
        if (config.MaxTxGas < DirectionGas.Update + config.GasPerMessage)
        {
            throw reader.Error($"max_tx_gas ({config.MaxTxGas}) must cover a client update ({DirectionGas.Update}) and one message (gas_per_message {config.GasPerMessage})");
        }
        return config;
    }

    private sealed class Reader(string file)
    {
        public RelayerConfigException Error(string message) => new($"{file}: {message}");

        public void OnlyKeys(TomlTable table, string at, params string[] keys)
        {
            foreach (var key in table.Keys.Where(k => !keys.Contains(k)))
            {
                throw Error($"unknown key {(at.Length == 0 ? "" : at + ".")}{key}" + Config.NearestMatch.Hint(key, keys));
            }
        }

        public IEnumerable<TomlTable> Tables(TomlTable table, string key) => !table.TryGetValue(key, out var value) ? []
            : value is TomlTableArray array ? array
            : throw Error($"{key} must be an array of tables ([[{key}]])");

        public string String(TomlTable table, string at, string key, string? fallback)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return fallback ?? throw Error($"{Name(at, key)} is required");
            }
            return value is string text && (text.Length > 0 || fallback is not null) ? text : throw Error($"{Name(at, key)} must be a non-empty string");
        }

        public long Integer(TomlTable table, string at, string key, long fallback, long min, long max)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return fallback;
            }
            return value is long number && number >= min && number <= max ? number
                : throw Error($"{Name(at, key)} must be an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got '{value}'");
        }

        private static string Name(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";
    }
}

/// <summary>A relay.toml that cannot be used; the CLI prints it as one error line and exits with code 2.</summary>
public sealed class RelayerConfigException(string message) : Exception(message);
