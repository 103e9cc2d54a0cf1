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
        var flags = new NodeFlags(ports: true, logging: false);
        var command = new Command("init", "Create a node home: one validator, a funded operator account, keys, genesis and node.toml")
        {
            home, chainId, crypto,
        };
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var target = new NodeHome(parse.GetValue(home)!);
            // The flags are written into the new node.toml (validated first, so a bad one leaves nothing behind).
            var config = new NodeConfig();
            foreach (var (setting, value, flag) in flags.Overrides(parse))
            {
                try
                {
                    config = config.With(setting[..setting.IndexOf('.', StringComparison.Ordinal)], setting[(setting.IndexOf('.', StringComparison.Ordinal) + 1)..], value);
                }
                catch (ConfigException ex)
                {
                    throw new ConfigException($"{flag}: {ex.Message}");
                }
            }
            Initialise(target, parse.GetValue(chainId)!, CryptoSuite.FromName(parse.GetValue(crypto)!), config);
            Console.WriteLine($"initialised {target.Root}");
            Console.WriteLine($"  chain id:     {parse.GetValue(chainId)}");
            Console.WriteLine($"  crypto suite: {parse.GetValue(crypto)}");
            Console.WriteLine($"  operator key: {target.OperatorKeyFile} ({KeyFile.Load(target.OperatorKeyFile).Address})");
            Console.WriteLine($"  ports:        api {config.ApiListen}, peers {Off(config.P2pListen)}, metrics {Off(config.MetricsListen)}");
            Console.WriteLine($"start it with: shanghaichain start --home {target.Root}");
            return 0;
        });
        return command;
    }

    private static string Off(string endpoint) => endpoint.Length == 0 ? "off" : endpoint;

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
        var flags = new NodeFlags(ports: true, logging: true);
        var checkState = new Option<string>("--check-state")
        {
            Description = "At startup compare the flat state with the state trie: sampled (first 256 accounts) or full",
            DefaultValueFactory = _ => "sampled",
        }.AcceptOnlyFromAmong("sampled", "full");
        var passphrase = Passphrases.FileOption();
        var looseKeys = new Option<bool>("--allow-loose-key-permissions") { Description = "Start even if a key file is readable by others than its owner" };
        var stateSync = new Option<bool>("--state-sync") { Description = "Without chain data, start from a snapshot the peers offer (state_sync.enable)" };
        var trustHash = new Option<string?>("--trust-hash") { Description = "Hash of a block you trust, for snapshots past the first epoch (state_sync.trust_hash)" };
        var command = new Command("start", "Run the node in the foreground until Ctrl-C") { home, checkState, passphrase, looseKeys, stateSync, trustHash };
        flags.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = RequireInitialised(parse.GetValue(home)!);
            var overrides = flags.Overrides(parse);
            if (parse.GetValue(stateSync))
            {
                overrides.Add(("state_sync.enable", "true", "--state-sync"));
            }
            if (parse.GetValue(trustHash) is { } trusted)
            {
                overrides.Add(("state_sync.trust_hash", trusted, "--trust-hash"));
            }
            var config = NodeConfig.LoadEffective(nodeHome.ConfigFile, null, overrides).Config;
            // Every port is checked before the store is opened or anything starts.
            PortCheck.EnsureFree(PortCheck.Endpoints(config, peerPort: true));
            var notes = CheckKeyFiles(nodeHome, parse.GetValue(looseKeys));
            var check = parse.GetValue(checkState) == "full" ? StateCheck.Full : StateCheck.Sampled;
            await RunNodeAsync(nodeHome, config, cancel, check, Passphrases.For(parse, passphrase), notes).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The node's signing keys before they are loaded: a file others may read is refused unless allowed (its key may
    /// already have leaked); a key in the clear is started with, and the start says so.
    /// </summary>
    private static List<string> CheckKeyFiles(NodeHome home, bool allowLoose)
    {
        var notes = new List<string>();
        foreach (var path in new[] { home.ValidatorKeyFile, home.NodeKeyFile }.Where(File.Exists))
        {
            if (KeyFile.LoosePermissions(path) is { } loose)
            {
                if (!allowLoose)
                {
                    throw new CliException($"key file {path} is readable by others ({loose}): chmod 600 it, or pass --allow-loose-key-permissions");
                }
                notes.Add($"note: key file {path} is readable by others ({loose})");
            }
            if (!KeyFile.IsEncrypted(path))
            {
                notes.Add($"note: key file {path} is stored in the clear ('shanghaichain keys encrypt' encrypts it)");
            }
        }
        return notes;
    }

    public static NodeHome RequireInitialised(string root)
    {
        var nodeHome = new NodeHome(root);
        return nodeHome.IsInitialised
            ? nodeHome
            : throw new CliException($"{nodeHome.Root} is not an initialised node home (run 'shanghaichain init --home {nodeHome.Root}' first)");
    }

    /// <summary>`config show`: the effective configuration of a home, with the source of each value.</summary>
    public static Command CreateConfig()
    {
        var config = new Command("config", "Inspect a node's configuration");
        var home = CommonOptions.Home();
        var flags = new NodeFlags(ports: true, logging: true);
        var show = new Command("show", "Print the configuration 'start' would run with (same flags), and where each value comes from: default, file, env or flag")
        {
            home,
        };
        flags.AddTo(show);
        show.SetAction(parse =>
        {
            var nodeHome = RequireInitialised(parse.GetValue(home)!);
            var effective = NodeConfig.LoadEffective(nodeHome.ConfigFile, null, flags.Overrides(parse));
            Console.WriteLine($"home: {nodeHome.Root}");
            Console.WriteLine($"file: {nodeHome.ConfigFile}");
            var table = CliOutput.Table("setting", "value", "source", "environment variable");
            foreach (var setting in effective.Settings)
            {
                table.Row(setting.Key, setting.Value.Length == 0 ? "(empty)" : setting.Value, setting.Source, setting.EnvironmentVariable);
            }
            CliOutput.Write(table);
            return 0;
        });
        config.Add(show);
        return config;
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
            if (homes.Count > 0)
            {
                // Flags that shape a new devnet cannot change an existing one: say so rather than ignore them silently.
                var ignored = new Option[] { basePort, validators, crypto }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (ignored.Count > 0)
                {
                    Console.Error.WriteLine($"note: {string.Join(", ", ignored)} ignored: {root} already holds a devnet of {homes.Count} node(s), which keeps " +
                        "its own ports, validators and crypto suite (see node*/config/node.toml); remove the directory to create a new one");
                }
            }
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

    private static async Task RunNodeAsync(NodeHome home, NodeConfig config, CancellationToken cancel, StateCheck stateCheck,
        Func<string, string> passphrase, IReadOnlyList<string> notes)
    {
        await StateSyncStartup.RunAsync(home, config, passphrase, cancel).ConfigureAwait(false);
        var app = NodeHost.Build(home, config, stateCheck, passphrase: passphrase);
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
            StartupReport.Print(app, home, config, notes);
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
            StartupReport.PrintStopped(app, config);
        }
    }
}
