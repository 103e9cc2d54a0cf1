using Microsoft.AspNetCore.Server.Kestrel.Core;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Api;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Chain.Building;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Snapshots;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Node.Consensus;
using ShanghaiChain.Node.Observability;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Observability;
using Prometheus;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Hosting;

/// <summary>A node without peers syncs from nobody.</summary>
internal sealed class NoBlockSources : IBlockSources
{
    public IReadOnlyList<IBlockSource> Sources => [];
}

/// <summary>Composes a node from its home directory: store, mempool, pipeline, producer and the app API.</summary>
public static class NodeHost
{
    /// <param name="readOnly">
    /// `inspect`: no validator key, no peers, no follower, so nothing ever commits; the app API refuses every method but
    /// its reads (<see cref="ReadOnlyApiInterceptor"/>).
    /// </param>
    /// <param name="passphrase">Asked for the passphrase of an encrypted key file (given its path); null refuses encrypted keys.</param>
    public static WebApplication Build(NodeHome home, NodeConfig config, StateCheck stateCheck = StateCheck.Sampled, bool readOnly = false,
        Func<string, string>? passphrase = null)
    {
        var genesis = GenesisFile.Load(home.GenesisFile);
        var suite = genesis.Suite;
        var validatorKey = !readOnly && File.Exists(home.ValidatorKeyFile) ? KeyFile.Load(home.ValidatorKeyFile, passphrase) : null;
        if (validatorKey is not null && validatorKey.Suite != suite)
        {
            throw new ConfigException($"the validator key is {validatorKey.Suite.Name} but the chain uses {suite.Name}");
        }
        var nodeKey = !readOnly && (config.P2pListen.Length > 0 || config.PeerUrls.Count > 0)
            ? (File.Exists(home.NodeKeyFile) ? KeyFile.Load(home.NodeKeyFile, passphrase) : throw new ConfigException($"the peer network needs a node key: {home.NodeKeyFile} is missing"))
            : null;
        if (validatorKey is not null && nodeKey is null)
        {
            // A validator always runs the peer layer; with the peer port off and no peers (a lone validator) nobody
            // connects, so a throwaway identity serves.
            nodeKey = genesis.Validators.Count == 1
                ? KeyFile.Generate(suite)
                : throw new ConfigException("a validator on a multi-validator chain needs the peer network: set p2p.listen and p2p.peers");
        }
        if (nodeKey is not null && nodeKey.Suite != suite)
        {
            throw new ConfigException($"the node key is {nodeKey.Suite.Name} but the chain uses {suite.Name}");
        }
        // Native contracts at reserved addresses (the SM3/SM2 helpers; governance when genesis names a consortium):
        // executed by the VM, their placeholder code and initial storage seeded into the genesis state.
        var modules = ChainModules.For(genesis);
        if (Directory.Exists(home.RollbackCompleteDir))
        {
            // Started between a rollback's mark and its swap, the node would run on the old store (or a new one from
            // genesis) while the checked, rolled-back store waits beside it.
            throw new StoreException($"{home.RollbackCompleteDir} holds a rollback that was interrupted before it replaced the data dir: " +
                $"run 'shanghaichain rollback --home {home.Root}' to finish it");
        }
        var store = ChainStore.Open(home.ChainDbDir, genesis, stateCheck, (ulong)config.ProofWindowBlocks, modules.GenesisCode, modules.GenesisStorage);
        CheckSafetyRecordChain(home, store);
        // The regulators' audit trail, beside the chain's database (a governed chain only: nothing to audit elsewhere).
        AuditLog? auditLog = null;
        if (modules.Governed)
        {
            try
            {
                auditLog = AuditLog.Open(home.AuditDbDir);
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (config.LogFormat == "json")
        {
            // One JSON object per line (timestamp, level, category, message, the message's named values) for log shippers.
            builder.Logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        builder.Logging.SetMinimumLevel(Enum.Parse<LogLevel>(config.LogLevel, ignoreCase: true));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        // Its error line fires for a client that reset its request while it was being read; the node's own failures in
        // a handler are logged by CallFailureInterceptor.
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(config.ApiEndPoint, listen => listen.Protocols = HttpProtocols.Http2);
            if (config.P2pListen.Length > 0 && nodeKey is not null)
            {
                kestrel.Listen(System.Net.IPEndPoint.Parse(config.P2pListen), listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = kestrel.ApplicationServices.GetRequiredService<PeerCertificate>().Certificate;
                        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate;
                        // Self-signed by design: PeerAuthInterceptor authenticates the certificate by its binding to an admitted node key.
                        https.ClientCertificateValidation = (_, _, _) => true;
                    });
                });
            }
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
        // The store itself goes to the block pipeline (its writer); everything else reads through IChainReader.
        services.AddSingleton(store);
        services.AddSingleton<IChainReader>(store);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<NodeMetrics>();
        // The committed head, read once here; from now on only the pipeline's committer moves it.
        services.AddSingleton(new ChainHead(ChainTip.Load(store, suite)));
        services.AddSingleton<SyncState>();
        services.AddSingleton<NodeStopper>();
        // One instance for every call: it counts the subscriptions each client holds open.
        services.AddSingleton<SubscriptionLimiter>();
        services.AddSingleton(new PeerAdmission(genesis));
        if (nodeKey is not null)
        {
            services.AddSingleton(PeerCertificate.Create(nodeKey, genesis.ChainId));
        }
        var transactionValidator = new TransactionValidator(genesis.ChainId, suite, genesis.Parameters);
        services.AddSingleton(transactionValidator);
        // Which validators sign, and which chain parameters govern, each height (the committee may change both).
        var schedule = new ValidatorSchedule(genesis, store);
        services.AddSingleton(schedule);
        if (auditLog is not null)
        {
            services.AddSingleton(auditLog);
            if (!readOnly)
            {
                // `inspect` serves the trail as recorded and records nothing.
                services.AddSingleton<AuditTrailService>();
                services.AddHostedService(sp => sp.GetRequiredService<AuditTrailService>());
            }
        }
        services.AddSingleton(sp => modules.CreatePool(genesis, transactionValidator, store, schedule, config,
            sp.GetService<AuditTrailService>() is { } trail ? trail.Refused : null));
        services.AddSingleton(modules.CreateExecutor(genesis, schedule));
        services.AddSingleton(new EvidencePool(suite));
        services.AddSingleton<ChainFeed>();
        services.AddSingleton<PendingBlocks>();
        // The block pipeline: the execution pipeline is the single writer to the store, in every mode.
        services.AddSingleton<ExecutionPipeline>();
        services.AddSingleton<IExecutedResults>(sp => sp.GetRequiredService<ExecutionPipeline>());
        services.AddSingleton<BlockValidator>();
        services.AddSingleton<BlockSync>();
        services.AddSingleton<PeerScores>();
        // Snapshot files offered to peers that state-sync (docs/operations.md), and the node's own every snapshot_interval blocks.
        services.AddSingleton(sp => new SnapshotCatalogue(home.SnapshotsDir,
            reason => sp.GetRequiredService<ILoggerFactory>().CreateLogger<SnapshotCatalogue>().LogWarning("{Reason}", reason)));
        if (config.SnapshotInterval > 0 && !readOnly)
        {
            services.AddHostedService<SnapshotService>();
        }
        if (nodeKey is not null)
        {
            // Created by type, so the host disposes it (and every connection it holds) at shutdown.
            services.AddSingleton<PeerClients>();
            services.AddSingleton<IBlockSources, PeerBlockSources>();
            services.AddSingleton<PeerNetwork>();
            // Admission follows the on-chain node registry; started first, so the head's registry applies from the first link.
            services.AddHostedService<NodeRegistryService>();
            services.AddHostedService(sp => sp.GetRequiredService<PeerNetwork>());
            services.AddHostedService<TransactionGossip>();
        }
        else
        {
            services.AddSingleton<IBlockSources>(new NoBlockSources());
        }
        services.AddSingleton<ContractApi>();
        services.AddSingleton(sp => new DashboardState(genesis, store, sp.GetRequiredService<ChainHead>(), sp.GetRequiredService<TransactionPool>(),
            sp.GetRequiredService<SyncState>(), schedule, TimeProvider.System, sp.GetService<PeerNetwork>()));
        services.AddHostedService<CommitLogService>();
        if (validatorKey is not null)
        {
            // A key outside the set in force is allowed: the node follows the chain until the committee adds it
            // (ConsensusDriver), which is how an organisation's node becomes a validator on a running chain.
            services.AddSingleton(validatorKey);
            services.AddSingleton(new ValidatorIdentity(validatorKey));
            services.AddSingleton<ISafetyRecordStore>(new SafetyRecordFile(home.SafetyRecordFile));
            services.AddSingleton<ConsensusInbox>();
            services.AddSingleton<ValidatorEngine>();
            services.AddSingleton<BlockBuilder>();
            services.AddSingleton<BlockFetcher>();
            services.AddSingleton<IPeerMessageHandler, PeerMessageRouter>();
            services.AddSingleton<ConsensusDriver>();
            services.AddHostedService(sp => sp.GetRequiredService<ConsensusDriver>());
        }
        else if (nodeKey is not null)
        {
            services.AddHostedService<ChainFollowerService>();
        }
        services.AddSingleton(sp => new ChainApiService(
            store, sp.GetRequiredService<TransactionPool>(), sp.GetRequiredService<ChainFeed>(), sp.GetRequiredService<ChainHead>(),
            suite, config, genesis, sp.GetRequiredService<NodeMetrics>(), sp.GetRequiredService<SyncState>(), validatorKey,
            sp.GetRequiredService<ContractApi>(), sp.GetRequiredService<ValidatorSchedule>(), sp.GetService<PeerNetwork>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 32 * 1024 * 1024;
            o.MaxSendMessageSize = 64 * 1024 * 1024;
            o.Interceptors.Add<CallFailureInterceptor>();
            o.Interceptors.Add<ShutdownStreamsInterceptor>();
            if (readOnly)
            {
                o.Interceptors.Add<ReadOnlyApiInterceptor>();
            }
        }).AddServiceOptions<ChainApiService>(o =>
        {
            // The chain service's server streams are its subscriptions (SubscribeBlocks, SubscribeEvents).
            o.Interceptors.Add<SubscriptionLimiter>();
        }).AddServiceOptions<PeerServiceImpl>(o =>
        {
            o.Interceptors.Add<PeerAuthInterceptor>();
            // One peer frame holds at most a proposal of a full block; anything larger is refused before it is parsed. On a
            // governed chain the committee may raise max_block_bytes up to its ceiling while the node runs.
            o.MaxReceiveMessageSize = ChainModules.MaxBlockFrameBytes(genesis);
        });
        services.AddGrpcReflection();
        // Reflection lists what the app port serves: not the peer service, which is mapped on the peer port only (by
        // default the reflection service lists every service of the process). Registered after AddGrpcReflection, so it
        // replaces the default.
        Google.Protobuf.Reflection.ServiceDescriptor[] appServices =
        [
            V1.ChainService.Descriptor, V1.GovernanceService.Descriptor, Grpc.Health.V1.Health.Descriptor,
            Grpc.Reflection.V1Alpha.ServerReflection.Descriptor, Grpc.Reflection.V1.ServerReflection.Descriptor,
            .. auditLog is null ? Array.Empty<Google.Protobuf.Reflection.ServiceDescriptor>() : [V1.AuditService.Descriptor],
        ];
        services.AddSingleton(new Grpc.Reflection.ReflectionServiceImpl(appServices));
        services.AddSingleton(new Grpc.Reflection.ReflectionV1ServiceImpl(appServices));
        // The chain's check answers for the server ("") and by name for the application service, as gRPC health clients
        // and Kubernetes probes ask either way.
        services.AddGrpcHealthChecks(o =>
        {
            o.Services.Map("", _ => true);
            o.Services.Map(V1.ChainService.Descriptor.FullName, _ => true);
        }).AddCheck<ChainHealthCheck>("chain");

        var app = builder.Build();
        var execution = app.Services.GetRequiredService<ExecutionPipeline>();
        execution.Start();
        // Closed once everything that uses it has stopped (the consensus driver or follower, the API, the peer service),
        // the pipeline's worker first, so that no commit runs on a closed store.
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            execution.Dispose();
            store.Dispose();
            auditLog?.Dispose();
        });
        var metrics = app.Services.GetRequiredService<NodeMetrics>();
        var head = app.Services.GetRequiredService<ChainHead>();
        metrics.ObserveHeight(() => (long)head.Height);
        metrics.ObserveHeadTime(() => head.Tip.TimestampMs / 1000.0);
        if (app.Services.GetService<ConsensusDriver>() is { } driver)
        {
            metrics.ObserveConsensus(() => (long)driver.Round);
        }
        if (app.Services.GetService<PeerNetwork>() is { } peers)
        {
            metrics.ObservePeers(() => peers.ConnectedPeers);
        }
        var pool = app.Services.GetRequiredService<TransactionPool>();
        metrics.ObserveMempool(() => pool.Count, () => pool.Bytes, () => pool.SignatureChecks);
        var pending = app.Services.GetRequiredService<PendingBlocks>();
        metrics.ObservePendingBlocks(() => pending.Count, () => pending.FromPeers, () => pending.BytesFromPeers);
        var sync = app.Services.GetRequiredService<SyncState>();
        metrics.ObserveSyncing(() => sync.Syncing ? 1 : 0);
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
            // prometheus-net starts listening to meters only before its first collection: collect once now, so that
            // histograms count every block from the start, not from the first scrape.
            Metrics.DefaultRegistry.CollectAndExportAsTextAsync(Stream.Null).GetAwaiter().GetResult();
            var port = System.Net.IPEndPoint.Parse(config.MetricsListen).Port;
            app.MapMetrics("/metrics").RequireHost($"*:{port}");
            DashboardEndpoints.Map(app, $"*:{port}");
            ProbeEndpoints.Map(app, $"*:{port}");
        }
        // Each port serves its own services only: the app API never answers on the peer port, and the reverse.
        var apiHost = $"*:{config.ApiEndPoint.Port}";
        app.MapGrpcService<ChainApiService>().RequireHost(apiHost);
        app.MapGrpcService<GovernanceApiService>().RequireHost(apiHost);
        app.MapGrpcService<RelayApiService>().RequireHost(apiHost);
        if (app.Services.GetService<AuditLog>() is not null)
        {
            app.MapGrpcService<AuditApiService>().RequireHost(apiHost);
        }
        app.MapGrpcReflectionService().RequireHost(apiHost);
        app.MapGrpcHealthChecksService().RequireHost(apiHost);
        if (nodeKey is not null && config.P2pListen.Length > 0)
        {
            app.MapGrpcService<PeerServiceImpl>().RequireHost($"*:{System.Net.IPEndPoint.Parse(config.P2pListen).Port}");
        }
        return app;
    }

    /// <summary>
    /// Refuses to start on a safety record saved by a node of another chain (a data dir copied or reused across
    /// networks, or a stale process of an earlier network writing into a recreated home): the record's rounds would
    /// decide what this validator may sign here. Validated here, before anything runs; the store was checked already.
    /// </summary>
    private static void CheckSafetyRecordChain(NodeHome home, ChainStore store)
    {
        var record = new SafetyRecordFile(home.SafetyRecordFile).Load();
        if (record is { GenesisHash.IsEmpty: false } && !store.GenesisHash.Matches(record.GenesisHash.Span))
        {
            store.Dispose();
            throw new StoreException($"the safety record {home.SafetyRecordFile} belongs to another chain (genesis " +
                $"{Hex.Encode(record.GenesisHash.Span)}, this chain's is {store.GenesisHash}); move it away only if this " +
                "validator never signed on this chain, otherwise restore this chain's record");
        }
    }
}
