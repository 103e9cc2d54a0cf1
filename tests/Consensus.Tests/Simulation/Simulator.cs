using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>
/// Deterministic discrete-event simulation of a validator network: a virtual clock, a seeded scheduler that delays,
/// drops, duplicates and reorders messages, partitions, crashes and restarts, twins and Byzantine behaviours.
/// The same scenario always produces the same run (checked through <see cref="TraceHash"/>).
/// </summary>
public sealed class Simulator
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
        var validators = SimKeys.ValidatorSet(scenario.Suite, scenario.Validators);
        _verifier = new EpochVerifier(SimKeys.ChainId, scenario.Suite, validators, 1, SimKeys.GenesisHash(scenario.Suite), 0);
        Checker = new InvariantChecker(_verifier, scenario);
        for (var v = 0; v < scenario.Validators; v++)
        {
            _nodes.Add(new SimNode(v, v));
        }
        if (scenario.Byzantine == ByzantineBehaviour.Twins)
        {
            foreach (var v in scenario.ByzantineValidators)
            {
                _nodes.Add(new SimNode(_nodes.Count, v));
            }
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
                At(0, () => Start(node, StartMode.Genesis));
            }
        }
        foreach (var crash in _scenario.Crashes)
        {
            foreach (var node in _nodes.Where(n => n.Validator == crash.Validator))
            {
                At(crash.AtMs, () => Crash(node));
                if (crash.RestartAtMs is { } restart)
                {
                    At(restart, () => Start(node, crash.RestartFromEmptyDataDir ? StartMode.Recovery : StartMode.Restart));
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

    private bool LivenessReached() =>
        HonestRunning().All(n => n.HeightAtHeal is { } h && n.CommittedHeight >= h + (ulong)_scenario.CommitsAfterHeal);

    private void At(long time, Action action) => _queue.Enqueue(action, (time, _sequence++));

    private void Mix(ulong value)
    {
        _trace ^= value;
        _trace *= 1099511628211UL;
    }

    private void Start(SimNode node, StartMode mode)
    {
        if (node.Alive)
        {
            return;
        }
        if (mode == StartMode.Recovery)
        {
            node.SavedRecord = null;
            node.Committed.Clear();
            node.CommittedHeight = 0;
            node.Blocks.Clear();
            Checker.ResetNode(node.Id);
        }
        var keys = SimKeys.For(_scenario.Suite, node.Validator);
        var config = new ConsensusConfig
        {
            ChainId = SimKeys.ChainId,
            Suite = _scenario.Suite,
            Validators = _verifier.Validators,
            GenesisHash = _verifier.GenesisHash,
            SelfIndex = node.Validator,
            PrivateKey = keys.Private,
            BaseRoundTimeoutMs = _scenario.BaseTimeoutMs,
            MaxRoundTimeoutMs = _scenario.MaxTimeoutMs,
            LeaderReputation = _scenario.LeaderReputation,
            RecoveryQuarantineMs = _scenario.QuarantineMs,
        };
        node.Engine = new ConsensusCore(config, node.SavedRecord, mode, node.Committed)
        {
            UnsafeCommitOnSingleQc = _scenario.UnsafeCommitOnSingleQc,
        };
        node.Alive = true;
        if (node.HeightAtHeal is not null)
        {
            node.HeightAtHeal = node.CommittedHeight;
        }
        Mix(0x51A7 + (ulong)node.Id);
        Deliver(node, new Started(_now));
    }

    private void Crash(SimNode node)
    {
        node.Alive = false;
        node.Engine = null;
        node.Incarnation++;
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
                }
                node.CommittedHeight = BlockHeader.Parser.ParseFrom(c.Blocks[^1].Block.Header).Height;
                Mix(node.CommittedHeight * 31 + (ulong)node.Id);
                Checker.OnCommit(node, c);
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
                var headerBytes = header.ToByteString();
                IReadOnlyList<ByteString> txs = [ByteString.CopyFromUtf8($"tx-{node.Id}-{build.Round}")];
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
        var targets = _nodes.Where(n => n != from && (toValidator is null || n.Validator == toValidator)).ToList();
        switch (byzantine)
        {
            case ByzantineBehaviour.WithholdVotes when message.BodyCase == ConsensusMessage.BodyOneofCase.Vote:
                return;
            case ByzantineBehaviour.EquivocatingLeader when message.BodyCase == ConsensusMessage.BodyOneofCase.Proposal:
                {
                    var other = Byzantine.ConflictingProposal(_verifier, from, message.Proposal);
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
                    var other = Byzantine.ConflictingVote(_verifier, from, message.Vote, _rng);
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
                    Transmit(from, target, Byzantine.AbsurdRound(_verifier, from, message, _rng));
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
            var sender = from.Validator;
            At(_now + Delay(), () =>
            {
                if (!to.Alive)
                {
                    return;
                }
                if (message.BodyCase == ConsensusMessage.BodyOneofCase.Proposal)
                {
                    var header = message.Proposal.Header;
                    to.Blocks.TryAdd(_verifier.BlockHash(header), (header, [.. message.Proposal.Transactions]));
                }
                Deliver(to, new MessageReceived(_now, sender, message));
            });
        }
    }
}
