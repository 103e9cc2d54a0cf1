using System.CommandLine;
using Grpc.Core;
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
        root.Add(ClientCommands.CreatePeers());
        root.Add(EvmCommands.Create());
        root.Add(ContractCommands.Create());
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
        IOException io => io.Message,
        UnauthorizedAccessException access => access.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };

    private static string DescribeRpc(RpcException rpc)
    {
        if (rpc.StatusCode == StatusCode.Unavailable)
        {
            return $"cannot reach the node: {rpc.Status.Detail}";
        }
        var reason = rpc.Trailers.GetValue(ApiErrors.ReasonTrailer);
        return reason is null ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{reason}: {rpc.Status.Detail}";
    }
}

/// <summary>A flag or argument value is wrong (exit code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>A command could not do its job for a reason the operator can read and act on (exit code 1).</summary>
public sealed class CliException(string message) : Exception(message);
