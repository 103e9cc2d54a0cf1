using ShanghaiChain.Client;
using ShanghaiChain.Core.Keys;

namespace ShanghaiChain.Node.Cli;

/// <summary>The CLI's commands that talk to a running node do it through the client library applications use.</summary>
internal static class CliClient
{
    /// <summary>Connects to the node's API at <paramref name="url"/> (the --node flag).</summary>
    public static async Task<ShanghaiChainClient> ConnectAsync(string url, CancellationToken cancel)
    {
        try
        {
            return await ShanghaiChainClient.ConnectAsync(url, cancel);
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"--node: {ex.Message}");
        }
    }

    /// <summary>A sender on the client's chain; a key of another suite is refused with the chain's name.</summary>
    public static ClientAccount Account(ShanghaiChainClient client, KeyFile key)
    {
        try
        {
            return client.Account(key);
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ex.Message.Replace(" (Parameter 'key')", "", StringComparison.Ordinal));
        }
    }
}
