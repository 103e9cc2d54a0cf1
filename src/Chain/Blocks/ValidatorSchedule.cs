using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Chain.Blocks;

/// <summary>
/// One epoch: its number, the validators that sign its blocks, the block its genesis certificate names (the last block
/// of the previous epoch, or the chain's genesis), its last height once a change is scheduled, and the chain parameters
/// that govern its blocks (genesis' with the committee's changes: block limits, transaction limits, epoch length, the
/// empty-block interval).
/// </summary>
public sealed record EpochInfo(ulong Epoch, ValidatorSet Validators, Hash32 GenesisHash, ulong GenesisHeight, ulong LastHeight, ChainParameters Parameters)
{
    /// <summary>No change scheduled: the epoch has no last height yet.</summary>
    public const ulong Open = ulong.MaxValue;
}

/// <summary>
/// Which validators sign which heights, from the governance record in the committed state (docs/governance.md): the
/// epoch in force and, once the committee has decided a change, the next one, which begins after the current epoch's
/// last height. A chain without a consortium has one epoch forever, the genesis set's. Validators, block validity and
/// block sync all ask this one place, so a node syncing from genesis verifies every certificate against the set that
/// signed it: a change is decided at least one epoch length before it takes effect, and blocks are executed in order,
/// so the record at the executed head always knows the epoch of the next block to verify.
/// </summary>
public sealed class ValidatorSchedule(GenesisFile genesis, IChainReader store)
{
    private sealed record Snapshot(ulong Height, EpochInfo Current, EpochInfo? Next, bool Force, ulong DecidedAt);

    private readonly EpochInfo _genesisEpoch = new(ChainEpochs.First, genesis.ToValidatorSet(), store.GenesisHash, 0, EpochInfo.Open, genesis.Parameters);
    private volatile Snapshot? _snapshot;

    /// <summary>The first epoch's set: genesis'.</summary>
    public ValidatorSet GenesisValidators => _genesisEpoch.Validators;

    /// <summary>The epoch the block after the committed head belongs to (suffix blocks aside).</summary>
    public EpochInfo Current => Read().Current;

    /// <summary>The scheduled next epoch, or null.</summary>
    public EpochInfo? Next => Read().Next;

    /// <summary>Whether the scheduled change was decided with force, and at which height (for the consensus engine).</summary>
    public (bool Force, ulong DecidedAt) NextDecision
    {
        get
        {
            var snapshot = Read();
            return (snapshot.Force, snapshot.DecidedAt);
        }
    }

    /// <summary>The epoch numbered <paramref name="epoch"/> if it is the current or the scheduled one, else null.</summary>
    public EpochInfo? ByNumber(ulong epoch)
    {
        var snapshot = Read();
        return snapshot.Current.Epoch == epoch ? snapshot.Current : snapshot.Next?.Epoch == epoch ? snapshot.Next : null;
    }

    /// <summary>The epoch whose committed blocks include <paramref name="height"/>, if it is the current or the next one.</summary>
    public EpochInfo? At(ulong height)
    {
        var snapshot = Read();
        if (snapshot.Next is { } next && height > next.GenesisHeight)
        {
            return next;
        }
        return height > snapshot.Current.GenesisHeight ? snapshot.Current : null;
    }

    /// <summary>
    /// The parameters that govern the block at <paramref name="height"/>: its epoch's when that is the current or the
    /// scheduled one (every block the node builds, validates or executes), else the current epoch's (reads of history).
    /// </summary>
    public ChainParameters ParametersAt(ulong height) => (At(height) ?? Current).Parameters;

    /// <summary>The hash of the set that signs the height after <paramref name="height"/> in <paramref name="epoch"/>: the next set's from the epoch's last height on.</summary>
    public Hash32 NextSetHashAfter(EpochInfo epoch, ulong height) =>
        height >= epoch.LastHeight && Next is { } next && next.Epoch == epoch.Epoch + 1
            ? next.Validators.Hash(genesis.Suite)
            : epoch.Validators.Hash(genesis.Suite);

    private Snapshot Read()
    {
        var head = store.HeadHeight;
        if (_snapshot is { } cached && cached.Height == head)
        {
            return cached;
        }
        var fresh = Load(head);
        _snapshot = fresh;
        return fresh;
    }

    private Snapshot Load(ulong head)
    {
        if (GovernanceReader.Registry(store) is not { } registry)
        {
            return new Snapshot(head, _genesisEpoch, null, false, 0);
        }
        var suite = genesis.Suite;
        var start = registry.EpochStartHeight;
        var current = new EpochInfo(registry.Epoch, GovernanceRules.ToValidatorSet(registry.Validators, suite), HashAt(start), start, EpochInfo.Open,
            GovernanceRules.Overlay(genesis.Parameters, registry.Parameters));
        if (registry.PendingValidators is not { } pending)
        {
            return new Snapshot(head, current, null, false, 0);
        }
        var last = pending.LastHeightOfEpoch;
        var nextSet = GovernanceRules.ToValidatorSet(pending.Validators, suite);
        var nextParameters = GovernanceRules.Overlay(genesis.Parameters, pending.Parameters);
        if (head >= last)
        {
            // The record makes the scheduled epoch current lazily (at the next governance transaction): the epoch has
            // begun once its predecessor's last block is committed.
            return new Snapshot(head, new EpochInfo(registry.Epoch + 1, nextSet, HashAt(last), last, EpochInfo.Open, nextParameters), null, false, 0);
        }
        // The next epoch's genesis block (the current epoch's last) is not committed yet: its hash is unknown until then.
        return new Snapshot(head, current with { LastHeight = last }, new EpochInfo(registry.Epoch + 1, nextSet, default, last, EpochInfo.Open, nextParameters),
            pending.Force, pending.DecidedAtHeight);
    }

    private Hash32 HashAt(ulong height) =>
        height == 0 ? store.GenesisHash
            : store.GetCommittedBlock(height) is { } block ? genesis.Suite.Hash(block.Block.Header.Span)
            : throw new StoreException($"committed block {height} is missing");
}
