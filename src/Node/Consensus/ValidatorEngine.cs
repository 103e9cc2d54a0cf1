using Google.Protobuf;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// This validator's engine and what it persists: catches up before the engine (re)starts, creates the
/// <see cref="ConsensusCore"/> from the genesis, the validator key, the saved safety record and the committed tail, and
/// saves the safety record (bound to this chain's genesis) when the engine asks.
/// </summary>
public sealed class ValidatorEngine(GenesisFile genesis, ValidatorIdentity validator, ISafetyRecordStore records, IChainReader store, ChainHead head,
    BlockSync sync, IHostApplicationLifetime lifetime, ILogger<ValidatorEngine> logger)
{
    /// <summary>Committed blocks handed to a (re)started engine, so it can answer for recent heights.</summary>
    public const int CommittedTailBlocks = 80;

    private readonly ByteString _genesisHash = store.GenesisHash.ToByteString();

    public ValidatorSet Validators { get; } = genesis.ToValidatorSet();

    public Core.Crypto.CryptoSuite Suite => genesis.Suite;

    /// <summary>Waits for the host to be up (the peer port open, links being dialled) before the first catch-up.</summary>
    public Task WaitForHostAsync(CancellationToken cancellationToken) => lifetime.WaitForStartedAsync(cancellationToken);

    /// <summary>Catches up with the peers before the engine starts or after it fell behind.</summary>
    public Task<ulong> CatchUpAsync(CancellationToken cancellationToken) => sync.CatchUpAsync(cancellationToken);

    /// <summary>A new engine at the committed head (after a start or a catch-up); reads the safety record and the tail.</summary>
    public ConsensusCore Create()
    {
        var record = records.Load();
        var selfIndex = Validators.IndexOf(validator.Key.Address);
        StartMode mode;
        if (Validators.Count == 1)
        {
            // A lone validator resumes from its committed chain: blocks it had certified but not committed were never
            // reported to anyone and exist nowhere else, so its record's lock would point at a block nobody can
            // supply. Nothing uncommitted can conflict with what it signs next.
            mode = StartMode.Genesis;
            record = null;
        }
        else if (record is not null)
        {
            mode = StartMode.Restart;
        }
        else
        {
            mode = StartMode.Recovery;
            logger.LogWarning("no safety record in this home (empty or restored data dir): following the chain without signing for a quarantine period before voting again");
        }
        var parameters = genesis.Parameters;
        var config = new ConsensusConfig
        {
            ChainId = genesis.ChainId,
            Suite = genesis.Suite,
            Validators = Validators,
            Epoch = ChainEpochs.First,
            GenesisHash = store.GenesisHash,
            GenesisHeight = 0,
            SelfIndex = selfIndex,
            PrivateKey = validator.Key.ExportPrivateKey(),
            // An idle leader waits up to the empty-block interval for transactions: the round timeout must outlast that wait.
            BaseRoundTimeoutMs = parameters.EmptyBlockIntervalMs + 1_000,
            MaxRoundTimeoutMs = Math.Max(8_000, 4L * (parameters.EmptyBlockIntervalMs + 1_000)),
        };
        var engine = new ConsensusCore(config, record, mode, LoadCommittedTail());
        logger.LogInformation("consensus started as validator {Index} of {Count} ({Mode}) at height {Height}, round {Round}",
            selfIndex, Validators.Count, mode, head.Height, engine.Round);
        return engine;
    }

    /// <summary>
    /// Saves the record durably before anything it covers is sent. Bound to this chain, so that a start on another
    /// chain's record is refused (NodeHost).
    /// </summary>
    public ValueTask SaveAsync(SafetyRecord record, CancellationToken cancellationToken)
    {
        record.GenesisHash = _genesisHash;
        return records.SaveAsync(record, cancellationToken);
    }

    private List<CommittedBlock> LoadCommittedTail()
    {
        var height = head.Height;
        var tail = new List<CommittedBlock>();
        for (var h = height > CommittedTailBlocks ? height - CommittedTailBlocks + 1 : 1; h <= height && h > 0; h++)
        {
            tail.Add(store.GetCommittedBlock(h) ?? throw new StoreException($"committed block {h} is missing"));
        }
        return tail;
    }
}
