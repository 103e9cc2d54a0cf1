using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>Certificates: verification cache, round jumps, the commit rule and fetching missing blocks.</summary>
public sealed partial class ConsensusCore
{
    private const int MaxOrphanBlocks = 256;

    // Certificates already verified (or formed here); an identical copy is accepted without checking signatures again.
    private readonly Dictionary<(ulong Round, Hash32 Block), QuorumCertificate> _knownQcs = [];
    private readonly Dictionary<ulong, TimeoutCertificate> _knownTcs = [];
    private readonly HashSet<Hash32> _fetching = [];
    private readonly Dictionary<Hash32, List<BlockNode>> _orphans = [];
    private int _orphanCount;
    private BlockNode? _pendingCommit;
    private QuorumCertificate? _pendingCommitProof;

    private bool CheckQc(QuorumCertificate qc)
    {
        if (!Hash32.TryRead(qc.BlockHash.Span, out var hash))
        {
            return false;
        }
        if (_knownQcs.TryGetValue((qc.Round, hash), out var known) && (ReferenceEquals(known, qc) || known.Equals(qc)))
        {
            return true;
        }
        if (!VerifyQcReusingVotes(qc, hash))
        {
            return false;
        }
        Remember(qc);
        return true;
    }

    /// <summary>
    /// Same result as <see cref="EpochVerifier.VerifyQuorumCertificate"/>, but a signature identical to a vote this
    /// node already verified (same signer, round, height and block) is not verified again. Signatures in a leader's
    /// QC are the very votes every node received, so in the steady state a QC costs no signature checks.
    /// </summary>
    private bool VerifyQcReusingVotes(QuorumCertificate qc, Hash32 hash)
    {
        if (qc.Round == 0 || qc.Epoch != _config.Epoch || qc.Signatures.Count > _config.Validators.Count)
        {
            return _verifier.VerifyQuorumCertificate(qc);
        }
        Span<bool> seen = stackalloc bool[_config.Validators.Count];
        ulong power = 0;
        foreach (var s in qc.Signatures)
        {
            var index = (int)Math.Min(s.ValidatorIndex, int.MaxValue);
            if (index >= _config.Validators.Count || seen[index])
            {
                return false;
            }
            var known = _votesBySigner.TryGetValue((qc.Round, index), out var vote) &&
                vote.Height == qc.Height && vote.BlockHash == qc.BlockHash && vote.Signature == s.Signature;
            if (!known && !_verifier.VerifyVoteSignature(index, qc.Round, qc.Height, hash, s.Signature.Span))
            {
                return false;
            }
            seen[index] = true;
            power += _config.Validators[index].VotingPower;
        }
        return power >= _config.Validators.QuorumPower;
    }

    private bool CheckTc(TimeoutCertificate tc)
    {
        if (_knownTcs.TryGetValue(tc.Round, out var known) && (ReferenceEquals(known, tc) || known.Equals(tc)))
        {
            return true;
        }
        if (!_verifier.VerifyTimeoutCertificate(tc))
        {
            return false;
        }
        RememberTc(tc);
        return true;
    }

    private void Remember(QuorumCertificate qc)
    {
        var key = (qc.Round, new Hash32(qc.BlockHash.Span));
        _knownQcs.TryAdd(key, qc);
        NoteCertifiedRound(qc.Round);
        if (_config.IsValidator && qc.Round > _record.LastVotedRound)
        {
            foreach (var s in qc.Signatures)
            {
                if (s.ValidatorIndex == (uint)_config.SelfIndex)
                {
                    NoteOwnSignature(qc.Round, isTimeout: false);
                }
            }
        }
    }

    private void RememberTc(TimeoutCertificate tc)
    {
        _knownTcs.TryAdd(tc.Round, tc);
        NoteCertifiedRound(tc.Round);
        if (tc.HighQc is not null)
        {
            Remember(tc.HighQc);
        }
        if (_config.IsValidator && tc.Round > _record.HighestTimeoutRound)
        {
            foreach (var s in tc.Signatures)
            {
                if (s.ValidatorIndex == (uint)_config.SelfIndex)
                {
                    NoteOwnSignature(tc.Round, isTimeout: true);
                }
            }
        }
    }

    private void PruneCertificates(ulong round)
    {
        // Keep the high QC and anything recent; older certificates are only needed again if re-sent verbatim.
        PruneKeys(_knownQcs, k => k.Round + 8 < round && k.Round != _highQc.Round);
        PruneKeys(_knownTcs, k => k + 8 < round);
    }

    /// <summary>Takes a verified QC into account: high QC, lock, commit rule, and the jump to the round after it.</summary>
    private void ObserveQc(QuorumCertificate qc)
    {
        var hash = new Hash32(qc.BlockHash.Span);
        if (qc.Round > _highQc.Round)
        {
            _highQc = qc;
        }
        if (qc.Round > _record.LockedRound)
        {
            _record.LockedRound = qc.Round;
            _record.LockedQc = qc;
        }
        if (_tree.TryGet(hash, out var node))
        {
            node.Qc ??= qc;
            TryCommitFrom(node);
        }
        else if (qc.Height > _tree.Root.Height)
        {
            RequestBlock(hash, -1);
        }
        if (qc.Round + 1 > _round)
        {
            EnterRound(qc.Round + 1, viaTimeout: false);
        }
        else if (IsLeader(_round) && qc == _highQc)
        {
            TryPropose();
        }
    }

    private void ObserveTc(TimeoutCertificate tc)
    {
        if (_highTc is null || tc.Round > _highTc.Round)
        {
            _highTc = tc;
        }
        if (tc.HighQc is not null)
        {
            ObserveQc(tc.HighQc);
        }
        if (tc.Round + 1 > _round)
        {
            EnterRound(tc.Round + 1, viaTimeout: true);
        }
    }

    /// <summary>
    /// Two-chain commit rule: a certified block whose parent is certified and exactly one round older commits the
    /// parent and all its uncommitted ancestors.
    /// </summary>
    private void TryCommitFrom(BlockNode certified)
    {
        if (certified.Qc is null)
        {
            return;
        }
        if (UnsafeCommitOnSingleQc)
        {
            CommitUpTo(certified, certified.Qc);
            return;
        }
        if (!_tree.TryGet(certified.Parent, out var parent) || parent.Round + 1 != certified.Round)
        {
            return;
        }
        parent.Qc ??= certified.ParentQc;
        CommitUpTo(parent, certified.Qc);
    }

    private void CommitUpTo(BlockNode target, QuorumCertificate proof)
    {
        // Never commit beyond the last block of an ending epoch: walk back to it (its descendants are suffix blocks).
        while (IsSuffixHeight(target.Height) && _tree.TryGet(target.Parent, out var parentOfSuffix))
        {
            parentOfSuffix.Qc ??= target.ParentQc;
            target = parentOfSuffix;
        }
        if (target.Height <= _tree.Root.Height || IsSuffixHeight(target.Height))
        {
            return;
        }
        target = CapCommitTarget(target, proof);
        var path = _tree.PathFromRoot(target.Hash, out var missing);
        if (path is null)
        {
            if (_pendingCommit is null || target.Height > _pendingCommit.Height)
            {
                _pendingCommit = target;
                _pendingCommitProof = proof;
            }
            RequestBlock(missing, target.ProposerIndex);
            return;
        }
        if (path.Count == 0)
        {
            // A certified chain that conflicts with what is committed: only possible beyond the fault bound.
            return;
        }
        for (var i = 0; i < path.Count - 1; i++)
        {
            path[i].Qc ??= path[i + 1].ParentQc;
        }
        var committed = new List<CommittedBlock>(path.Count);
        foreach (var node in path)
        {
            committed.Add(node.ToCommitted());
            _leaders.OnCommitted(node.Round, node.ProposerIndex);
        }
        // Read before the commit prunes the tree: the suffix blocks that committed the epoch's last block.
        committed[^1].EpochEnd = EpochEndOf(target, proof);
        _tree.Commit(target);
        if (_pendingCommit is not null && _pendingCommit.Height <= target.Height)
        {
            _pendingCommit = null;
        }
        Emit(new CommitBlocks(committed, proof));
        EndEpochIfDue();
    }

    private void RequestBlock(Hash32 hash, int preferred)
    {
        if (_tree.Contains(hash) || !_fetching.Add(hash))
        {
            return;
        }
        Emit(new FetchBlock(hash, preferred));
    }

    private void OnBlockAvailable(ByteString headerBytes, IReadOnlyList<ByteString> transactions, IReadOnlyList<EquivocationEvidence>? evidence)
    {
        if (!TryDecodeHeader(headerBytes, out var header, out var hash) || _tree.Contains(hash) || header.Epoch != _config.Epoch)
        {
            return;
        }
        // Only blocks this engine asked for: their hashes are bound by a certificate or a certified child.
        if (!_fetching.Remove(hash) || header.Height <= _tree.Root.Height)
        {
            return;
        }
        var parentQc = header.ParentQc ?? _verifier.GenesisQc;
        var node = NewNode(header, hash, headerBytes, transactions, _config.Validators.IndexOf(new Address(header.Proposer.Span)), parentQc, evidence);
        var parentHash = node.Parent;
        if (_tree.Contains(parentHash))
        {
            InsertBlock(node);
            return;
        }
        if (_orphanCount < MaxOrphanBlocks)
        {
            if (!_orphans.TryGetValue(parentHash, out var list))
            {
                _orphans[parentHash] = list = [];
            }
            list.Add(node);
            _orphanCount++;
        }
        if (header.Height - 1 > _tree.Root.Height)
        {
            RequestBlock(parentHash, node.ProposerIndex);
        }
    }

    /// <summary>Adds a block whose parent is known, then resumes whatever waited for it.</summary>
    private void InsertBlock(BlockNode node)
    {
        if (!_tree.TryGet(node.Parent, out var parent) || parent.Height + 1 != node.Height || parent.Round >= node.Round)
        {
            return;
        }
        _tree.Add(node);
        _fetching.Remove(node.Hash);
        if (node.ParentQc is not null)
        {
            parent.Qc ??= node.ParentQc;
        }
        if (_knownQcs.TryGetValue((node.Round, node.Hash), out var qc))
        {
            node.Qc ??= qc;
        }
        if (parent.Qc is not null && parent.Height > _tree.Root.Height)
        {
            TryCommitFrom(parent);
        }
        if (node.Qc is not null)
        {
            TryCommitFrom(node);
        }
        if (_pendingCommit is not null && _tree.Contains(_pendingCommit.Hash))
        {
            var pending = _pendingCommit;
            _pendingCommit = null;
            CommitUpTo(pending, _pendingCommitProof!);
        }
        if (_orphans.Remove(node.Hash, out var children))
        {
            _orphanCount -= children.Count;
            foreach (var child in children)
            {
                InsertBlock(child);
            }
        }
        RetryProposalsWaitingFor(node.Hash);
        if (new Hash32(_highQc.BlockHash.Span) == node.Hash)
        {
            TryPropose();
        }
    }
}
