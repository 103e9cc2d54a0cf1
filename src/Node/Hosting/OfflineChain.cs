using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Hosting;

/// <summary>
/// A stopped node's chain, opened by an operator command (blocks export and import, rollback): the store with the
/// checks a start makes, and the block pipeline composed as <see cref="NodeHost"/> composes it (the chain's system
/// contracts, the roles rule, the evidence recorder), without a host, peers or consensus. Blocks enter only through
/// <see cref="ImportAsync"/>, which is block sync's verify-then-commit path, so an imported block is checked and executed
/// exactly as one fetched from a peer. The data dir is locked while this is open: a running node's is refused.
/// </summary>
public sealed class OfflineChain : IDisposable
{
    private readonly ChainStore _store;
    private readonly ExecutionPipeline _execution;
    private readonly NodeMetrics _metrics;
    private readonly BlockSync _sync;
    private readonly ILoggerFactory _loggers;

    private OfflineChain(GenesisFile genesis, ChainStore store, NodeConfig config, string directory)
    {
        Genesis = genesis;
        Directory = directory;
        _store = store;
        var suite = genesis.Suite;
        var modules = ChainModules.For(genesis);
        // Warnings and errors only, on stderr: the command prints its own progress.
        _loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning));
        Head = new ChainHead(ChainTip.Load(store, suite));
        var time = TimeProvider.System;
        var transactions = new TransactionValidator(genesis.ChainId, suite, genesis.Parameters);
        // The same schedule, mempool and executor as NodeHost's (ChainModules builds them for both).
        var schedule = new ValidatorSchedule(genesis, store);
        Schedule = schedule;
        var pool = modules.CreatePool(genesis, transactions, store, schedule, config);
        var pending = new PendingBlocks();
        _metrics = new NodeMetrics();
        _execution = new ExecutionPipeline(store, Head, modules.CreateExecutor(genesis, schedule), pending, pool, new ChainFeed(), _metrics, suite, time,
            _loggers.CreateLogger<ExecutionPipeline>());
        var validator = new BlockValidator(genesis, pool, transactions, store, pending, _execution, time, schedule);
        _sync = new BlockSync(genesis, validator, _execution, Head, new SyncState(Head, time), new NoBlockSources(), time, _loggers.CreateLogger<BlockSync>());
        _execution.Start();
    }

    /// <summary>
    /// Opens the chain of <paramref name="home"/> in its data dir, or in <paramref name="directory"/> (a rollback's new
    /// store). With <paramref name="mustExist"/> a home without chain data is refused instead of initialised from genesis.
    /// </summary>
    public static OfflineChain Open(NodeHome home, NodeConfig config, bool mustExist, string? directory = null)
    {
        if (!home.IsInitialised)
        {
            throw new ConfigException($"{home.Root} is not an initialised node home (no config/node.toml and config/genesis.json)");
        }
        directory ??= home.ChainDbDir;
        if (mustExist && !System.IO.Directory.Exists(directory))
        {
            throw new StoreException($"{home.Root} has no chain data ({directory} is missing)");
        }
        var genesis = GenesisFile.Load(home.GenesisFile);
        var modules = ChainModules.For(genesis);
        var store = ChainStore.Open(directory, genesis, StateCheck.Sampled, (ulong)config.ProofWindowBlocks, modules.GenesisCode, modules.GenesisStorage);
        return new OfflineChain(genesis, store, config, directory);
    }

    /// <summary>Refuses (<see cref="StoreException"/>) a data dir that a running node holds.</summary>
    public static void ThrowIfInUse(string directory) => ChainStore.ThrowIfInUse(directory);

    public GenesisFile Genesis { get; }

    /// <summary>The folder of the store.</summary>
    public string Directory { get; }

    /// <summary>The committed head, moved by imports.</summary>
    public ChainHead Head { get; }

    public IChainReader Store => _store;

    /// <summary>Why the blocks above <paramref name="target"/> cannot be undone in place (null: they can).</summary>
    public string? CannotRollBackInPlace(ulong target) => _store.CannotRollBackInPlace(target);

    /// <summary>Undoes the blocks above <paramref name="target"/> in place; this instance is retired after (dispose it).</summary>
    public void RollBackInPlace(ulong target) => _store.RollBack(target);

    /// <summary>Which validators sign each height (snapshots name the block that starts an epoch).</summary>
    public ValidatorSchedule Schedule { get; }


    /// <summary>Verifies and commits every block <paramref name="source"/> has past the head (<see cref="BlockSync.ImportAsync"/>).</summary>
    public Task<ulong> ImportAsync(IBlockSource source, CancellationToken cancellationToken) => _sync.ImportAsync(source, cancellationToken);

    /// <summary>Lets queued commits land, stops the pipeline and closes the store.</summary>
    public void Dispose()
    {
        _execution.Dispose();
        _store.Dispose();
        _metrics.Dispose();
        _loggers.Dispose();
    }
}
