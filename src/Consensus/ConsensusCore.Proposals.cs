using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>Proposing, validating proposals and voting.</summary>
public sealed partial class ConsensusCore
{
    private const int MaxPendingProposals = 64;

    private readonly Dictionary<(ulong Round, int Proposer), Proposal> _proposalsSeen = [];
    private readonly Dictionary<Hash32, List<Proposal>> _waitingForParent = [];
    private int _pendingProposalCount;

    /// <summary>As leader of the current round with the parent block at hand, asks the node to build the block.</summary>
    private void TryPropose()
    {
        if (!IsLeader(_round) || _buildRequestedRound >= _round || _record.LastProposedRound >= _round || !MaySignIn(_round))
        {
            return;
        }
        var parentHash = new Hash32(_highQc.BlockHash.Span);
        if (!_tree.TryGet(parentHash, out var parent))
        {
            RequestBlock(parentHash, -1);
            return;
        }
        _buildRequestedRound = _round;
        Emit(new BuildBlock(
            _config.Epoch,
            _round,
            parent.Height + 1,
            parent.Hash,
            _highQc,
            _config.Validators[_config.SelfIndex].Address,
            _config.Validators.Hash(_config.Suite),
            IsSuffixHeight(parent.Height + 1),
            _nextValidators is not null && parent.Height + 1 >= _lastHeightOfEpoch ? _nextValidators.Hash(_config.Suite) : default));
    }

    private void OnBlockBuilt(BlockBuilt built)
    {
        if (built.Round != _round || _buildRequestedRound != _round || _record.LastProposedRound >= _round || !MaySignIn(_round))
        {
            return;
        }
        if (!TryDecodeHeader(built.Header, out var header, out var hash) ||
            header.Round != _round || header.Epoch != _config.Epoch || header.ChainId != _config.ChainId ||
            new Hash32(header.ParentHash.Span) != new Hash32(_highQc.BlockHash.Span) ||
            !(header.ParentQc ?? _verifier.GenesisQc).Equals(_highQc) ||
            !header.Proposer.Span.SequenceEqual(_config.Validators[_config.SelfIndex].Address.ToArray()))
        {
            return;
        }
        var proposal = new Proposal
        {
            Epoch = _config.Epoch,
            Round = _round,
            ProposerIndex = (uint)_config.SelfIndex,
            Header = built.Header,
            Signature = ByteString.CopyFrom(_verifier.SignProposal(_config.PrivateKey!, _round, hash)),
        };
        proposal.Transactions.AddRange(built.Transactions);
        proposal.Evidence.AddRange(built.Evidence ?? []);
        if (_highTc is not null && _highTc.Round + 1 == _round && _highQc.Round + 1 != _round)
        {
            proposal.TimeoutCertificate = _highTc;
        }
        _record.LastProposedRound = _round;
        QueueSigned(new ConsensusMessage { Proposal = proposal }, deliverToSelf: false);
        // Local processing only produces a vote, which is itself held until the record is saved.
        OnProposal(proposal);
    }

    private void OnProposal(Proposal proposal)
    {
        if (proposal.Epoch != _config.Epoch || proposal.ProposerIndex >= (uint)_config.Validators.Count ||
            !TryDecodeHeader(proposal.Header, out var header, out var hash))
        {
            return;
        }
        var proposer = (int)proposal.ProposerIndex;
        var parentQc = header.ParentQc ?? _verifier.GenesisQc;
        var tc = proposal.TimeoutCertificate;
        if (header.Round != proposal.Round || header.Epoch != _config.Epoch || header.ChainId != _config.ChainId ||
            !header.Proposer.Span.SequenceEqual(_config.Validators[proposer].Address.ToArray()) ||
            parentQc.BlockHash != header.ParentHash || parentQc.Height + 1 != header.Height ||
            parentQc.Round >= proposal.Round || (tc is not null && tc.Round + 1 != proposal.Round) ||
            proposal.Round < _round - 1)
        {
            return;
        }
        if (!_verifier.VerifyProposalSignature(proposer, proposal.Round, hash, proposal.Signature.Span))
        {
            return;
        }
        if (_proposalsSeen.TryGetValue((proposal.Round, proposer), out var first))
        {
            if (first.Header != proposal.Header)
            {
                ReportEquivocation(new EquivocationEvidence { DoubleProposal = new DoubleProposal { First = first, Second = proposal } }, proposer);
            }
            return;
        }
        if (!CheckQc(parentQc) || (tc is not null && !CheckTc(tc)))
        {
            return;
        }
        _proposalsSeen[(proposal.Round, proposer)] = proposal;
        ObserveQc(parentQc);
        if (tc is not null)
        {
            ObserveTc(tc);
        }
        ProcessValidProposal(proposal, header, hash, parentQc);
    }

    /// <summary>Continues with a proposal whose signature and certificates are verified.</summary>
    private void ProcessValidProposal(Proposal proposal, BlockHeader header, Hash32 hash, QuorumCertificate parentQc)
    {
        if (proposal.Round != _round)
        {
            return;
        }
        var tc = proposal.TimeoutCertificate;
        var justified = proposal.Round == parentQc.Round + 1 || (tc is not null && tc.Round + 1 == proposal.Round);
        if (!justified || _leaders.LeaderOf(proposal.Round) != (int)proposal.ProposerIndex)
        {
            return;
        }
        var parentHash = new Hash32(header.ParentHash.Span);
        if (!_tree.TryGet(parentHash, out var parent))
        {
            if (_pendingProposalCount < MaxPendingProposals)
            {
                if (!_waitingForParent.TryGetValue(parentHash, out var list))
                {
                    _waitingForParent[parentHash] = list = [];
                }
                list.Add(proposal);
                _pendingProposalCount++;
            }
            RequestBlock(parentHash, (int)proposal.ProposerIndex);
            return;
        }
        if (parent.Height + 1 != header.Height || !_tree.ExtendsRoot(parentHash) ||
            (IsSuffixHeight(header.Height) && (proposal.Transactions.Count > 0 || proposal.Evidence.Count > 0)))
        {
            return;
        }
        if (!_tree.Contains(hash))
        {
            InsertBlock(NewNode(header, hash, proposal.Header, proposal.Transactions, (int)proposal.ProposerIndex, parentQc, proposal.Evidence));
        }
        Vote(proposal, header, hash, parentQc);
    }

    private void Vote(Proposal proposal, BlockHeader header, Hash32 hash, QuorumCertificate parentQc)
    {
        var round = proposal.Round;
        if (!MaySignIn(round) || round <= _record.LastVotedRound || round <= _record.HighestTimeoutRound)
        {
            return;
        }
        // Two-chain voting rule: extend the previous round's QC, or after a TC a QC at least as high as any in the TC.
        var tc = proposal.TimeoutCertificate;
        var safe = round == parentQc.Round + 1 ||
            (tc is not null && round == tc.Round + 1 && parentQc.Round >= EpochVerifier.HighQcRound(tc));
        if (!safe)
        {
            return;
        }
        var vote = new Vote
        {
            Epoch = _config.Epoch,
            Round = round,
            Height = header.Height,
            BlockHash = hash.ToByteString(),
            ValidatorIndex = (uint)_config.SelfIndex,
            Signature = ByteString.CopyFrom(_verifier.SignVote(_config.PrivateKey!, round, header.Height, hash)),
        };
        _record.LastVotedRound = round;
        _record.LastVote = vote;
        QueueSigned(new ConsensusMessage { Vote = vote }, deliverToSelf: true);
    }

    private BlockNode NewNode(BlockHeader header, Hash32 hash, ByteString headerBytes, IReadOnlyList<ByteString> transactions, int proposer,
        QuorumCertificate parentQc, IReadOnlyList<EquivocationEvidence>? evidence = null) => new()
    {
        Evidence = evidence ?? [],
        Hash = hash,
        Height = header.Height,
        Round = header.Round,
        Parent = new Hash32(header.ParentHash.Span),
        ProposerIndex = proposer,
        Header = headerBytes,
        Transactions = transactions,
        ParentQc = parentQc,
    };

    private void RetryProposalsWaitingFor(Hash32 parentHash)
    {
        if (!_waitingForParent.Remove(parentHash, out var list))
        {
            return;
        }
        _pendingProposalCount -= list.Count;
        foreach (var proposal in list)
        {
            if (TryDecodeHeader(proposal.Header, out var header, out var hash))
            {
                ProcessValidProposal(proposal, header, hash, header.ParentQc ?? _verifier.GenesisQc);
            }
        }
    }
}
