using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

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
        if (last < _tree.Root.Height)
        {
            // Too late to end the epoch there: blocks past it are already committed in this epoch. (At exactly the
            // root the epoch ends at once: the block at its last height is committed.)
            Emit(new ValidatorSetChangeRefused(change.CommittedHeight, ValidatorSetChangeVerdict.TooLate));
            return;
        }
        _nextValidators = new ValidatorSet(change.Next);
        _lastHeightOfEpoch = last;
        Emit(new ValidatorSetChangeScheduled(_lastHeightOfEpoch, _config.Epoch + 1));
        EndEpochIfDue();
    }

    // A commit cut short by CapCommitTarget, resumed on a later event (after the node had the chance to report a change).
    private bool _cappedCommitPending;

    // The committed height when the current event began: the cap holds for everything one event commits.
    private ulong _stepRootHeight;

    /// <summary>
    /// A change decided in a block the engine commits now ends the epoch at the second boundary above that block at the
    /// earliest, and the node reports it only after the commit: so while no change is scheduled, one step never commits
    /// past the second boundary above the root committed before the event (a lagging engine catching up would otherwise commit, as blocks
    /// of this epoch, heights that belong to the next). The rest is committed on a later event.
    /// </summary>
    private BlockNode CapCommitTarget(BlockNode target, QuorumCertificate proof)
    {
        var length = Math.Max(1, _config.EpochLength);
        var cap = (_stepRootHeight / length + 2) * length - 1;
        if (_nextValidators is not null || target.Height <= cap)
        {
            return target;
        }
        var capped = target;
        while (capped.Height > cap && _tree.TryGet(capped.Parent, out var parent))
        {
            parent.Qc ??= capped.ParentQc;
            capped = parent;
        }
        if (capped.Height > cap)
        {
            // Ancestors missing: the commit waits for them anyway (and is capped when they arrive).
            return target;
        }
        if (_pendingCommit is null || target.Height > _pendingCommit.Height)
        {
            _pendingCommit = target;
            _pendingCommitProof = proof;
        }
        _cappedCommitPending = true;
        return capped;
    }

    private void ResumeCappedCommit()
    {
        _cappedCommitPending = false;
        if (_pendingCommit is { } pending && _tree.Contains(pending.Hash) && pending.Height > _tree.Root.Height)
        {
            _pendingCommit = null;
            CommitUpTo(pending, _pendingCommitProof!);
        }
    }

    /// <summary>Blocks above the epoch's last height only carry the certificates that commit it.</summary>
    private bool IsSuffixHeight(ulong height) => height > _lastHeightOfEpoch;

    /// <summary>
    /// When <paramref name="target"/> is the epoch's last block: its commit proof (the suffix blocks from its child up to
    /// the block <paramref name="proof"/> certifies, which the commit rule found one round after its parent) with the next
    /// set, for the node to keep beside the block (a light client of this chain follows the change through it). Null for
    /// any other block, when the chain of suffix blocks is longer than a light client takes (many timeouts in a row), and
    /// when the block does not announce that set (the node's block validity refuses such a block; the engine alone does
    /// not look at the header's next-set hash).
    /// </summary>
    private EpochEndCommit? EpochEndOf(BlockNode target, QuorumCertificate proof)
    {
        if (_nextValidators is null || target.Height != _lastHeightOfEpoch || proof.Height <= target.Height ||
            proof.Height - target.Height > MaxEpochEndSuffix ||
            !_nextValidators.Hash(_config.Suite).Matches(BlockHeader.Parser.ParseFrom(target.Header).NextValidatorSetHash.Span))
        {
            return null;
        }
        var suffix = new List<Google.Protobuf.ByteString>();
        var hash = new Hash32(proof.BlockHash.Span);
        while (hash != target.Hash)
        {
            if (!_tree.TryGet(hash, out var node) || node.Height <= target.Height)
            {
                return null;
            }
            suffix.Add(node.Header);
            hash = node.Parent;
        }
        suffix.Reverse();
        var record = new EpochEndCommit
        {
            Epoch = _config.Epoch,
            Height = target.Height,
            Commit = new CommitProof { Certificate = proof },
            NextValidators = _nextValidators.ToMessage(),
        };
        record.Commit.Descendants.AddRange(suffix);
        return record;
    }

    /// <summary>The longest suffix a light client's commit proof may carry (docs/relay.md, "Commit proof").</summary>
    public const int MaxEpochEndSuffix = 16;

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
