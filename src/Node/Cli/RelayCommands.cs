using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Grpc.Net.Client;
using ShanghaiChain.Governance;
using ShanghaiChain.Node.Relayer;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// `relay start|status|propose-client` (docs/relay.md, "The relayer"). Validated here: the config file (through
/// <see cref="RelayerConfig.Load"/>, one error line and exit code 2), URLs and identifiers; the nodes and the contract
/// check the rest.
/// </summary>
internal static class RelayCommands
{
    public static Command Create()
    {
        var relay = new Command("relay", "The cross-chain relayer: carry packets, acknowledgements and timeouts between chains");
        relay.Add(CreateStart());
        relay.Add(CreateStatus());
        relay.Add(CreateProposeClient());
        return relay;
    }

    private static Option<string> ConfigOption() => new("--config") { Description = "The relayer's TOML config (chains, keys, paths)", Required = true };

    private static RelayerConfig Load(string path)
    {
        try
        {
            return RelayerConfig.Load(path);
        }
        catch (RelayerConfigException ex)
        {
            throw new CliUsageException(ex.Message);
        }
    }

    private static Command CreateStart()
    {
        var config = ConfigOption();
        var start = new Command("start", "Relay every path of the config until stopped (Ctrl+C); resumes from the saved cursors") { config };
        start.SetAction(async (parse, cancel) =>
        {
            var loaded = Load(parse.GetValue(config)!);
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
            try
            {
                await RelayerHost.RunAsync(loaded, loggers, cancel).ConfigureAwait(false);
            }
            catch (RelayerConfigException ex)
            {
                throw new CliUsageException(ex.Message);
            }
            return 0;
        });
        return start;
    }

    private static Command CreateStatus()
    {
        var config = ConfigOption();
        var status = new Command("status", "Cursors, pending work and the light clients of every path, read from the chains") { config };
        status.SetAction(async (parse, cancel) =>
        {
            var loaded = Load(parse.GetValue(config)!);
            Dictionary<string, SavedCursor> cursors;
            try
            {
                cursors = RelayerState.LoadCursors(loaded.StateDir);
            }
            catch (RelayerConfigException ex)
            {
                throw new CliException(ex.Message);
            }
            var running = RelayerState.LoadStatus(loaded.StateDir);
            var age = running is null ? (long?)null : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - running.UpdatedAtMs;
            Console.WriteLine(running is null ? "relayer: never ran with this state_dir"
                : $"relayer: {(age < 5_000 ? "running" : "not running")} (pid {running.ProcessId}, last report {age / 1000.0:0.0} s ago)");
            foreach (var chain in loaded.Chains)
            {
                var head = "unreachable";
                try
                {
                    using var channel = GrpcChannel.ForAddress(chain.Node);
                    var s = await new ChainService.ChainServiceClient(channel).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancel);
                    head = s.HeadHeight.ToString(CultureInfo.InvariantCulture);
                }
                catch (Grpc.Core.RpcException ex)
                {
                    head = $"unreachable ({ex.StatusCode})";
                }
                var cursor = cursors.TryGetValue(chain.Id, out var c) ? $"{c.Height}/{c.TxIndex}/{c.LogIndex}" : $"none (starts at {chain.StartHeight})";
                Console.WriteLine($"chain {chain.Id}: head {head}, cursor {cursor}");
            }
            foreach (var path in loaded.Paths)
            {
                foreach (var (on, client, of) in new[] { (path.A, path.ClientOnA, path.B), (path.B, path.ClientOnB, path.A) })
                {
                    var line = $"client {client} on {on} (of {of}): ";
                    try
                    {
                        using var channel = GrpcChannel.ForAddress(loaded.Chains.First(x => x.Id == on).Node);
                        var r = await new RelayService.RelayServiceClient(channel).GetRelayClientAsync(new GetRelayClientRequest { ClientId = client },
                            deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancel);
                        line += r.Client is null ? "not created" : $"{r.Status}, trusts {of} height {r.Client.LatestHeight}, epoch {r.Client.Epoch}";
                    }
                    catch (Grpc.Core.RpcException ex)
                    {
                        line += $"unreachable ({ex.StatusCode})";
                    }
                    var direction = running?.Directions.FirstOrDefault(d => d.Destination == on && d.Client == client);
                    if (direction is not null)
                    {
                        line += $"; {of}->{on}: {direction.Pending} pending, {direction.Relayed} relayed" + (direction.LastError.Length > 0 ? $", last error: {direction.LastError}" : "");
                    }
                    Console.WriteLine(line);
                }
            }
            return 0;
        });
        return status;
    }

    private static Command CreateProposeClient()
    {
        var counterparty = new Option<string>("--counterparty") { Description = "gRPC URL of a node of the chain the client will follow", Required = true };
        var clientId = new Option<string>("--client-id") { Description = "Id of the new client on this chain ([a-z0-9.-], 1 to 64)", Required = true };
        var height = new Option<ulong>("--height") { Description = "Counterparty height to trust (default: its head)" };
        var trusting = new Option<ulong>("--trusting-period") { Description = "Seconds a header stays trusted without updates", DefaultValueFactory = _ => 86_400 };
        var recover = new Option<bool>("--recover") { Description = "Recover an existing frozen or expired client instead (threshold client_recovery)" };
        var command = new Command("propose-client",
            "Propose to this chain's committee (--node, signed by --key) a light client of the --counterparty chain, from its header and validator set")
            { counterparty, clientId, height, trusting, recover };
        var options = new ContractCommands.TxOptions();
        options.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var id = parse.GetValue(clientId)!;
            if (!CrossChainLayout.IsIdentifier(id))
            {
                throw new CliUsageException($"--client-id must be 1 to 64 characters of [a-z0-9.-], got '{id}'");
            }
            using var channel = GrpcChannel.ForAddress(parse.GetValue(counterparty)!);
            var create = await new RelayService.RelayServiceClient(channel).GetClientCreateAsync(new GetClientCreateRequest
            {
                Height = parse.GetValue(height),
                TrustingPeriodSeconds = parse.GetValue(trusting),
            }, cancellationToken: cancel);
            Console.WriteLine($"counterparty: {create.Create.ChainId} ({create.Create.CryptoSuite}), height {create.Height}, header {Convert.ToHexStringLower(create.HeaderHash.Span)}, " +
                $"{create.Create.Validators.Validators.Count} validator(s)");
            Console.WriteLine("check this header against a node you trust before voting for it");
            var receipt = await ContractCommands.SendAsync(parse, options, GovernanceLayout.Address,
                GovernanceCalls.CrossChainClient(parse.GetValue(recover), id, create.Create.ToByteArray()), GovernanceAbi.Contract, cancel);
            return receipt.Status == ReceiptStatus.Success ? 0 : ShanghaiChainCli.Failure;
        });
        return command;
    }
}
