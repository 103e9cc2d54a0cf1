using Microsoft.AspNetCore.Server.Kestrel.Core;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Api;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Mempool;
using ShanghaiChain.Node.Observability;
using Prometheus;
using ShanghaiChain.Node.Pipeline;
using ShanghaiChain.Storage;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Node.Hosting;

/// <summary>Composes a node from its home directory: store, mempool, pipeline, producer and the app API.</summary>
public static class NodeHost
{
    public static WebApplication Build(NodeHome home, NodeConfig config, StateCheck stateCheck = StateCheck.Sampled)
    {
        var genesis = GenesisFile.Load(home.GenesisFile);
        var suite = genesis.Suite;
        var validatorKey = File.Exists(home.ValidatorKeyFile) ? KeyFile.Load(home.ValidatorKeyFile) : null;
        if (validatorKey is not null && validatorKey.Suite != suite)
        {
            throw new ConfigException($"the validator key is {validatorKey.Suite.Name} but the chain uses {suite.Name}");
        }
        var store = ChainStore.Open(home.ChainDbDir, genesis, stateCheck, (ulong)config.ProofWindowBlocks);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(Enum.Parse<LogLevel>(config.LogLevel, ignoreCase: true));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(config.ApiEndPoint, listen => listen.Protocols = HttpProtocols.Http2);
            if (config.MetricsListen.Length > 0)
            {
                // Prometheus scrapes over HTTP/1.1, which the HTTP/2-only app port cannot serve.
                kestrel.Listen(System.Net.IPEndPoint.Parse(config.MetricsListen), listen => listen.Protocols = HttpProtocols.Http1);
            }
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
        });

        var services = builder.Services;
        services.AddSingleton(genesis);
        services.AddSingleton(suite);
        services.AddSingleton(config);
        services.AddSingleton(home);
        services.AddSingleton(store);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton(new TransactionValidator(genesis.ChainId, suite, genesis.Parameters));
        services.AddSingleton(sp => new TransactionPool(
            sp.GetRequiredService<TransactionValidator>(), genesis.Parameters, store, store, store.ContainsTransaction,
            config.MempoolMaxTxs, config.MempoolMaxBytes));
        services.AddSingleton(new BlockExecutor(genesis.Parameters));
        services.AddSingleton<ChainFeed>();
        services.AddSingleton<BlockCommitter>();
        if (validatorKey is not null)
        {
            var validatorKeyHex = Core.Primitives.Hex.Encode(validatorKey.PublicKey);
            if (genesis.Validators.Count != 1 || !string.Equals(Core.Primitives.Hex.Encode(Core.Primitives.Hex.Decode(genesis.Validators[0].PublicKey)), validatorKeyHex, StringComparison.Ordinal))
            {
                throw new ConfigException("this node's validator key is not the single genesis validator; multi-validator consensus is not available in this version");
            }
            services.AddSingleton(validatorKey);
            services.AddSingleton(new BlockBuilder(genesis.ChainId, suite, validatorKey.Address, genesis.ToValidatorSet().Hash(suite)));
            services.AddHostedService<SingleValidatorProducer>();
        }
        services.AddSingleton(sp => new ChainApiService(
            store, sp.GetRequiredService<TransactionPool>(), sp.GetRequiredService<ChainFeed>(), sp.GetRequiredService<BlockCommitter>(),
            suite, config, sp.GetRequiredService<NodeMetrics>(), validatorKey));
        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 32 * 1024 * 1024;
            o.MaxSendMessageSize = 64 * 1024 * 1024;
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<ChainHealthCheck>("chain");

        var app = builder.Build();
        var metrics = app.Services.GetRequiredService<NodeMetrics>();
        var pool = app.Services.GetRequiredService<TransactionPool>();
        metrics.ObserveMempool(() => pool.Count, () => pool.Bytes);
        metrics.ObserveSyncing(() => 0);
        if (config.MetricsListen.Length > 0)
        {
            // Our meter only, plus process metrics (CPU, memory, open files); not the runtime's event counters.
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
            {
                SuppressProcessMetrics = false,
                SuppressDebugMetrics = true,
                SuppressEventCounters = true,
                SuppressMeters = false,
            });
            Metrics.ConfigureMeterAdapter(o =>
            {
                o.InstrumentFilterPredicate = instrument => instrument.Meter.Name == NodeMetrics.MeterName;
                o.ResolveHistogramBuckets = NodeMetrics.BucketsFor;
            });
            var port = System.Net.IPEndPoint.Parse(config.MetricsListen).Port;
            app.MapMetrics("/metrics").RequireHost($"*:{port}");
        }
        app.MapGrpcService<ChainApiService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        return app;
    }
}
