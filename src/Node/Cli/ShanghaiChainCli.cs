using System.CommandLine;
using Grpc.Core;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Node.Api;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// The operator CLI `shanghaichain`. Flags are validated by the parser and by each command before anything
/// is touched; every failure prints one line starting with "error:" and exits non-zero
/// (2 for usage errors, including an invalid configuration; 1 for everything else).
/// </summary>
public static class ShanghaiChainCli
{
    public const int UsageError = 2;
    public const int Failure = 1;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("ShanghaiChain: a permissioned BFT blockchain node and its operator CLI.");
        root.Add(KeysCommands.Create());
        root.Add(NodeCommands.CreateInit());
        root.Add(NodeCommands.CreateStart());
        root.Add(NodeCommands.CreateDevnet());
        root.Add(NetworkCommands.CreateTestnet());
        root.Add(ClientCommands.CreateStatus());
        root.Add(ClientCommands.CreateTx());
        root.Add(ClientCommands.CreateAccount());
        root.Add(ClientCommands.CreateBlock());
        root.Add(ClientCommands.CreateState());
        var validators = ClientCommands.CreateValidators();
        GovernanceCommands.AddValidatorChanges(validators);
        root.Add(validators);
        root.Add(GovernanceCommands.CreateGov());
        root.Add(GovernanceCommands.CreateNodes());
        root.Add(GovernanceCommands.CreateRoles());
        root.Add(AuditCommands.Create());
        root.Add(ClientCommands.CreatePeers());
        root.Add(EvmCommands.Create());
        root.Add(ContractCommands.Create());
        root.Add(BlocksCommands.Create());
        root.Add(SnapshotCommands.Create());
        root.Add(RelayCommands.Create());
        root.Add(XchainCommands.Create());
        foreach (var recovery in RecoveryCommands.Create())
        {
            root.Add(recovery);
        }
        root.Add(NodeCommands.CreateConfig());

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var path = command == root ? "shanghaichain" : "shanghaichain " + CommandPath(parse);
            await Console.Error.WriteLineAsync($"error: {DescribeParseError(parse, path)} (see '{path} --help')").ConfigureAwait(false);
            return UsageError;
        }
        try
        {
            // After Ctrl-C or SIGTERM the command gets time to stop cleanly (a node closes its store; devnet stops its
            // nodes, waiting up to 15 s for each) before the process is ended with 130.
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromSeconds(45),
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            await Console.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
            // A wrong flag, bad input or an invalid configuration (node.toml, SHC_* variables) is a usage error.
            return ex is CliUsageException or ConfigException ? UsageError : Failure;
        }
    }

    /// <summary>
    /// The parser's first error in one line; an unknown command or option gets the nearest known one as a suggestion, and
    /// a command group called without its command lists the commands it has.
    /// </summary>
    private static string DescribeParseError(ParseResult parse, string path)
    {
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.FirstOrDefault() is { } unmatched)
        {
            if (unmatched.StartsWith('-'))
            {
                var options = OptionsOf(parse).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                return $"unknown option '{unmatched}' for '{path}'{NearestMatch.Hint(unmatched, options)}";
            }
            if (command.Subcommands.Count > 0)
            {
                return $"unknown command '{unmatched}' for '{path}'{NearestMatch.Hint(unmatched, command.Subcommands.Select(c => c.Name))}";
            }
            return $"unexpected argument '{unmatched}' for '{path}'";
        }
        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            return $"'{path}' needs a command: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}";
        }
        return string.Join(' ', parse.Errors[0].Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>The options valid at the parsed command: its own and the recursive ones of its parents (--help).</summary>
    private static IEnumerable<Option> OptionsOf(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var options = new List<Option>(command.Options);
        for (var parent = parse.CommandResult.Parent as System.CommandLine.Parsing.CommandResult; parent is not null;
             parent = parent.Parent as System.CommandLine.Parsing.CommandResult)
        {
            options.AddRange(parent.Command.Options.Where(o => o.Recursive));
        }
        return options;
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result?.Parent is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }
        return string.Join(' ', names);
    }

    /// <summary>One line for the errors an operator can act on; null lets anything else surface as a crash.</summary>
    private static string? Describe(Exception ex) => ex switch
    {
        CliUsageException or CliException or ConfigException or PortInUseException or GenesisException or KeyFileException or StoreException => ex.Message,
        RpcException rpc => DescribeRpc(rpc),
        // The client library's errors: its own checks, or the node's reason with the call's status underneath.
        ShanghaiChainException { InnerException: RpcException rpc } => DescribeRpc(rpc),
        ShanghaiChainException client => $"{client.Reason}: {client.Message}",
        TimeoutException timeout => timeout.Message,
        IOException io => io.Message,
        UnauthorizedAccessException access => access.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };

    /// <summary>
    /// The cause of a failed connection in the operator's terms (the gRPC client only says "Error connecting to
    /// subchannel"): nothing listening, TLS where the API speaks plaintext, or a server that is not the gRPC API.
    /// </summary>
    private static string? Transport(Exception? error)
    {
        for (var cause = error; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }:
                    return "connection refused: no node listens there (is it running? --node takes its API address, default http://127.0.0.1:26657)";
                case System.Security.Authentication.AuthenticationException:
                    return "the TLS handshake failed: a node's API speaks plaintext gRPC, use an http:// URL (the peer port's TLS is for peers only)";
                // Kestrel's HTTP/1.1-only endpoint either refuses the HTTP/2 preface (HTTP_1_1_REQUIRED) or never completes
                // the HTTP/2 handshake, depending on timing.
                case HttpRequestException http when http.Message.Contains("HTTP/1.1", StringComparison.OrdinalIgnoreCase) ||
                                                    http.Message.Contains("HTTP/2 handshake", StringComparison.OrdinalIgnoreCase) ||
                                                    http.InnerException?.Message.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal) == true:
                    return NotTheApi;
                case IOException io when io.Message.Contains("HTTP/2", StringComparison.OrdinalIgnoreCase) || io.Message.Contains("handshake", StringComparison.OrdinalIgnoreCase):
                    return NotTheApi;
            }
        }
        return null;
    }

    private const string NotTheApi =
        "the server there is not a node's gRPC API (the metrics or the peer port?); --node takes the API address, default http://127.0.0.1:26657";

    private static string DescribeRpc(RpcException rpc)
    {
        // A call that never reached a node (the client reports it as UNAVAILABLE or INTERNAL, without our reason trailer).
        if (rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal && rpc.Trailers.GetValue(ApiErrors.ReasonTrailer) is null &&
            (rpc.StatusCode == StatusCode.Unavailable || Transport(rpc.Status.DebugException) is not null))
        {
            return $"cannot reach the node: {Transport(rpc.Status.DebugException) ?? rpc.Status.Detail}";
        }
        var reason = rpc.Trailers.GetValue(ApiErrors.ReasonTrailer);
        return reason is null ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{reason}: {rpc.Status.Detail}";
    }
}

/// <summary>A flag or argument value is wrong (exit code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>A command could not do its job for a reason the operator can read and act on (exit code 1).</summary>
public sealed class CliException(string message) : Exception(message);
