using System.CommandLine;
using System.Net.Sockets;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Hosting;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Cli;

/// <summary>`init`, `start` and `devnet`: make a node home and run the node.</summary>
internal static class NodeCommands
{
    public const string DefaultChainId = "shanghai-dev";
    public const string DefaultDevnetHome = ".devnet";

    /// <summary>Balance of the operator account a new chain funds: 10^27 base units.</summary>
    public const string OperatorBalance = "1000000000000000000000000000";

    /// <summary>The one consortium member of a network made by init or testnet: the operator, whose key administers it.</summary>
    public const string OperatorMember = "operator";

    public static Command CreateInit()
    {
        var home = CommonOptions.Home();
        var chainId = new Option<string>("--chain-id") { Description = "Chain id, [a-z0-9-_.] up to 64 characters", DefaultValueFactory = _ => DefaultChainId };
        var crypto = CommonOptions.Crypto();
        var apiListen = CommonOptions.ApiListen();
        var command = new Command("init", "Create a node home: one validator, a funded operator account, keys, genesis and node.toml")
        {
            home, chainId, crypto, apiListen,
        };
        command.SetAction(parse =>
        {
            var target = new NodeHome(parse.GetValue(home)!);
            var config = new NodeConfig();
            if (parse.GetValue(apiListen) is { } listen)
            {
                config = config.With("api", "listen", listen);
            }
            Initialise(target, parse.GetValue(chainId)!, CryptoSuite.FromName(parse.GetValue(crypto)!), config);
            Console.WriteLine($"initialised {target.Root}");
            Console.WriteLine($"  chain id:     {parse.GetValue(chainId)}");
            Console.WriteLine($"  crypto suite: {parse.GetValue(crypto)}");
            Console.WriteLine($"  operator key: {target.OperatorKeyFile} ({KeyFile.Load(target.OperatorKeyFile).Address})");
            Console.WriteLine($"start it with: shanghaichain start --home {target.Root}");
            return 0;
        });
        return command;
    }

    public static void Initialise(NodeHome home, string chainId, CryptoSuite suite, NodeConfig config)
    {
        if (!GenesisFile.IsValidChainId(chainId))
        {
            throw new CliUsageException($"--chain-id '{chainId}' is invalid: use 1-64 characters of [a-z0-9-_.]");
        }
        if (File.Exists(home.ConfigFile) || File.Exists(home.GenesisFile) || Directory.Exists(home.DataDir))
        {
            throw new CliException($"{home.Root} is already initialised; choose another --home or remove it");
        }
        Directory.CreateDirectory(home.ConfigDir);
        foreach (var existing in new[] { home.ValidatorKeyFile, home.OperatorKeyFile, home.NodeKeyFile }.Where(File.Exists))
        {
            throw new CliException($"{existing} already exists; init never replaces a key (move it away, or choose another --home)");
        }
        var validator = KeyFile.Generate(suite);
        var operatorKey = KeyFile.Generate(suite);
        var nodeKey = KeyFile.Generate(suite);
        validator.Save(home.ValidatorKeyFile);
        operatorKey.Save(home.OperatorKeyFile);
        nodeKey.Save(home.NodeKeyFile);
        var genesis = new GenesisFile
        {
            ChainId = chainId,
            CryptoSuite = suite.Name,
            GenesisTimeMs = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Validators = [new GenesisValidator { Name = "validator-0", PublicKey = Hex.Encode(validator.PublicKey), Power = 1, Member = OperatorMember }],
            Accounts = [new GenesisAccount { Address = operatorKey.Address.ToString(), Balance = OperatorBalance }],
            Nodes = [new GenesisNode { Name = "node-0", PublicKey = Hex.Encode(nodeKey.PublicKey), Member = OperatorMember }],
            Consortium = GenesisConsortium.SingleOperator(OperatorMember, operatorKey),
        };
        genesis.Save(home.GenesisFile);
        config.Save(home.ConfigFile);
        WriteFreshSafetyRecord(home);
    }

    /// <summary>
    /// A new validator's safety record says "nothing signed yet" (epoch 0). Its absence later means an emptied or
    /// restored data dir, where the validator must not trust its memory (docs/consensus.md, "Restarts").
    /// </summary>
    public static void WriteFreshSafetyRecord(NodeHome home) =>
        new SafetyRecordFile(home.SafetyRecordFile).SaveAsync(new V1.SafetyRecord { Epoch = 0 }, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public static Command CreateStart()
    {
        var home = CommonOptions.Home();
        var apiListen = CommonOptions.ApiListen();
        var logLevel = new Option<string?>("--log-level") { Description = "Trace, Debug, Information, Warning, Error" };
        var checkState = new Option<string>("--check-state")
        {
            Description = "At startup compare the flat state with the state trie: sampled (first 256 accounts) or full",
            DefaultValueFactory = _ => "sampled",
        }.AcceptOnlyFromAmong("sampled", "full");
        var command = new Command("start", "Run the node in the foreground until Ctrl-C") { home, apiListen, logLevel, checkState };
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = new NodeHome(parse.GetValue(home)!);
            if (!nodeHome.IsInitialised)
            {
                throw new CliException($"{nodeHome.Root} is not an initialised node home (run 'shanghaichain init --home {nodeHome.Root}' first)");
            }
            var config = LoadConfig(nodeHome, parse.GetValue(apiListen), parse.GetValue(logLevel));
            var check = parse.GetValue(checkState) == "full" ? StateCheck.Full : StateCheck.Sampled;
            await RunNodeAsync(nodeHome, config, cancel, check).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    public static Command CreateDevnet()
    {
        var home = new Option<string>("--home") { Description = "Directory of the local network (one home per node inside)", DefaultValueFactory = _ => DefaultDevnetHome };
        var crypto = CommonOptions.Crypto();
        var validators = new Option<int>("--validators") { Description = "Validators of a new devnet", DefaultValueFactory = _ => NetworkCommands.DevnetValidators };
        var basePort = new Option<int>("--base-port")
        {
            Description = "Ports of a new devnet: node i uses base+10i (API), +1 (peers), +3 (metrics)",
            DefaultValueFactory = _ => NetworkCommands.DevnetBasePort,
        };
        var command = new Command("devnet", "Run a local network of validators as child processes on embedded defaults, creating it on first use; Ctrl-C stops them all")
        {
            home, crypto, validators, basePort,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var root = Path.GetFullPath(parse.GetValue(home)!);
            if (File.Exists(Path.Combine(root, "config", "node.toml")))
            {
                throw new CliException($"{root} holds a single-node devnet of an older version; remove it to create a {NetworkCommands.DevnetValidators}-validator devnet");
            }
            var homes = Directory.Exists(root)
                ? [.. Directory.EnumerateDirectories(root, "node*").Select(d => new NodeHome(d)).Where(h => h.IsInitialised).OrderBy(h => h.Root, StringComparer.Ordinal)]
                : new List<NodeHome>();
            if (homes.Count == 0)
            {
                var count = parse.GetValue(validators);
                if (count is < 1 or > 16)
                {
                    throw new CliUsageException($"--validators must be from 1 to 16 for a devnet, got {count}");
                }
                homes = NetworkCommands.Create(root, count, 0, DefaultChainId, CryptoSuite.FromName(parse.GetValue(crypto)!), parse.GetValue(basePort));
                Console.WriteLine($"created a devnet of {count} validators in {root}");
            }
            var first = NodeConfig.Load(homes[0].ConfigFile);
            var operatorKey = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(root, "operator_key.json"));
            foreach (var nodeHome in homes)
            {
                var config = NodeConfig.Load(nodeHome.ConfigFile);
                Console.WriteLine($"{config.Moniker}: API {config.ApiListen}, peers {config.P2pListen}, metrics http://{config.MetricsListen}/metrics");
            }
            Console.WriteLine($"operator key (funded): {operatorKey}");
            Console.WriteLine($"try: shanghaichain tx transfer --node http://{first.ApiListen} --key {operatorKey} --to 0x000000000000000000000000000000000000beef --amount 1000");
            return await NetworkCommands.RunAllAsync(homes, cancel).ConfigureAwait(false);
        });
        return command;
    }

    private static NodeConfig LoadConfig(NodeHome home, string? apiListen, string? logLevel)
    {
        var config = NodeConfig.Load(home.ConfigFile);
        if (apiListen is not null)
        {
            config = config.With("api", "listen", apiListen);
        }
        if (logLevel is not null)
        {
            config = config.With("node", "log_level", logLevel);
        }
        return config;
    }

    private static async Task RunNodeAsync(NodeHome home, NodeConfig config, CancellationToken cancel, StateCheck stateCheck = StateCheck.Sampled)
    {
        var app = NodeHost.Build(home, config, stateCheck);
        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancel).ConfigureAwait(false);
            }
            catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } ||
                                         ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // Kestrel's message names the endpoint that failed (API, peer or metrics port).
                throw new CliException($"cannot start: {ex.Message.Split('\n')[0].Trim()}");
            }
            Console.WriteLine($"node '{config.Moniker}' serving the API on {config.ApiListen} (home {home.Root}); Ctrl-C stops it");
            await app.WaitForShutdownAsync(cancel).ConfigureAwait(false);
            // A service stopped the node on purpose (a full disk): its reason, already logged, is the exit message.
            if (app.Services.GetRequiredService<NodeStopper>().Reason is { } reason)
            {
                throw new CliException(reason);
            }
            // A background service that failed (block production, sync) stopped the host: that is a failure, not a clean stop.
            var failed = app.Services.GetServices<IHostedService>().OfType<BackgroundService>()
                .Select(s => s.ExecuteTask).FirstOrDefault(t => t is { IsFaulted: true });
            if (failed?.Exception?.InnerException is { } error)
            {
                throw new CliException($"the node stopped after a fatal error: {error.Message}");
            }
        }
    }
}
