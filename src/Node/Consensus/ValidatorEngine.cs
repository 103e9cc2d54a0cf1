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
    BlockSync sync, ValidatorSchedule schedule, IHostApplicationLifetime lifetime, ILogger<ValidatorEngine> logger)
{
    /// <summary>Committed blocks handed to a (re)started engine, so it can answer for recent heights.</summary>
    public const int CommittedTailBlocks = 80;

    private readonly ByteString _genesisHash = store.GenesisHash.ToByteString();

    /// <summary>The validators of the epoch the running engine works in (message routing by index).</summary>
    public ValidatorSet Validators { get; private set; } = genesis.ToValidatorSet();

    /// <summary>Whether this node's key signs in the epoch after the committed head.</summary>
    public bool IsValidatorNow => schedule.Current.Validators.IndexOf(validator.Key.Address) >= 0;

    /// <summary>
    /// The scheduled validator-set change as the engine takes it, once per engine: the set, the decision's height and
    /// force, and the last height of the current epoch exactly as the governance record fixed it. Null when none.
    /// </summary>
    public ValidatorSetChangeCommitted? ScheduledChange(long nowMs)
    {
        if (schedule.Next is not { } next)
        {
            return null;
        }
        var (force, decidedAt) = schedule.NextDecision;
        return new ValidatorSetChangeCommitted(nowMs, decidedAt, next.Validators.Validators, force, next.GenesisHeight);
    }

    /// <summary>
    /// While following as a non-validator: when the committee has put this key in the next epoch's set, records (durably)
    /// that it signed nothing in that epoch, which is true as it has not run an engine there. Its first engine then starts
    /// from that record instead of a recovery quarantine; a data dir wiped later holds no such record and recovers as any.
    /// </summary>
    /// <remarks>
    /// Only for a decision this process saw committed after its first catch-up: a data dir wiped after the key had
    /// signed in that epoch restarts with the network already past the decision, so its first catch-up reaches it and
    /// the node recovers with a quarantine like any node without a record, instead of trusting a fresh one.
    /// </remarks>
    public async Task PrepareToJoinAsync(CancellationToken cancellationToken)
    {
        if (schedule.Next is { } next && next.Validators.IndexOf(validator.Key.Address) >= 0 &&
            schedule.Current.Validators.IndexOf(validator.Key.Address) < 0 && (records.Load()?.Epoch ?? 0) < next.Epoch &&
            _firstCatchUpHeight is { } caughtUp && schedule.NextDecision.DecidedAt > caughtUp)
        {
            await SaveAsync(new SafetyRecord { Epoch = next.Epoch }, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("this validator joins the set in epoch {Epoch}, after height {Height}", next.Epoch, next.GenesisHeight);
        }
    }

    /// <summary>Waits until the store has committed <paramref name="height"/> (an epoch's last block) before the next epoch's engine is made.</summary>
    public async Task WaitForCommittedAsync(ulong height, CancellationToken cancellationToken)
    {
        while (store.HeadHeight < height)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    public Core.Crypto.CryptoSuite Suite => genesis.Suite;

    /// <summary>Waits for the host to be up (the peer port open, links being dialled) before the first catch-up.</summary>
    public Task WaitForHostAsync(CancellationToken cancellationToken) => lifetime.WaitForStartedAsync(cancellationToken);

    /// <summary>Catches up with the peers before the engine starts or after it fell behind.</summary>
    public async Task<ulong> CatchUpAsync(CancellationToken cancellationToken)
    {
        var caught = await sync.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        _firstCatchUpHeight ??= head.Height;
        return caught;
    }

    private ulong? _firstCatchUpHeight;

    /// <summary>A new engine at the committed head (after a start or a catch-up); reads the safety record and the tail.</summary>
    public ConsensusCore Create()
    {
        var record = records.Load();
        var epoch = schedule.Current;
        Validators = epoch.Validators;
        var selfIndex = Validators.IndexOf(validator.Key.Address);
        if (selfIndex < 0)
        {
            throw new InvalidOperationException($"validator {validator.Key.Address} is not in epoch {epoch.Epoch}'s set");
        }
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
        // The epoch's parameters: the committee may have changed the epoch length and the empty-block interval.
        var parameters = epoch.Parameters;
        var config = new ConsensusConfig
        {
            ChainId = genesis.ChainId,
            Suite = genesis.Suite,
            Validators = Validators,
            Epoch = epoch.Epoch,
            GenesisHash = epoch.GenesisHash,
            GenesisHeight = epoch.GenesisHeight,
            EpochLength = parameters.EpochLength,
            SelfIndex = selfIndex,
            PrivateKey = validator.Key.ExportPrivateKey(),
            // An idle leader waits up to the empty-block interval for transactions: the round timeout must outlast that wait.
            BaseRoundTimeoutMs = parameters.EmptyBlockIntervalMs + 1_000,
            MaxRoundTimeoutMs = Math.Max(8_000, 4L * (parameters.EmptyBlockIntervalMs + 1_000)),
        };
        var engine = new ConsensusCore(config, record, mode, LoadCommittedTail(epoch.GenesisHeight));
        logger.LogInformation("consensus started as validator {Index} of {Count} in epoch {Epoch} ({Mode}) at height {Height}, round {Round}",
            selfIndex, Validators.Count, epoch.Epoch, mode, head.Height, engine.Round);
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

    /// <summary>The recent committed blocks of this epoch (those above its genesis height).</summary>
    private List<CommittedBlock> LoadCommittedTail(ulong epochGenesisHeight)
    {
        var height = head.Height;
        var tail = new List<CommittedBlock>();
        var from = Math.Max(epochGenesisHeight + 1, height > CommittedTailBlocks ? height - CommittedTailBlocks + 1 : 1);
        for (var h = from; h <= height && h > 0; h++)
        {
            tail.Add(store.GetCommittedBlock(h) ?? throw new StoreException($"committed block {h} is missing"));
        }
        return tail;
    }
}
