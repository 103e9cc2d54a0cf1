using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>
/// Deterministic discrete-event simulation of a validator network: a virtual clock, a seeded scheduler that delays,
/// drops, duplicates and reorders messages, partitions, crashes and restarts, twins and Byzantine behaviours.
/// The same scenario always produces the same run (checked through <see cref="TraceHash"/>).
/// </summary>
public sealed partial class Simulator
{
    private readonly SimScenario _scenario;
    private readonly Random _rng;
    private readonly PriorityQueue<Action, (long Time, long Sequence)> _queue = new();
    private readonly List<SimNode> _nodes = [];
    private readonly EpochVerifier _verifier;
    private readonly long _healAt;
    private long _sequence;
    private long _now;
    private ulong _trace = 14695981039346656037UL;

    public Simulator(SimScenario scenario)
    {
        _scenario = scenario;
        _rng = new Random(scenario.Seed ^ 0x5eed);
        Checker = new InvariantChecker(scenario);
        _verifier = Checker.VerifierFor(1)!;
        for (var id = 0; id < scenario.NodeCount; id++)
        {
            _nodes.Add(new SimNode(id, scenario.KeyOfNode(id)));
        }
        _healAt = Math.Max(scenario.HealAtMs, scenario.Partitions.Select(p => p.ToMs).DefaultIfEmpty(0).Max());
        foreach (var crash in scenario.Crashes)
        {
            if (crash.RestartAtMs is { } restart)
            {
                _healAt = Math.Max(_healAt, restart);
            }
        }
    }

    public InvariantChecker Checker { get; }

    public ulong TraceHash => _trace;

    public long Now => _now;

    public long HealAtMs => _healAt;

    internal IReadOnlyList<SimNode> Nodes => _nodes;

    /// <summary>Total commits (blocks) of validator 0's node, for rate measurements.</summary>
    public ulong HeightOf(int node) => _nodes[node].CommittedHeight;

    public ConsensusCore? EngineOf(int node) => _nodes[node].Engine;

    /// <summary>Runs the scenario to its end (or early stop) and checks the invariants; returns the checker.</summary>
    public InvariantChecker Run()
    {
        foreach (var node in _nodes)
        {
            if (!_scenario.Crashes.Any(c => c.Validator == node.Validator && c.AtMs == 0 && c.RestartAtMs is null))
            {
                At(0, () => Boot(node, StartMode.Genesis));
            }
        }
        foreach (var crash in _scenario.Crashes)
        {
            foreach (var node in _nodes.Where(n => n.Validator == crash.Validator))
            {
                At(crash.AtMs, () => Crash(node));
                if (crash.RestartAtMs is { } restart)
                {
                    At(restart, () => Boot(node, crash.RestartFromEmptyDataDir ? StartMode.Recovery : StartMode.Restart));
                }
            }
        }
        At(_healAt, () =>
        {
            foreach (var node in _nodes)
            {
                node.HeightAtHeal = node.CommittedHeight;
            }
        });
        var end = _scenario.EndAtMs ?? _healAt + _scenario.LivenessBoundMs;
        while (_queue.TryDequeue(out var action, out var key))
        {
            if (key.Time > end)
            {
                break;
            }
            _now = key.Time;
            action();
            if (Checker.Violations.Count > 0 || (_scenario.EndAtMs is null && _now >= _healAt && LivenessReached()))
            {
                break;
            }
        }
        if (_scenario.CheckLiveness && Checker.Violations.Count == 0 && !LivenessReached())
        {
            var stuck = HonestRunning().Where(n => n.CommittedHeight < (n.HeightAtHeal ?? 0) + (ulong)_scenario.CommitsAfterHeal)
                .Select(n => $"node {n.Id} at height {n.CommittedHeight} (at heal {n.HeightAtHeal})");
            Checker.Report($"liveness: no progress within {_scenario.LivenessBoundMs} ms after healing at {_healAt} ms: {string.Join(", ", stuck)}");
        }
        return Checker;
    }

    private IEnumerable<SimNode> HonestRunning() =>
        _nodes.Where(n => n.Alive && !_scenario.ByzantineValidators.Contains(n.Validator));

    // With validator-set changes, liveness also means reaching the final epoch and committing in it.
    private bool LivenessReached() =>
        HonestRunning().All(n => n.HeightAtHeal is { } h && n.CommittedHeight >= h + (ulong)_scenario.CommitsAfterHeal &&
            n.CommittedHeight >= FinalEpochGenesisHeight + (ulong)_scenario.CommitsAfterHeal);

    private ulong FinalEpochGenesisHeight => _scenario.Changes.Count == 0 ? 0 : _scenario.LastHeightOfEpoch((ulong)_scenario.Changes.Count);

    private void At(long time, Action action) => _queue.Enqueue(action, (time, _sequence++));

    private void Mix(ulong value)
    {
        _trace ^= value;
        _trace *= 1099511628211UL;
    }

    /// <summary>The process starts (at genesis, or restarts after a crash, from its data dir or an empty one).</summary>
    private void Boot(SimNode node, StartMode mode)
    {
        if (node.Alive)
        {
            return;
        }
        if (mode == StartMode.Recovery)
        {
            node.Wipe();
            Checker.ResetNode(node.Id);
        }
        node.Alive = true;
        if (!_scenario.HasEpochs || mode == StartMode.Genesis)
        {
            RestartLivenessClock(node);
            StartForHead(node, mode);
            return;
        }
        // As the node does: catch up by block sync first, then run the engine of the epoch its committed chain is in.
        var incarnation = node.Incarnation;
        At(_now + 2 * Delay(), () =>
        {
            if (node.Incarnation == incarnation && node.Alive)
            {
                SyncFromPeer(node);
                RestartLivenessClock(node);
                StartForHead(node, mode);
            }
        });
    }

    // A node restarted after the heal is judged from the height it restarted at.
    private static void RestartLivenessClock(SimNode node)
    {
        if (node.HeightAtHeal is not null)
        {
            node.HeightAtHeal = node.CommittedHeight;
        }
    }

    /// <summary>
    /// Starts the engine of the epoch the node's committed chain is in (its genesis is the last block of the epoch
    /// before, from the node's own chain), or follows the chain when its key is not in that epoch's set.
    /// </summary>
    private void StartForHead(SimNode node, StartMode mode)
    {
        var epoch = HeadEpoch(node.CommittedHeight);
        var genesisHeight = epoch == 1 ? 0 : _scenario.LastHeightOfEpoch(epoch - 1);
        var genesisHash = epoch == 1 ? _verifier.GenesisHash : node.HashAt(genesisHeight);
        var members = _scenario.MembersOf(epoch);
        node.Epoch = epoch;
        node.MemberKeys = [.. members.Select(m => m.Key)];
        node.SelfIndex = members.Select(m => m.Key).ToList().IndexOf(node.Validator);
        node.ChangeFed = false;
        node.CatchingUp = false;
        node.Engine = null;
        node.Verifier = null;
        if (node.SelfIndex < 0)
        {
            // Not in this epoch's set: follow the chain by block sync until a change makes the key a validator.
            Follow(node);
            return;
        }
        var keys = SimKeys.For(_scenario.Suite, node.Validator);
        var config = new ConsensusConfig
        {
            ChainId = SimKeys.ChainId,
            Suite = _scenario.Suite,
            Validators = SimKeys.SetOf(_scenario.Suite, members),
            Epoch = epoch,
            GenesisHash = genesisHash,
            GenesisHeight = genesisHeight,
            SelfIndex = node.SelfIndex,
            PrivateKey = keys.Private,
            BaseRoundTimeoutMs = _scenario.BaseTimeoutMs,
            MaxRoundTimeoutMs = _scenario.MaxTimeoutMs,
            LeaderReputation = _scenario.LeaderReputation,
            RecoveryQuarantineMs = _scenario.QuarantineMs,
            EpochLength = _scenario.EpochLength,
        };
        node.Verifier = EpochVerifier.For(config);
        // The committed tail of this epoch only (the blocks above its genesis), as the node hands it over.
        var tail = node.Committed.Skip((int)genesisHeight).ToList();
        node.Engine = new ConsensusCore(config, node.SavedRecord, mode, tail)
        {
            UnsafeCommitOnSingleQc = _scenario.UnsafeCommitOnSingleQc,
        };
        Mix(0x51A7 + (ulong)node.Id + (epoch << 16));
        Deliver(node, new Started(_now));
    }

    private void Crash(SimNode node)
    {
        node.Alive = false;
        node.Engine = null;
        node.Incarnation++;
        node.CatchingUp = false;
        node.Following = false;
        Mix(0xC4A5 + (ulong)node.Id);
    }

    private void Deliver(SimNode node, ConsensusEvent ev)
    {
        if (!node.Alive || node.Engine is null)
        {
            return;
        }
        var actions = node.Engine.Handle(ev);
        foreach (var action in actions)
        {
            Execute(node, action);
        }
        if (_scenario.HasEpochs)
        {
            FeedChangeIfDue(node);
        }
    }

    private void Execute(SimNode node, ConsensusAction action)
    {
        var incarnation = node.Incarnation;
        switch (action)
        {
            case BroadcastMessage b:
                Checker.OnSent(node, b.Message);
                Mix((ulong)b.Message.CalculateSize());
                SendFromNode(node, b.Message, null);
                break;
            case SendMessage s:
                SendFromNode(node, s.Message, s.Validator);
                break;
            case SaveSafetyRecord save:
                At(_now + 1 + _rng.Next(3), () =>
                {
                    if (node.Incarnation == incarnation && node.Alive)
                    {
                        node.SavedRecord = save.Record;
                        Deliver(node, new SafetyRecordSaved(_now, save.Sequence));
                    }
                });
                break;
            case SetTimer t:
                var serial = ++node.TimerSerial;
                At(Math.Max(t.DeadlineMs, _now), () =>
                {
                    if (node.Incarnation == incarnation && node.TimerSerial == serial)
                    {
                        Deliver(node, new TimerFired(_now, t.Round));
                    }
                });
                break;
            case CommitBlocks c:
                foreach (var block in c.Blocks)
                {
                    node.Committed.Add(block);
                    node.CommittedHashes.Add(_verifier.BlockHash(block.Block.Header));
                }
                node.CommittedHeight = BlockHeader.Parser.ParseFrom(c.Blocks[^1].Block.Header).Height;
                Mix(node.CommittedHeight * 31 + (ulong)node.Id);
                Checker.OnCommit(node, c);
                break;
            case ValidatorSetChangeScheduled scheduled:
                Checker.OnScheduled(node, scheduled);
                break;
            case ValidatorSetChangeRefused refused:
                Checker.OnRefused(node, refused);
                break;
            case EpochEnded ended:
                Checker.OnEpochEnded(node, ended);
                NoteBoundary(ended.LastHeight);
                // The node starts the next epoch's engine from the last block (or stops signing if it left the set).
                At(_now + 1, () =>
                {
                    if (node.Incarnation == incarnation && node.Alive)
                    {
                        ReplaceEngine(node);
                    }
                });
                break;
            case FetchBlock f:
                Fetch(node, f.BlockHash, incarnation, 0);
                break;
            case BuildBlock build:
                var header = new BlockHeader
                {
                    ChainId = SimKeys.ChainId,
                    Height = build.Height,
                    Round = build.Round,
                    ParentHash = ByteString.CopyFrom(build.ParentHash.ToArray()),
                    Proposer = ByteString.CopyFrom(build.Proposer.ToArray()),
                    TimestampMs = (ulong)_now,
                    TxRoot = ByteString.CopyFrom(_verifier.Suite.Hash(BitConverter.GetBytes(_rng.NextInt64())).ToArray()),
                    ValidatorSetHash = ByteString.CopyFrom(build.ValidatorSetHash.ToArray()),
                    ParentQc = build.ParentQc,
                    Epoch = build.Epoch,
                };
                if (!build.NextValidatorSetHash.IsZero)
                {
                    header.NextValidatorSetHash = ByteString.CopyFrom(build.NextValidatorSetHash.ToArray());
                }
                var headerBytes = header.ToByteString();
                IReadOnlyList<ByteString> txs = build.EpochSuffix ? [] : [ByteString.CopyFromUtf8($"tx-{node.Id}-{build.Round}")];
                node.Blocks[_verifier.BlockHash(headerBytes)] = (headerBytes, txs);
                At(_now + 1, () =>
                {
                    if (node.Incarnation == incarnation)
                    {
                        Deliver(node, new BlockBuilt(_now, build.Round, headerBytes, txs));
                    }
                });
                break;
            case EvidenceFound e:
                Checker.OnEvidence(node, e);
                break;
        }
    }

    private void Fetch(SimNode node, Hash32 hash, int incarnation, int attempt)
    {
        if (node.Incarnation != incarnation || !node.Alive || attempt > 200)
        {
            return;
        }
        var holder = _nodes.FirstOrDefault(n => n != node && n.Alive && Connected(n, node) && n.Blocks.ContainsKey(hash));
        if (holder is null)
        {
            At(_now + 100, () => Fetch(node, hash, incarnation, attempt + 1));
            return;
        }
        var (header, txs) = holder.Blocks[hash];
        At(_now + 2 * Delay(), () =>
        {
            if (node.Incarnation == incarnation)
            {
                node.Blocks[hash] = (header, txs);
                Deliver(node, new BlockAvailable(_now, header, txs));
            }
        });
    }

    private long Delay() => _scenario.MinDelayMs + _rng.NextInt64(_scenario.MaxDelayMs - _scenario.MinDelayMs + 1);

    private bool Connected(SimNode a, SimNode b)
    {
        foreach (var p in _scenario.Partitions)
        {
            if (_now >= p.FromMs && _now < p.ToMs && p.GroupA.Contains(a.Id) != p.GroupA.Contains(b.Id))
            {
                return false;
            }
        }
        return true;
    }

    private void SendFromNode(SimNode from, ConsensusMessage message, int? toValidator)
    {
        var byzantine = _scenario.ByzantineValidators.Contains(from.Validator) ? _scenario.Byzantine : ByzantineBehaviour.None;
        int? toKey = toValidator is { } index && index >= 0 && index < from.MemberKeys.Count ? from.MemberKeys[index] : null;
        if (toValidator is not null && toKey is null)
        {
            return;
        }
        var targets = _nodes.Where(n => n != from && (toKey is null || n.Validator == toKey)).ToList();
        switch (byzantine)
        {
            case ByzantineBehaviour.WithholdVotes when message.BodyCase == ConsensusMessage.BodyOneofCase.Vote:
                return;
            case ByzantineBehaviour.EquivocatingLeader when message.BodyCase == ConsensusMessage.BodyOneofCase.Proposal:
                {
                    var other = Byzantine.ConflictingProposal(from.Verifier!, from, message.Proposal);
                    for (var i = 0; i < targets.Count; i++)
                    {
                        Transmit(from, targets[i], i % 2 == 0 ? message : other);
                    }
                    // One node sees both, so the equivocation can be proven.
                    if (targets.Count > 1)
                    {
                        Transmit(from, targets[1], message);
                    }
                    return;
                }
            case ByzantineBehaviour.ConflictingVotes when message.BodyCase == ConsensusMessage.BodyOneofCase.Vote:
                {
                    var other = Byzantine.ConflictingVote(from.Verifier!, from, message.Vote, _rng);
                    for (var i = 0; i < targets.Count; i++)
                    {
                        Transmit(from, targets[i], i % 2 == 0 ? message : other);
                    }
                    // One node sees both, so the equivocation can be proven.
                    if (targets.Count > 1)
                    {
                        Transmit(from, targets[1], message);
                    }
                    return;
                }
            case ByzantineBehaviour.BadSignatures when _rng.Next(2) == 0:
                message = Byzantine.CorruptSignature(message);
                break;
            case ByzantineBehaviour.AbsurdRounds when _rng.Next(3) == 0:
                foreach (var target in targets)
                {
                    Transmit(from, target, Byzantine.AbsurdRound(from.Verifier!, from, message, _rng));
                }
                break;
        }
        foreach (var target in targets)
        {
            Transmit(from, target, message);
        }
    }

    private void Transmit(SimNode from, SimNode to, ConsensusMessage message)
    {
        var lossy = _now < _healAt;
        if (!Connected(from, to) || (lossy && _rng.NextDouble() < _scenario.DropRate))
        {
            return;
        }
        var copies = lossy && _rng.NextDouble() < _scenario.DuplicateRate ? 2 : 1;
        for (var c = 0; c < copies; c++)
        {
            var senderKey = from.Validator;
            At(_now + Delay(), () =>
            {
                if (!to.Alive || to.Engine is null)
                {
                    return;
                }
                if (message.BodyCase == ConsensusMessage.BodyOneofCase.Proposal)
                {
                    var header = message.Proposal.Header;
                    to.Blocks.TryAdd(_verifier.BlockHash(header), (header, [.. message.Proposal.Transactions]));
                }
                if (_scenario.HasEpochs && EpochOf(message) > to.Epoch)
                {
                    NoteLaterEpoch(to);
                }
                // The sender as the receiver's network layer names it: its index in the receiver's validator set.
                var sender = -1;
                for (var i = 0; i < to.MemberKeys.Count; i++)
                {
                    if (to.MemberKeys[i] == senderKey)
                    {
                        sender = i;
                    }
                }
                Deliver(to, new MessageReceived(_now, sender, message));
            });
        }
    }
}
