using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>
/// The pipelined two-chain HotStuff engine of one validator (or observer) in one epoch, as a pure state machine:
/// <see cref="Handle"/> takes an event (with the time it happened) and returns the actions the node must carry out.
/// It reads no clock, does no I/O and has no randomness; the rules are in docs/consensus.md.
/// </summary>
public sealed partial class ConsensusCore
{
    private readonly ConsensusConfig _config;
    private readonly EpochVerifier _verifier;
    private readonly BlockTree _tree;
    private readonly LeaderReputation _leaders;
    private readonly SafetyRecord _record;

    private ulong _round;
    private QuorumCertificate _highQc;
    private TimeoutCertificate? _highTc;
    private int _timeoutStreak;
    private bool _started;
    private long _now;
    private List<ConsensusAction> _out = [];

    // Saving the record: messages that depend on it wait here until the node reports the save durable.
    private bool _recordDirty;
    private ulong _saveSequence;
    private ulong _savedSequence;
    private readonly List<HeldMessage> _signedThisEvent = [];
    private readonly List<(ulong Sequence, HeldMessage Message)> _held = [];

    // Recovery after a start without a trustworthy record.
    private bool _recovering;
    private long _quarantineEndsMs = -1;
    private ulong _highestCertifiedRoundSeen;

    private ulong _buildRequestedRound;

    public ConsensusCore(ConsensusConfig config, SafetyRecord? savedRecord, StartMode mode, IReadOnlyList<CommittedBlock>? committedChain = null)
    {
        _config = config;
        if (config.IsValidator && (config.SelfIndex >= config.Validators.Count || config.PrivateKey is null))
        {
            throw new ArgumentException("a validator needs an index in the validator set and a private key");
        }
        _verifier = EpochVerifier.For(config);
        _leaders = new LeaderReputation(
            [.. config.Validators.Validators.Select(v => v.VotingPower)],
            config.Validators.MaxFaultyPower,
            config.LeaderReputation,
            config.ReputationWindow,
            config.ReputationLag);

        // A record of an earlier epoch says nothing signed in this one yet; a missing or later one cannot be trusted.
        _record = mode == StartMode.Genesis || savedRecord is null || savedRecord.Epoch != config.Epoch
            ? new SafetyRecord { Epoch = config.Epoch }
            : savedRecord.Clone();
        // A record saved during a quarantine (its own old signature seen, say) does not end it: the validator recovers again.
        _recovering = mode == StartMode.Recovery ||
            (mode == StartMode.Restart && (savedRecord is null || savedRecord.Epoch > config.Epoch || (savedRecord.Epoch == config.Epoch && savedRecord.QuarantinePending)));
        if (_recovering && config.IsValidator)
        {
            // Every record this engine saves before its quarantine ends says so.
            _record.QuarantinePending = true;
        }

        var root = new BlockNode
        {
            Hash = config.GenesisHash,
            Height = config.GenesisHeight,
            Round = 0,
            Parent = default,
            ProposerIndex = -1,
            Header = ByteString.Empty,
            Transactions = [],
            Qc = _verifier.GenesisQc,
        };
        foreach (var committed in committedChain ?? [])
        {
            if (!TryDecodeHeader(committed.Block.Header, out var header, out var hash))
            {
                throw new ArgumentException("committed chain holds an undecodable header");
            }
            root = new BlockNode
            {
                Hash = hash,
                Height = header.Height,
                Round = header.Round,
                Parent = new Hash32(header.ParentHash.Span),
                ProposerIndex = config.Validators.IndexOf(new Address(header.Proposer.Span)),
                Header = committed.Block.Header,
                Transactions = [.. committed.Block.Transactions],
                ParentQc = header.ParentQc ?? _verifier.GenesisQc,
                Qc = committed.Certificate,
            };
            _leaders.OnCommitted(root.Round, root.ProposerIndex);
        }
        _tree = new BlockTree(root);
        _highQc = root.Qc!;
        Remember(_highQc);

        if (_record.LockedQc is not null && _verifier.VerifyQuorumCertificate(_record.LockedQc) && _record.LockedQc.Round > _highQc.Round)
        {
            _highQc = _record.LockedQc;
            Remember(_highQc);
        }
        _round = _highQc.Round + 1;
    }

    /// <summary>Current round.</summary>
    public ulong Round => _round;

    /// <summary>Highest QC known.</summary>
    public QuorumCertificate HighQc => _highQc;

    /// <summary>Last committed block's hash and height.</summary>
    public Hash32 CommittedHash => _tree.Root.Hash;

    public ulong CommittedHeight => _tree.Root.Height;

    /// <summary>A copy of the safety record as it stands (the saved one may lag until the next save).</summary>
    public SafetyRecord Record => _record.Clone();

    /// <summary>True while the engine refuses to sign after a start without a trustworthy record.</summary>
    public bool IsRecovering => _recovering;

    /// <summary>The validator expected to propose in <paramref name="round"/>, as this node sees the committed chain.</summary>
    public int LeaderOf(ulong round) => _leaders.LeaderOf(round);

    /// <summary>Validators the reputation rule currently skips as leaders.</summary>
    public IReadOnlyList<int> ExcludedLeaders => _leaders.CurrentExclusions;

    /// <summary>Test hook: commit a block as soon as it has one QC (breaks safety; used to show the checker catches it).</summary>
    internal bool UnsafeCommitOnSingleQc { get; init; }

    /// <summary>True once the epoch has ended (see <see cref="EpochEnded"/>); the engine then ignores every event.</summary>
    public bool HasEnded => _ended;

    /// <summary>Processes one event and returns the actions to carry out, in order.</summary>
    public IReadOnlyList<ConsensusAction> Handle(ConsensusEvent ev)
    {
        _now = ev.NowMs;
        var output = new List<ConsensusAction>();
        if (_ended)
        {
            return output;
        }
        _out = output;
        var resumeCappedCommit = _cappedCommitPending;
        _stepRootHeight = _tree.Root.Height;
        switch (ev)
        {
            case Started:
                OnStarted();
                break;
            case MessageReceived m:
                if (_started)
                {
                    OnMessage(m.Sender, m.Message);
                }
                break;
            case TimerFired t:
                if (_started)
                {
                    OnTimer(t.Round);
                }
                break;
            case SafetyRecordSaved s:
                OnSaved(s.Sequence);
                break;
            case BlockBuilt b:
                if (_started)
                {
                    OnBlockBuilt(b);
                }
                break;
            case BlockAvailable b:
                if (_started)
                {
                    OnBlockAvailable(b.Header, b.Transactions, b.Evidence);
                }
                break;
            case ValidatorSetChangeCommitted c:
                OnValidatorSetChange(c);
                break;
        }
        if (resumeCappedCommit && _cappedCommitPending && !_ended)
        {
            ResumeCappedCommit();
        }
        FlushSignedMessages();
        _out = [];
        return output;
    }

    private void OnStarted()
    {
        if (_started)
        {
            return;
        }
        _started = true;
        EnterRound(_round, viaTimeout: false, force: true);
        // Ask peers for their certificates so a restarted node catches up at once.
        Emit(new BroadcastMessage(new ConsensusMessage { SyncInfo = CurrentSyncInfo() }));
    }

    private void OnMessage(int sender, ConsensusMessage message)
    {
        switch (message.BodyCase)
        {
            case ConsensusMessage.BodyOneofCase.Proposal:
                OnProposal(message.Proposal);
                break;
            case ConsensusMessage.BodyOneofCase.Vote:
                OnVote(sender, message.Vote);
                break;
            case ConsensusMessage.BodyOneofCase.Timeout:
                OnTimeout(sender, message.Timeout);
                break;
            case ConsensusMessage.BodyOneofCase.SyncInfo:
                OnSyncInfo(sender, message.SyncInfo);
                break;
            case ConsensusMessage.BodyOneofCase.Evidence:
                OnEvidence(message.Evidence);
                break;
        }
    }

    private long RoundTimeoutMs()
    {
        var shift = Math.Min(_timeoutStreak, 20);
        var timeout = _config.BaseRoundTimeoutMs << shift;
        return Math.Min(timeout, _config.MaxRoundTimeoutMs);
    }

    /// <summary>Moves to <paramref name="round"/> (never backwards), arms its timer and proposes if this node leads it.</summary>
    private void EnterRound(ulong round, bool viaTimeout, bool force = false)
    {
        if (round <= _round && !force)
        {
            return;
        }
        _timeoutStreak = viaTimeout ? _timeoutStreak + 1 : 0;
        _round = round;
        Emit(new SetTimer(round, _now + RoundTimeoutMs()));
        PruneBelow(round);
        TryPropose();
    }

    private void OnTimer(ulong round)
    {
        if (round != _round)
        {
            return;
        }
        // Re-arm first so a lost timeout is re-sent (the same signed message) until the round ends.
        Emit(new SetTimer(round, _now + RoundTimeoutMs()));
        SignTimeout(round);
    }

    private void Emit(ConsensusAction action) => _out.Add(action);

    private bool IsLeader(ulong round) => _config.IsValidator && _leaders.LeaderOf(round) == _config.SelfIndex;

    private SyncInfo CurrentSyncInfo() => new() { HighQc = _highQc, HighTc = _highTc };

    private bool TryDecodeHeader(ByteString bytes, out BlockHeader header, out Hash32 hash)
    {
        hash = default;
        try
        {
            header = BlockHeader.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            header = null!;
            return false;
        }
        if (header.ParentHash.Length != Hash32.Size || header.Proposer.Length != Address.Size)
        {
            return false;
        }
        hash = _verifier.BlockHash(bytes);
        return true;
    }

    private readonly record struct HeldMessage(ConsensusMessage Message, bool DeliverToSelf);
}
