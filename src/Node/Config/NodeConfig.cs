using System.Globalization;
using System.Net;
using System.Text;
using Tomlyn;
using Tomlyn.Model;

namespace ShanghaiChain.Node.Config;

/// <summary>
/// Node settings from config/node.toml, overridden by SHC_&lt;SECTION&gt;_&lt;KEY&gt; environment variables and
/// then by command-line flags. Every value is validated here; an unknown key or a bad value is an error
/// that names the key, never a silent default.
/// </summary>
public sealed record NodeConfig
{
    public string Moniker { get; init; } = "node";

    /// <summary>host:port of the application gRPC API.</summary>
    public string ApiListen { get; init; } = "127.0.0.1:26657";

    /// <summary>host:port of the peer port (HTTP/2 over mutually authenticated TLS); empty disables it.</summary>
    public string P2pListen { get; init; } = "127.0.0.1:26656";

    /// <summary>Peers to connect to, as comma-separated https://host:port URLs.</summary>
    public string P2pPeers { get; init; } = "";

    public IReadOnlyList<Uri> PeerUrls =>
        P2pPeers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToList();

    /// <summary>host:port of the Prometheus /metrics endpoint (HTTP/1.1); empty disables it.</summary>
    public string MetricsListen { get; init; } = "127.0.0.1:26660";

    /// <summary>How many heights below the head account proofs are served for; 0 serves the head only.</summary>
    public int ProofWindowBlocks { get; init; } = 128;

    /// <summary>Take a state snapshot every this many blocks (0: none), served to peers that state-sync (docs/operations.md).</summary>
    public int SnapshotInterval { get; init; }

    /// <summary>The size a snapshot chunk is cut at (bytes).</summary>
    public int SnapshotChunkBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How many of its own snapshots the node keeps (the oldest are deleted).</summary>
    public int SnapshotKeep { get; init; } = 2;

    /// <summary>Whether a node without chain data starts from a snapshot its peers offer instead of from genesis.</summary>
    public bool StateSync { get; init; }

    /// <summary>Hex hash of a block the operator trusts (h or h+1 of the snapshot); needed for snapshots past the first epoch.</summary>
    public string StateSyncTrustHash { get; init; } = "";

    public int MempoolMaxTxs { get; init; } = 200_000;

    public long MempoolMaxBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Pending transactions one sender may hold in the mempool (its share of <see cref="MempoolMaxTxs"/>).</summary>
    public int MempoolMaxTxsPerSender { get; init; } = 20_000;

    /// <summary>Open block and event subscriptions one client address may hold at once.</summary>
    public int MaxSubscriptionsPerClient { get; init; } = 64;

    /// <summary>Blocks a SubscribeBlocks stream may lag before it is ended with an explicit error.</summary>
    public int SubscriberBufferBlocks { get; init; } = 1_024;

    public string LogLevel { get; init; } = "Information";

    /// <summary>plain (one line per event, for people) or json (one JSON object per line, for log shippers).</summary>
    public string LogFormat { get; init; } = "plain";

    private static readonly string[] LogLevels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"];

    public static readonly string[] LogFormats = ["plain", "json"];

    /// <summary>Each setting: TOML section, key, how to apply a string value.</summary>
    private static readonly (string Section, string Key, Func<NodeConfig, string, NodeConfig> Apply, Func<NodeConfig, object> Read)[] Settings =
    [
        ("node", "moniker", (c, v) => c with { Moniker = NonEmpty(v, "node.moniker") }, c => c.Moniker),
        ("node", "log_level", (c, v) => c with { LogLevel = OneOf(v, "node.log_level", LogLevels) }, c => c.LogLevel),
        ("node", "log_format", (c, v) => c with { LogFormat = OneOf(v, "node.log_format", LogFormats) }, c => c.LogFormat),
        ("api", "listen", (c, v) => c with { ApiListen = Endpoint(v, "api.listen") }, c => c.ApiListen),
        ("p2p", "listen", (c, v) => c with { P2pListen = v.Length == 0 ? "" : Endpoint(v, "p2p.listen") }, c => c.P2pListen),
        ("p2p", "peers", (c, v) => c with { P2pPeers = PeerList(v) }, c => c.P2pPeers),
        ("metrics", "listen", (c, v) => c with { MetricsListen = v.Length == 0 ? "" : Endpoint(v, "metrics.listen") }, c => c.MetricsListen),
        ("state", "proof_window_blocks", (c, v) => c with { ProofWindowBlocks = (int)Range(v, "state.proof_window_blocks", 0, 10_000) }, c => (long)c.ProofWindowBlocks),
        ("state", "snapshot_interval", (c, v) => c with { SnapshotInterval = (int)Range(v, "state.snapshot_interval", 0, 100_000_000) }, c => (long)c.SnapshotInterval),
        ("state", "snapshot_chunk_bytes", (c, v) => c with { SnapshotChunkBytes = (int)Range(v, "state.snapshot_chunk_bytes", 65_536, 16 * 1024 * 1024 - 65_536) }, c => (long)c.SnapshotChunkBytes),
        ("state", "snapshot_keep", (c, v) => c with { SnapshotKeep = (int)Range(v, "state.snapshot_keep", 1, 100) }, c => (long)c.SnapshotKeep),
        ("state_sync", "enable", (c, v) => c with { StateSync = Bool(v, "state_sync.enable") }, c => c.StateSync),
        ("state_sync", "trust_hash", (c, v) => c with { StateSyncTrustHash = HashOrEmpty(v, "state_sync.trust_hash") }, c => c.StateSyncTrustHash),
        ("mempool", "max_txs", (c, v) => c with { MempoolMaxTxs = (int)Range(v, "mempool.max_txs", 1, 10_000_000) }, c => (long)c.MempoolMaxTxs),
        ("mempool", "max_bytes", (c, v) => c with { MempoolMaxBytes = Range(v, "mempool.max_bytes", 1024, 64L * 1024 * 1024 * 1024) }, c => c.MempoolMaxBytes),
        ("mempool", "max_txs_per_sender", (c, v) => c with { MempoolMaxTxsPerSender = (int)Range(v, "mempool.max_txs_per_sender", 1, 10_000_000) }, c => (long)c.MempoolMaxTxsPerSender),
        ("api", "max_subscriptions_per_client", (c, v) => c with { MaxSubscriptionsPerClient = (int)Range(v, "api.max_subscriptions_per_client", 1, 100_000) }, c => (long)c.MaxSubscriptionsPerClient),
        ("api", "subscriber_buffer_blocks", (c, v) => c with { SubscriberBufferBlocks = (int)Range(v, "api.subscriber_buffer_blocks", 1, 1_000_000) }, c => (long)c.SubscriberBufferBlocks),
    ];

    public static NodeConfig Load(string path, IDictionary<string, string?>? environment = null) =>
        LoadEffective(path, environment, []).Config;

    /// <summary>
    /// The configuration a node started with these flags would run with, and where each value came from: the defaults,
    /// then node.toml, then SHC_* variables, then the flags (each a setting "section.key" and the flag's name). A bad
    /// value names its source: the file and key, the variable, or the flag.
    /// </summary>
    public static EffectiveConfig LoadEffective(string path, IDictionary<string, string?>? environment,
        IEnumerable<(string Setting, string Value, string Flag)> flags)
    {
        var sources = Settings.ToDictionary(s => $"{s.Section}.{s.Key}", _ => "default");
        var config = LoadFile(path, sources);
        foreach (var setting in Settings)
        {
            var name = EnvironmentName(setting.Section, setting.Key);
            var value = environment is null ? Environment.GetEnvironmentVariable(name) : environment.TryGetValue(name, out var v) ? v : null;
            // Set counts, even to the empty string (SHC_METRICS_LISTEN= disables metrics); unset leaves the file's value.
            if (value is not null)
            {
                config = Apply(setting, config, value, name);
                sources[$"{setting.Section}.{setting.Key}"] = "env " + name;
            }
        }
        foreach (var (key, value, flag) in flags)
        {
            var setting = Settings.FirstOrDefault(s => $"{s.Section}.{s.Key}" == key);
            if (setting.Apply is null)
            {
                throw new ConfigException($"unknown setting {key}");
            }
            config = Apply(setting, config, value, flag);
            sources[key] = "flag " + flag;
        }
        return new EffectiveConfig(config, [.. Settings.Select(s => new EffectiveSetting(
            $"{s.Section}.{s.Key}", s.Read(config) is bool on ? (on ? "true" : "false") : Convert.ToString(s.Read(config), CultureInfo.InvariantCulture) ?? "",
            sources[$"{s.Section}.{s.Key}"], EnvironmentName(s.Section, s.Key)))]);
    }

    private static string EnvironmentName(string section, string key) => $"SHC_{section}_{key}".ToUpperInvariant();

    private static NodeConfig Apply((string Section, string Key, Func<NodeConfig, string, NodeConfig> Apply, Func<NodeConfig, object> Read) setting,
        NodeConfig config, string value, string source)
    {
        try
        {
            return setting.Apply(config, value);
        }
        catch (ConfigException ex)
        {
            throw new ConfigException($"{source}: {ex.Message}");
        }
    }

    private static NodeConfig LoadFile(string path, Dictionary<string, string> sources)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException($"config file not found: {path}");
        }
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(path), new TomlSerializerOptions())!;
        }
        catch (TomlException ex)
        {
            throw new ConfigException($"{path} is not valid TOML: {ex.Message}");
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // Tomlyn 2.10 throws this instead of a TomlException for an escape cut off by the end of the file ("\ at EOF),
            // while formatting its own error message (found by tools/fuzz, target node-toml).
            throw new ConfigException($"{path} is not valid TOML: {ex.Message}");
        }
        var config = new NodeConfig();
        foreach (var (sectionName, sectionValue) in table)
        {
            if (sectionValue is not TomlTable section || !Settings.Any(s => s.Section == sectionName))
            {
                throw new ConfigException($"{path}: unknown section [{sectionName}]" +
                    NearestMatch.Hint(sectionName, Settings.Select(s => s.Section).Distinct()));
            }
            foreach (var (key, value) in section)
            {
                var setting = Settings.FirstOrDefault(s => s.Section == sectionName && s.Key == key);
                if (setting.Apply is null)
                {
                    throw new ConfigException($"{path}: unknown key {sectionName}.{key}" +
                        NearestMatch.Hint($"{sectionName}.{key}", Settings.Select(s => $"{s.Section}.{s.Key}")));
                }
                config = Apply(setting, config, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", path);
                sources[$"{sectionName}.{key}"] = "file";
            }
        }
        return config;
    }

    /// <summary>Applies SHC_SECTION_KEY variables (e.g. SHC_API_LISTEN, SHC_MEMPOOL_MAX_TXS).</summary>
    public NodeConfig WithEnvironment(IDictionary<string, string?>? environment = null)
    {
        var config = this;
        foreach (var setting in Settings)
        {
            var name = EnvironmentName(setting.Section, setting.Key);
            var value = environment is null ? Environment.GetEnvironmentVariable(name) : environment.TryGetValue(name, out var v) ? v : null;
            // Set counts, even to the empty string (SHC_METRICS_LISTEN= disables metrics); unset leaves the file's value.
            if (value is not null)
            {
                config = setting.Apply(config, value);
            }
        }
        return config;
    }

    public NodeConfig With(string section, string key, string value)
    {
        var setting = Settings.FirstOrDefault(s => s.Section == section && s.Key == key);
        return setting.Apply is null ? throw new ConfigException($"unknown setting {section}.{key}") : setting.Apply(this, value);
    }

    public string ToToml()
    {
        var text = new StringBuilder("# ShanghaiChain node configuration. Environment variables SHC_<SECTION>_<KEY> override these values.\n");
        foreach (var group in Settings.GroupBy(s => s.Section))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n[{group.Key}]\n");
            foreach (var setting in group)
            {
                var value = setting.Read(this);
                text.Append(CultureInfo.InvariantCulture, $"{setting.Key} = {value switch
                {
                    string s => TomlString(s),
                    bool b => b ? "true" : "false",
                    _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                }}\n");
            }
        }
        return text.ToString();
    }

    /// <summary>Writes through a temporary file and a rename, so a crash never leaves half a config.</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, ToToml());
        File.Move(temp, path, overwrite: true);
    }

    public IPEndPoint ApiEndPoint => IPEndPoint.Parse(ApiListen);

    /// <summary>
    /// A TOML basic string: quotes, backslashes and control characters escaped, so any value Load accepted (a moniker
    /// with a quote, say) is saved as a file Load reads back to the same value (found by tools/fuzz, target node-toml).
    /// </summary>
    private static string TomlString(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                < ' ' and not '\t' or '\u007f' => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => text.Append(c),
            };
        }
        return text.Append('"').ToString();
    }

    private static string PeerList(string value)
    {
        foreach (var url in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "https" || uri.Port <= 0)
            {
                throw new ConfigException($"p2p.peers must be comma-separated https://host:port URLs, got '{url}'");
            }
        }
        return value;
    }

    private static string NonEmpty(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new ConfigException($"{name} must not be empty") : value;

    private static string OneOf(string value, string name, string[] allowed) =>
        allowed.FirstOrDefault(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase))
        ?? throw new ConfigException($"{name} must be one of {string.Join(", ", allowed)}, got '{value}'");

    private static long Range(string value, string name, long min, long max) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ConfigException($"{name} must be an integer from {min} to {max}, got '{value}'");

    private static bool Bool(string value, string name) =>
        bool.TryParse(value, out var b) ? b : throw new ConfigException($"{name} must be true or false, got '{value}'");

    private static string HashOrEmpty(string value, string name)
    {
        var hex = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value;
        return hex.Length == 0 || (hex.Length == 64 && hex.All(Uri.IsHexDigit))
            ? hex.ToLowerInvariant()
            : throw new ConfigException($"{name} must be a block hash of 64 hex digits, got '{value}'");
    }

    private static string Endpoint(string value, string name) =>
        IPEndPoint.TryParse(value, out var ep) && ep.Port is > 0 and <= 65535
            ? value
            : throw new ConfigException($"{name} must be host:port with a numeric IP (e.g. 127.0.0.1:26657), got '{value}'");
}

/// <summary>One setting's effective value and where it came from: default, file, "env NAME" or "flag --name".</summary>
public sealed record EffectiveSetting(string Key, string Value, string Source, string EnvironmentVariable);

/// <summary>A configuration with the source of each value (what `config show` prints).</summary>
public sealed record EffectiveConfig(NodeConfig Config, IReadOnlyList<EffectiveSetting> Settings);

/// <summary>The node configuration is missing or invalid.</summary>
public sealed class ConfigException(string message) : Exception(message);
