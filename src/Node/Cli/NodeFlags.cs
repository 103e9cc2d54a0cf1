using System.CommandLine;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// Flags that override node.toml settings (after SHC_* variables), shared by `start` and `config show` so that
/// `config show` prints exactly what `start` with the same flags would run with; `init` writes the port flags into the
/// new home's node.toml. Values are validated by <see cref="Config.NodeConfig"/>, which names the flag in its error.
/// </summary>
internal sealed class NodeFlags
{
    private readonly (Option<string?> Option, string Setting)[] _flags;

    public NodeFlags(bool ports, bool logging)
    {
        var list = new List<(Option<string?>, string)>();
        if (ports)
        {
            list.Add((new Option<string?>("--api-listen") { Description = "host:port of the application gRPC API (api.listen)" }, "api.listen"));
            list.Add((new Option<string?>("--p2p-listen") { Description = "host:port of the peer port (p2p.listen); empty turns it off" }, "p2p.listen"));
            list.Add((new Option<string?>("--metrics-listen") { Description = "host:port of /metrics, /health and /ready (metrics.listen); empty turns it off" }, "metrics.listen"));
            list.Add((new Option<string?>("--peers") { Description = "Comma-separated https://host:port peers (p2p.peers)" }, "p2p.peers"));
            list.Add((new Option<string?>("--moniker") { Description = "The node's name in logs (node.moniker)" }, "node.moniker"));
        }
        if (logging)
        {
            list.Add((new Option<string?>("--log-level") { Description = "Trace, Debug, Information, Warning, Error (node.log_level)" }, "node.log_level"));
            list.Add((new Option<string?>("--log-format") { Description = "plain or json: one JSON object per line for log shippers (node.log_format)" }, "node.log_format"));
        }
        _flags = [.. list];
    }

    public void AddTo(Command command)
    {
        foreach (var (option, _) in _flags)
        {
            command.Add(option);
        }
    }

    /// <summary>The flags given on this command line, as (setting, value, flag name).</summary>
    public List<(string Setting, string Value, string Flag)> Overrides(ParseResult parse) =>
        [.. _flags.Where(f => parse.GetValue(f.Option) is not null).Select(f => (f.Setting, parse.GetValue(f.Option)!, f.Option.Name))];
}
