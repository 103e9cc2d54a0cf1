using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// What a started node tells its operator first: where it listens and where its files are, as it really runs (after
/// node.toml, SHC_* variables and flags). Plain lines for people; with log_format json, log events like every other line.
/// </summary>
public static class StartupReport
{
    public static void Print(WebApplication app, NodeHome home, NodeConfig config, IReadOnlyList<string> notes)
    {
        var genesis = app.Services.GetRequiredService<GenesisFile>();
        var head = app.Services.GetRequiredService<ChainHead>();
        var validator = app.Services.GetService<KeyFile>();
        var peers = config.P2pListen.Length > 0 ? $"{config.P2pListen} (mutual TLS)" : "off";
        var metrics = config.MetricsListen.Length > 0 ? $"http://{config.MetricsListen}/metrics (also /health, /ready)" : "off";
        var role = validator is null ? "follower (no validator key)" : $"validator {validator.Address}";
        string[] lines =
        [
            $"node '{config.Moniker}' serving the API on {config.ApiListen} (home {home.Root}); Ctrl-C stops it",
            $"  chain:    {genesis.ChainId} ({genesis.CryptoSuite}), head {head.Height}; {role}",
            $"  api:      {config.ApiListen} (gRPC, plaintext HTTP/2)",
            $"  peers:    {peers}; dialling {config.PeerUrls.Count} peer(s)",
            $"  metrics:  {metrics}",
            $"  config:   {home.ConfigFile}",
            $"  genesis:  {home.GenesisFile}",
            $"  data:     {home.DataDir}",
            $"  logs:     standard output, level {config.LogLevel}, format {config.LogFormat}",
            .. notes.Select(n => "  " + n),
        ];
        Write(app, config, lines);
    }

    /// <summary>The last line of a clean stop (a failed one ends with the CLI's error line instead).</summary>
    public static void PrintStopped(WebApplication app, NodeConfig config) =>
        Write(app, config, [$"node '{config.Moniker}' stopped cleanly at height {app.Services.GetRequiredService<ChainHead>().Height}"]);

    private static void Write(WebApplication app, NodeConfig config, string[] lines)
    {
        if (config.LogFormat == "json")
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ShanghaiChain.Node.Startup");
            foreach (var line in lines)
            {
                logger.LogInformation("{Line}", line.Trim());
            }
            return;
        }
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }
    }
}
