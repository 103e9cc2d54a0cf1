using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Building;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Storage;
using ShanghaiChain.Storage.Engines;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Chain.Tests.Pipeline;

/// <summary>
/// One node's block pipeline, assembled as the host assembles it, on a fake clock and an in-memory store (whose writes a
/// test can make fail), with no sockets: the mempool, pending blocks, the execution pipeline (started), the validator, the builder and block sync
/// over sources the test supplies. Four validators sign certificates; Alice and Bob are funded.
/// </summary>
internal sealed class PipelineHarness : IDisposable
{
    public const string ChainId = "pipeline-chain";
    public static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;
    public static readonly KeyFile[] ValidatorKeys = [.. Enumerable.Range(0, 4).Select(_ => KeyFile.Generate(Suite))];
    public static readonly KeyFile Alice = KeyFile.Generate(Suite);
    public static readonly KeyFile Bob = KeyFile.Generate(Suite);
    public static readonly Address Carol = Address.Parse("0x00000000000000000000000000000000000000c0");
    public static readonly GenesisFile Genesis = new()
    {
        ChainId = ChainId,
        GenesisTimeMs = 1_700_000_000_000,
        Validators = [.. ValidatorKeys.Select((k, i) => new GenesisValidator { Name = $"v{i}", PublicKey = Hex.Encode(k.PublicKey) })],
        Accounts =
        [
            new GenesisAccount { Address = Alice.Address.ToString(), Balance = "1000000000" },
            new GenesisAccount { Address = Bob.Address.ToString(), Balance = "1000000000" },
        ],
    };

    private readonly List<IBlockSource> _sources = [];
    private readonly EpochVerifier _certificates;

    public PipelineHarness()
    {
        Time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_100_000));
        Store = ChainStore.Open(Engine, Genesis);
        Head = new ChainHead(ChainTip.Load(Store, Suite));
        Transactions = new TransactionValidator(ChainId, Suite, Genesis.Parameters);
        Pool = new TransactionPool(Transactions, Genesis.Parameters, Store, Store, Store.ContainsTransactions, 10_000, 64 << 20);
        Pending = new PendingBlocks();
        Feed = new ChainFeed();
        Metrics = new NodeMetrics();
        Execution = new ExecutionPipeline(Store, Head, new BlockExecutor(Genesis.Parameters, Suite), Pending, Pool, Feed, Metrics, Suite, Time,
            NullLogger<ExecutionPipeline>.Instance);
        Validator = new BlockValidator(Genesis, Pool, Transactions, Store, Pending, Execution, Time, new ValidatorSchedule(Genesis, Store));
        Builder = new BlockBuilder(Genesis, Pool, Pending, Execution, Head, Store, Time, NullLogger<BlockBuilder>.Instance, new ValidatorSchedule(Genesis, Store));
        Sync = new SyncState(Head, Time);
        BlockSync = new BlockSync(Genesis, Validator, Execution, Head, Sync, new SourceList(_sources), Time, NullLogger<BlockSync>.Instance);
        _certificates = new EpochVerifier(ChainId, Suite, Genesis.ToValidatorSet(), ChainEpochs.First, Genesis.ComputeHash(), 0);
        Execution.Start();
    }

    public FakeTimeProvider Time { get; }
    public MemoryEngine Engine { get; } = new();
    public ChainStore Store { get; }
    public ChainHead Head { get; }
    public TransactionValidator Transactions { get; }
    public TransactionPool Pool { get; }
    public PendingBlocks Pending { get; }
    public ChainFeed Feed { get; }
    public NodeMetrics Metrics { get; }
    public ExecutionPipeline Execution { get; }
    public BlockValidator Validator { get; }
    public BlockBuilder Builder { get; }
    public SyncState Sync { get; }
    public BlockSync BlockSync { get; }

    public void AddSource(IBlockSource source) => _sources.Add(source);

    public static byte[] Transfer(KeyFile from, ulong nonce, ulong value = 10) =>
        TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, nonce, Carol, new UInt256(value), 21_000, 1_000), from);

    public VerifiedTransaction Verified(byte[] encoded) => Transactions.Validate(encoded).Transaction!;

    /// <summary>What the engine would ask a leader for: the next height on <paramref name="parent"/>, in <paramref name="round"/>.</summary>
    public BuildBlock BuildRequest(Hash32 parent, ulong height, ulong round) =>
        new(ChainEpochs.First, round, height, parent, new QuorumCertificate { Epoch = ChainEpochs.First }, ValidatorKeys[0].Address,
            Genesis.ToValidatorSet().Hash(Suite));

    /// <summary>A block on <paramref name="parent"/> with the given header values, built by hand (for invalid payloads).</summary>
    public PendingBlock HandBuilt(ChainTip parent, IReadOnlyList<byte[]> transactions, ulong round = 1, ulong? timestampMs = null,
        Hash32? stateRoot = null, Hash32? txRoot = null)
    {
        var verified = transactions.Select(Verified).ToList();
        var setHash = ByteString.CopyFrom(Genesis.ToValidatorSet().Hash(Suite).ToArray());
        var header = new BlockHeader
        {
            ChainId = ChainId,
            Epoch = ChainEpochs.First,
            Height = parent.Height + 1,
            Round = round,
            ParentHash = ByteString.CopyFrom(parent.Hash.ToArray()),
            Proposer = ByteString.CopyFrom(ValidatorKeys[0].Address.ToArray()),
            TimestampMs = timestampMs ?? (ulong)Time.GetUtcNow().ToUnixTimeMilliseconds(),
            TxRoot = ByteString.CopyFrom((txRoot ?? BinaryMerkleTree.ComputeRoot(Suite, [.. verified.Select(t => t.Id)])).ToArray()),
            StateRootOfParent = ByteString.CopyFrom((stateRoot ?? parent.StateRoot).ToArray()),
            ReceiptsRootOfParent = ByteString.CopyFrom(parent.ReceiptsRoot.ToArray()),
            ValidatorSetHash = setHash,
            NextValidatorSetHash = setHash,
        };
        return new PendingBlock(new SealedBlock(header, transactions.Select(t => t), Suite), verified);
    }

    /// <summary>A quorum certificate for <paramref name="block"/> signed by three of the four validators.</summary>
    public QuorumCertificate Certify(PendingBlock block, ulong round = 1)
    {
        var set = Genesis.ToValidatorSet();
        var qc = new QuorumCertificate { Epoch = ChainEpochs.First, Round = round, Height = block.Height, BlockHash = ByteString.CopyFrom(block.Hash.ToArray()) };
        foreach (var key in ValidatorKeys.Take(3))
        {
            qc.Signatures.Add(new ValidatorSignature
            {
                ValidatorIndex = (uint)set.IndexOf(key.Address),
                Signature = ByteString.CopyFrom(_certificates.SignVote(key.ExportPrivateKey(), round, block.Height, block.Hash)),
            });
        }
        return qc;
    }

    /// <summary>Builds the next block on the head with what the mempool holds, and commits it with a certificate.</summary>
    public async Task<PendingBlock> BuildAndCommitAsync(ulong round = 1)
    {
        var tip = Head.Tip;
        var block = await Builder.BuildAsync(BuildRequest(tip.Hash, tip.Height + 1, round), () => true) ?? throw new InvalidOperationException("not built");
        await Execution.CommitAsync([(block, Certify(block, round))]).WaitAsync(TimeSpan.FromSeconds(30));
        return block;
    }

    public void Dispose()
    {
        Execution.Dispose();
        Store.Dispose();
        Metrics.Dispose();
    }

    private sealed class SourceList(List<IBlockSource> sources) : IBlockSources
    {
        public IReadOnlyList<IBlockSource> Sources => sources;
    }
}

/// <summary>Another node's committed chain as a block source, read from its store; counts what it was told.</summary>
internal sealed class StoreBlockSource(ChainStore store, string name = "store", string? chainId = null) : IBlockSource
{
    public List<Exception> Failures { get; } = [];

    /// <summary>Applied to each block before it is sent (to make a source lie).</summary>
    public Func<CommittedBlock, CommittedBlock> Tamper { get; set; } = b => b;

    /// <summary>The head this source reports, when not its store's (to make a source claim more than it has).</summary>
    public ulong? ClaimedHead { get; set; }

    public string Name => name;

    public Task<BlockSourceStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new BlockSourceStatus(chainId ?? store.ChainId, store.GenesisHash.ToArray(), ClaimedHead ?? store.HeadHeight, false));

    public async IAsyncEnumerable<CommittedBlock> GetBlocksAsync(ulong fromHeight, uint maxBlocks, bool follow,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = maxBlocks == 0 ? store.HeadHeight : Math.Min(store.HeadHeight, fromHeight + maxBlocks - 1);
        for (var h = fromHeight; h <= end; h++)
        {
            await Task.Yield();
            yield return Tamper(store.GetCommittedBlock(h)!);
        }
    }

    public void Failed(Exception error) => Failures.Add(error);
}
