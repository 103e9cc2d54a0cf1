using ShanghaiChain.Core.Consensus;

namespace ShanghaiChain.Consensus;

/// <summary>Validator-set changes: checked when committed, applied at an epoch boundary.</summary>
public sealed partial class ConsensusCore
{
    private ValidatorSet? _nextValidators;
    private ulong _lastHeightOfEpoch = ulong.MaxValue;
    private bool _ended;

    /// <summary>Height of the last block of this epoch, or <see cref="ulong.MaxValue"/> when no change is scheduled.</summary>
    public ulong LastHeightOfEpoch => _lastHeightOfEpoch;

    private void OnValidatorSetChange(ValidatorSetChangeCommitted change)
    {
        var verdict = ValidatorSetChange.Check(_config.Validators, change.Next, change.Force);
        if (verdict != ValidatorSetChangeVerdict.Accepted || _nextValidators is not null || change.CommittedHeight > _tree.Root.Height)
        {
            Emit(new ValidatorSetChangeRefused(change.CommittedHeight, verdict));
            return;
        }
        var length = Math.Max(1, _config.EpochLength);
        var last = change.LastHeightOfEpoch != 0 ? change.LastHeightOfEpoch : (change.CommittedHeight / length + 2) * length - 1;
        if (last <= _tree.Root.Height)
        {
            // Too late to end the epoch there: blocks past it are already committed in this epoch.
            Emit(new ValidatorSetChangeRefused(change.CommittedHeight, ValidatorSetChangeVerdict.TooLate));
            return;
        }
        _nextValidators = new ValidatorSet(change.Next);
        _lastHeightOfEpoch = last;
        Emit(new ValidatorSetChangeScheduled(_lastHeightOfEpoch, _config.Epoch + 1));
        EndEpochIfDue();
    }

    /// <summary>Blocks above the epoch's last height only carry the certificates that commit it.</summary>
    private bool IsSuffixHeight(ulong height) => height > _lastHeightOfEpoch;

    private void EndEpochIfDue()
    {
        if (_nextValidators is null || _tree.Root.Height != _lastHeightOfEpoch || _ended)
        {
            return;
        }
        _ended = true;
        var last = _tree.Root;
        Emit(new EpochEnded(_config.Epoch + 1, _nextValidators, last.ToCommitted(), last.Hash, last.Height));
    }
}
