using System.Text;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// node.toml as an operator writes it: NodeConfig.Load refuses with ConfigException; a configuration it accepts must give
/// its endpoints and peer URLs, and survive `config set` (which saves it with ToToml and loads it again) unchanged.
/// </summary>
internal sealed class NodeTomlTarget : FuzzTarget
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    // One file per process, rewritten for each input: Load takes a path, as the node reads its home directory.
    private static readonly string ConfigPath = Path.Combine(Path.GetTempPath(), $"shanghaichain-fuzz-{Environment.ProcessId}.toml");

    public override string Name => "node-toml";

    public override string Description => "node.toml text -> NodeConfig.Load, endpoints, ToToml round trip";

    public override void Run(ReadOnlySpan<byte> input)
    {
        File.WriteAllBytes(ConfigPath, input.ToArray());
        NodeConfig config;
        try
        {
            config = NodeConfig.Load(ConfigPath, NoEnvironment);
        }
        catch (ConfigException)
        {
            return;
        }
        _ = config.ApiEndPoint;
        _ = config.PeerUrls;
        File.WriteAllText(ConfigPath, config.ToToml());
        NodeConfig reloaded;
        try
        {
            reloaded = NodeConfig.Load(ConfigPath, NoEnvironment);
        }
        catch (ConfigException ex)
        {
            throw new FuzzInvariantException($"a configuration saved by ToToml does not load again: {ex.Message}");
        }
        if (reloaded != config)
        {
            throw new FuzzInvariantException("a configuration changes when saved by ToToml and loaded again");
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        yield return ("defaults", Encoding.UTF8.GetBytes(new NodeConfig().ToToml()));
        var tuned = new NodeConfig().With("p2p", "peers", "https://10.0.0.2:26656,https://10.0.0.3:26656").With("mempool", "max_txs", "5000")
            .With("node", "moniker", "validator-0").With("metrics", "listen", "");
        yield return ("tuned", Encoding.UTF8.GetBytes(tuned.ToToml()));
        yield return ("unknown-key", "[node]\nmoniker = \"a\"\ncolour = \"red\"\n"u8.ToArray());
        yield return ("bad-endpoint", "[api]\nlisten = \"localhost:80\"\n"u8.ToArray());
        yield return ("integer-as-number", "[mempool]\nmax_txs = 100\nmax_bytes = 2048\n"u8.ToArray());
        yield return ("inline-table", "node = { moniker = \"x\" }\n"u8.ToArray());
        yield return ("empty", []);
    }
}
