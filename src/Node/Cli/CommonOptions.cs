using System.CommandLine;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Cli;

/// <summary>Options shared by several commands, with their validation.</summary>
internal static class CommonOptions
{
    public const string DefaultNodeUrl = "http://127.0.0.1:26657";

    public static Option<string> Home() => new("--home")
    {
        Description = "Node home directory (config/ and data/); default $SHC_HOME or ~/.shanghaichain",
        DefaultValueFactory = _ => NodeHome.DefaultRoot,
    };

    public static Option<string> Node() => new("--node")
    {
        Description = "gRPC URL of the node to talk to; default $SHC_NODE or " + DefaultNodeUrl,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SHC_NODE") is { Length: > 0 } url ? url : DefaultNodeUrl,
        CustomParser = r => ParseUrl(r.Tokens.Single().Value, r, "--node"),
    };

    public static Option<string> Crypto() => new Option<string>("--crypto")
    {
        Description = "Crypto suite: ed25519-sha256 (default) or sm2-sm3 (national cryptography)",
        DefaultValueFactory = _ => CryptoSuite.Ed25519Sha256Name,
    }.AcceptOnlyFromAmong([.. CryptoSuite.Names]);

    /// <summary>A node API URL option's value: http or https, else the parser's error (exit code 2).</summary>
    public static string ParseUrl(string value, System.CommandLine.Parsing.ArgumentResult result, string option)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            result.AddError($"{option} must be an http:// or https:// URL, got '{value}'");
        }
        return value;
    }
}
