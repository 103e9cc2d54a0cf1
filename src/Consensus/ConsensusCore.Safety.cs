using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>The safety record: what may be signed, and holding signed messages until the record is durable.</summary>
public sealed partial class ConsensusCore
{
    // Set while this node's own vote or timeout is counted: its signature was made here and needs no check.
    private bool _deliveringOwnMessage;

    /// <summary>True when this node may sign anything in <paramref name="round"/> (recovery and min-round rules).</summary>
    private bool MaySignIn(ulong round)
    {
        if (!_config.IsValidator)
        {
            return false;
        }
        if (_recovering)
        {
            if (_quarantineEndsMs < 0 || _now < _quarantineEndsMs)
            {
                return false;
            }
            // Quarantine over: never sign at or below the highest certified round seen, nor in the round after it.
            _recovering = false;
            _record.MinSigningRound = Math.Max(_record.MinSigningRound, _highestCertifiedRoundSeen + 2);
            _record.QuarantinePending = false;
            _recordDirty = true;
        }
        return round >= _record.MinSigningRound;
    }

    /// <summary>Notes a verified certificate's round for recovery and detects own signatures this run never made.</summary>
    private void NoteCertifiedRound(ulong round)
    {
        if (round > _highestCertifiedRoundSeen)
        {
            _highestCertifiedRoundSeen = round;
        }
        if (_recovering && _quarantineEndsMs < 0 && round > 0)
        {
            _quarantineEndsMs = _now + _config.RecoveryQuarantineMs;
        }
    }

    /// <summary>
    /// A valid signature of this validator for a round its record does not cover means the record is stale
    /// (restored data dir) or a twin holds the key: stop signing up to that round.
    /// </summary>
    private void NoteOwnSignature(ulong round, bool isTimeout)
    {
        var covered = isTimeout ? _record.HighestTimeoutRound : _record.LastVotedRound;
        if (round > covered && round >= _record.MinSigningRound)
        {
            _record.MinSigningRound = round + 1;
            _recordDirty = true;
        }
    }

    private void QueueSigned(ConsensusMessage message, bool deliverToSelf)
    {
        _recordDirty = true;
        _signedThisEvent.Add(new HeldMessage(message, deliverToSelf));
    }

    /// <summary>Emits one save for everything signed while handling this event and holds the messages until it is durable.</summary>
    private void FlushSignedMessages()
    {
        if (!_recordDirty)
        {
            return;
        }
        _recordDirty = false;
        var sequence = ++_saveSequence;
        _out.Add(new SaveSafetyRecord(_record.Clone(), sequence));
        foreach (var message in _signedThisEvent)
        {
            _held.Add((sequence, message));
        }
        _signedThisEvent.Clear();
    }

    /// <summary>Sends a message that was already saved once (a re-send), respecting saves still in flight.</summary>
    private void SendSaved(ConsensusMessage message)
    {
        if (_savedSequence >= _saveSequence && _signedThisEvent.Count == 0)
        {
            Emit(new BroadcastMessage(message));
        }
        else
        {
            _signedThisEvent.Add(new HeldMessage(message, false));
            _recordDirty = true;
        }
    }

    private void OnSaved(ulong sequence)
    {
        if (sequence <= _savedSequence)
        {
            return;
        }
        _savedSequence = sequence;
        var released = 0;
        while (released < _held.Count && _held[released].Sequence <= sequence)
        {
            released++;
        }
        if (released == 0)
        {
            return;
        }
        var ready = _held.GetRange(0, released);
        _held.RemoveRange(0, released);
        foreach (var (_, held) in ready)
        {
            Emit(new BroadcastMessage(held.Message));
            if (held.DeliverToSelf && _started)
            {
                _deliveringOwnMessage = true;
                OnMessage(_config.SelfIndex, held.Message);
                _deliveringOwnMessage = false;
            }
        }
    }
}
