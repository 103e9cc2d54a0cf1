using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using Timeout = ShanghaiChain.V1.Timeout;

namespace ShanghaiChain.Consensus;

/// <summary>Collecting votes into quorum certificates and timeouts into timeout certificates.</summary>
public sealed partial class ConsensusCore
{
    private readonly Dictionary<(ulong Round, Hash32 Block), VoteAccumulator> _votes = [];
    private readonly Dictionary<(ulong Round, int Validator), Vote> _votesBySigner = [];
    private readonly Dictionary<ulong, TimeoutAccumulator> _timeouts = [];
    private readonly Dictionary<int, ulong> _syncSentAtRound = [];
    private readonly HashSet<(int Kind, ulong Round, int Validator)> _evidenceReported = [];

    private void OnVote(int sender, Vote vote)
    {
        if (vote.Epoch != _config.Epoch || vote.ValidatorIndex >= (uint)_config.Validators.Count ||
            !Hash32.TryRead(vote.BlockHash.Span, out var blockHash))
        {
            return;
        }
        if (vote.Round <= _highQc.Round || vote.Round < _round - 1)
        {
            // A late vote of the round just certified is normal; only a peer two rounds behind needs help.
            if (vote.Round < _round - 1)
            {
                HelpLaggingPeer(sender, vote.Round);
            }
            return;
        }
        if (vote.Round > _round + _config.MaxFutureRounds)
        {
            return;
        }
        var index = (int)vote.ValidatorIndex;
        if (!_deliveringOwnMessage && !_verifier.VerifyVoteSignature(index, vote.Round, vote.Height, blockHash, vote.Signature.Span))
        {
            return;
        }
        if (index == _config.SelfIndex)
        {
            NoteOwnSignature(vote.Round, isTimeout: false);
        }
        if (_votesBySigner.TryGetValue((vote.Round, index), out var first))
        {
            if (first.BlockHash != vote.BlockHash || first.Height != vote.Height)
            {
                ReportEquivocation(new EquivocationEvidence { DoubleVote = new DoubleVote { First = first, Second = vote } }, index);
            }
            else
            {
                return;
            }
        }
        else
        {
            _votesBySigner[(vote.Round, index)] = vote;
        }
        if (!_votes.TryGetValue((vote.Round, blockHash), out var accumulator))
        {
            _votes[(vote.Round, blockHash)] = accumulator = new VoteAccumulator(_config.Validators.Count, vote.Height);
        }
        if (accumulator.Formed || accumulator.Height != vote.Height || !accumulator.Add(index, _config.Validators[index].VotingPower, vote.Signature))
        {
            return;
        }
        if (accumulator.Power >= _config.Validators.QuorumPower)
        {
            accumulator.Formed = true;
            var qc = new QuorumCertificate
            {
                Epoch = _config.Epoch,
                Round = vote.Round,
                Height = vote.Height,
                BlockHash = vote.BlockHash,
            };
            qc.Signatures.AddRange(accumulator.Signatures);
            Remember(qc);
            ObserveQc(qc);
        }
    }

    private void OnTimeout(int sender, Timeout timeout)
    {
        if (timeout.Epoch != _config.Epoch || timeout.ValidatorIndex >= (uint)_config.Validators.Count)
        {
            return;
        }
        if (timeout.Round < _round)
        {
            HelpLaggingPeer(sender, timeout.Round);
            return;
        }
        if (timeout.Round > _round + _config.MaxFutureRounds)
        {
            return;
        }
        var highQc = timeout.HighQc ?? _verifier.GenesisQc;
        var index = (int)timeout.ValidatorIndex;
        if (highQc.Round >= timeout.Round ||
            (!_deliveringOwnMessage && !_verifier.VerifyTimeoutSignature(index, timeout.Round, highQc.Round, timeout.Signature.Span)) ||
            !CheckQc(highQc))
        {
            return;
        }
        if (index == _config.SelfIndex)
        {
            NoteOwnSignature(timeout.Round, isTimeout: true);
        }
        ObserveQc(highQc);
        if (timeout.Round < _round)
        {
            return;
        }
        if (!_timeouts.TryGetValue(timeout.Round, out var accumulator))
        {
            _timeouts[timeout.Round] = accumulator = new TimeoutAccumulator(_config.Validators.Count);
        }
        if (accumulator.Formed || !accumulator.Add(index, _config.Validators[index].VotingPower, timeout, highQc))
        {
            return;
        }
        if (accumulator.Power >= _config.Validators.QuorumPower)
        {
            accumulator.Formed = true;
            var tc = accumulator.ToCertificate(_config.Epoch, timeout.Round);
            RememberTc(tc);
            ObserveTc(tc);
        }
    }

    /// <summary>Signs (once per round) and broadcasts a timeout for the current round, or re-sends the one signed.</summary>
    private void SignTimeout(ulong round)
    {
        if (_record.HighestTimeoutRound == round && _record.LastTimeout is not null)
        {
            SendSaved(new ConsensusMessage { Timeout = _record.LastTimeout });
            return;
        }
        if (!MaySignIn(round) || round < _record.LastVotedRound || round <= _record.HighestTimeoutRound)
        {
            // Cannot sign: still share certificates so peers ahead can pull this node forward.
            Emit(new BroadcastMessage(new ConsensusMessage { SyncInfo = CurrentSyncInfo() }));
            return;
        }
        var justified = round == _highQc.Round + 1 || (_highTc is not null && round == _highTc.Round + 1);
        if (!justified || _highQc.Round < _record.LockedRound)
        {
            return;
        }
        var timeout = new Timeout
        {
            Epoch = _config.Epoch,
            Round = round,
            ValidatorIndex = (uint)_config.SelfIndex,
            HighQc = _highQc,
            Signature = Google.Protobuf.ByteString.CopyFrom(_verifier.SignTimeout(_config.PrivateKey!, round, _highQc.Round)),
        };
        _record.HighestTimeoutRound = round;
        _record.LastVotedRound = Math.Max(_record.LastVotedRound, round);
        _record.LastTimeout = timeout;
        QueueSigned(new ConsensusMessage { Timeout = timeout }, deliverToSelf: true);
        if (_highTc is not null)
        {
            // Peers that missed the previous round's TC cannot use this timeout without it.
            Emit(new BroadcastMessage(new ConsensusMessage { SyncInfo = CurrentSyncInfo() }));
        }
    }

    private void OnSyncInfo(int sender, SyncInfo info)
    {
        var behind = false;
        if (info.HighQc is not null)
        {
            if (CheckQc(info.HighQc))
            {
                ObserveQc(info.HighQc);
            }
            behind |= info.HighQc.Round < _highQc.Round;
        }
        else
        {
            behind = _highQc.Round > 0;
        }
        if (info.HighTc is not null && CheckTc(info.HighTc))
        {
            ObserveTc(info.HighTc);
        }
        if ((info.HighTc?.Round ?? 0) < (_highTc?.Round ?? 0))
        {
            behind = true;
        }
        if (behind)
        {
            HelpLaggingPeer(sender, Math.Max(info.HighQc?.Round ?? 0, info.HighTc?.Round ?? 0) + 1);
        }
    }

    /// <summary>Sends our certificates to a peer that is working on an older round (once per peer and round).</summary>
    private void HelpLaggingPeer(int sender, ulong theirRound)
    {
        if (sender < 0 || sender == _config.SelfIndex || theirRound >= _round)
        {
            return;
        }
        if (_syncSentAtRound.TryGetValue(sender, out var sentAt) && sentAt == _round)
        {
            return;
        }
        _syncSentAtRound[sender] = _round;
        Emit(new SendMessage(sender, new ConsensusMessage { SyncInfo = CurrentSyncInfo() }));
    }

    private void ReportEquivocation(EquivocationEvidence evidence, int validator)
    {
        var kind = evidence.KindCase == EquivocationEvidence.KindOneofCase.DoubleProposal ? 0 : 1;
        var round = kind == 0 ? evidence.DoubleProposal.First.Round : evidence.DoubleVote.First.Round;
        if (_evidenceReported.Add((kind, round, validator)))
        {
            Emit(new EvidenceFound(evidence, validator));
        }
    }

    private void OnEvidence(EquivocationEvidence evidence)
    {
        if (EvidenceVerifier.Verify(_verifier, evidence, out var validator))
        {
            ReportEquivocation(evidence, validator);
        }
    }

    private void PruneBelow(ulong round)
    {
        PruneKeys(_votes, k => k.Round + 2 < round);
        PruneKeys(_votesBySigner, k => k.Round + 4 < round);
        PruneKeys(_timeouts, k => k + 2 < round);
        PruneKeys(_proposalsSeen, k => k.Round + 4 < round);
        PruneCertificates(round);
    }

    private static void PruneKeys<TKey, TValue>(Dictionary<TKey, TValue> dictionary, Func<TKey, bool> stale)
        where TKey : notnull
    {
        List<TKey>? remove = null;
        foreach (var key in dictionary.Keys)
        {
            if (stale(key))
            {
                (remove ??= []).Add(key);
            }
        }
        if (remove is not null)
        {
            foreach (var key in remove)
            {
                dictionary.Remove(key);
            }
        }
    }

    private sealed class VoteAccumulator(int validators, ulong height)
    {
        private readonly bool[] _seen = new bool[validators];

        public ulong Height { get; } = height;

        public ulong Power { get; private set; }

        public bool Formed { get; set; }

        public List<ValidatorSignature> Signatures { get; } = [];

        public bool Add(int index, ulong power, Google.Protobuf.ByteString signature)
        {
            if (_seen[index])
            {
                return false;
            }
            _seen[index] = true;
            Power += power;
            Signatures.Add(new ValidatorSignature { ValidatorIndex = (uint)index, Signature = signature });
            return true;
        }
    }

    private sealed class TimeoutAccumulator(int validators)
    {
        private readonly Timeout?[] _byValidator = new Timeout?[validators];
        private QuorumCertificate? _highQc;

        public ulong Power { get; private set; }

        public bool Formed { get; set; }

        public bool Add(int index, ulong power, Timeout timeout, QuorumCertificate highQc)
        {
            if (_byValidator[index] is not null)
            {
                return false;
            }
            _byValidator[index] = timeout;
            Power += power;
            if (_highQc is null || highQc.Round > _highQc.Round)
            {
                _highQc = highQc;
            }
            return true;
        }

        public TimeoutCertificate ToCertificate(ulong epoch, ulong round)
        {
            var tc = new TimeoutCertificate { Epoch = epoch, Round = round, HighQc = _highQc };
            for (var i = 0; i < _byValidator.Length; i++)
            {
                if (_byValidator[i] is { } t)
                {
                    tc.Signatures.Add(new TimeoutSignature { ValidatorIndex = (uint)i, HighQcRound = t.HighQc?.Round ?? 0, Signature = t.Signature });
                }
            }
            return tc;
        }
    }
}
