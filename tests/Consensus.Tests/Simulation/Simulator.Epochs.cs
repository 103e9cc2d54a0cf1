using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>
/// Validator-set changes in the simulation, modelled on the node (src/Node/Consensus): each engine is handed the
/// scheduled change once it has committed the deciding block; at <see cref="EpochEnded"/> the node starts the next
/// epoch's engine (restart mode with its saved record), a validator that left follows the chain, and a node whose key
/// is not in the set follows by block sync, records that it signed nothing in the epoch it joins, and starts its engine
/// there. A node that sees messages of a later epoch, or restarts, catches up by block sync first.
/// </summary>
public sealed partial class Simulator
{
    /// <summary>Epoch boundaries (last blocks of an epoch) committed during the run.</summary>
    public int Boundaries { get; private set; }

    /// <summary>Boundaries first committed while a partition was in force or a node was down.</summary>
    public int BoundariesDuringFaults { get; private set; }

    private readonly HashSet<ulong> _boundariesSeen = [];

    private void NoteBoundary(ulong height)
    {
        if (!_boundariesSeen.Add(height))
        {
            return;
        }
        Boundaries++;
        var partitioned = _scenario.Partitions.Any(p => _now >= p.FromMs && _now < p.ToMs);
        if (partitioned || _nodes.Any(n => !n.Alive || n.CatchingUp))
        {
            BoundariesDuringFaults++;
        }
    }

    /// <summary>
    /// Hands the engine the change its epoch's governance decided, once it has committed the deciding block: right after
    /// the event whose actions committed it, before any other event (the contract of <see cref="ValidatorSetChangeCommitted"/>).
    /// </summary>
    private void FeedChangeIfDue(SimNode node)
    {
        if (node.Engine is null || node.ChangeFed || node.Epoch > (ulong)_scenario.Changes.Count)
        {
            return;
        }
        var change = _scenario.Changes[(int)node.Epoch - 1];
        if (node.CommittedHeight < change.DecidedAtHeight)
        {
            return;
        }
        node.ChangeFed = true;
        var next = SimKeys.SetOf(_scenario.Suite, _scenario.MembersOf(node.Epoch + 1)).Validators;
        Deliver(node, new ValidatorSetChangeCommitted(_now, change.DecidedAtHeight, next, change.Force, _scenario.LastHeightOfEpoch(node.Epoch)));
    }

    /// <summary>The epoch ended: the next epoch's engine replaces this one (or the node follows, if its key left the set).</summary>
    private void ReplaceEngine(SimNode node)
    {
        node.Engine = null;
        node.Incarnation++;
        StartForHead(node, StartMode.Restart);
    }

    /// <summary>
    /// While following: when the committed change puts this key in the next set, record (durably) that it signed
    /// nothing in that epoch, as the node does (ValidatorEngine.PrepareToJoinAsync).
    /// </summary>
    private void PrepareToJoin(SimNode node)
    {
        var epoch = HeadEpoch(node.CommittedHeight);
        if (epoch > (ulong)_scenario.Changes.Count || node.CommittedHeight < _scenario.Changes[(int)epoch - 1].DecidedAtHeight)
        {
            return;
        }
        var joins = _scenario.MembersOf(epoch + 1).Any(m => m.Key == node.Validator) && !_scenario.MembersOf(epoch).Any(m => m.Key == node.Validator);
        if (joins && (node.SavedRecord?.Epoch ?? 0) < epoch + 1)
        {
            node.SavedRecord = new SafetyRecord { Epoch = epoch + 1 };
        }
    }

    /// <summary>The epoch whose engine runs on top of a chain committed up to <paramref name="height"/>.</summary>
    private ulong HeadEpoch(ulong height)
    {
        var epoch = height == 0 ? 1 : _scenario.EpochOfHeight(height);
        return height == _scenario.LastHeightOfEpoch(epoch) ? epoch + 1 : epoch;
    }

    /// <summary>Follows the chain by block sync, without an engine, until the key is in the set of the head's epoch.</summary>
    private void Follow(SimNode node)
    {
        PrepareToJoin(node);
        if (node.Following)
        {
            return;
        }
        node.Following = true;
        var incarnation = node.Incarnation;
        At(_now + 50 + _rng.Next(50), () =>
        {
            if (node.Incarnation != incarnation || !node.Alive || node.Engine is not null)
            {
                return;
            }
            node.Following = false;
            SyncFromPeer(node, following: true);
            StartForHead(node, StartMode.Restart);
        });
    }

    /// <summary>A message of a later epoch: unless the engine reaches that epoch itself shortly, stop it and catch up by block sync.</summary>
    private void NoteLaterEpoch(SimNode node)
    {
        if (node.CatchingUp)
        {
            return;
        }
        node.CatchingUp = true;
        var incarnation = node.Incarnation;
        At(_now + 50, () =>
        {
            if (node.Incarnation != incarnation || !node.Alive || node.Engine is null)
            {
                return;
            }
            node.Engine = null;
            node.Incarnation++;
            var stopped = node.Incarnation;
            At(_now + 2 * Delay(), () =>
            {
                if (node.Incarnation == stopped && node.Alive)
                {
                    SyncFromPeer(node);
                    StartForHead(node, StartMode.Restart);
                }
            });
        });
    }

    /// <summary>Block sync: takes the committed blocks above its head from the connected peer that has the most.</summary>
    private bool SyncFromPeer(SimNode node, bool following = false)
    {
        var peer = _nodes.Where(p => p != node && p.Alive && Connected(p, node) && p.CommittedHeight > node.CommittedHeight)
            .OrderByDescending(p => p.CommittedHeight).ThenBy(p => p.Id).FirstOrDefault();
        if (peer is null)
        {
            return false;
        }
        var from = (int)node.CommittedHeight;
        if (from > 0 && peer.CommittedHashes[from - 1] != node.CommittedHashes[from - 1])
        {
            if (!_scenario.ByzantineValidators.Contains(node.Validator) && !_scenario.ByzantineValidators.Contains(peer.Validator))
            {
                Checker.Report($"agreement: nodes {node.Id} and {peer.Id} hold different blocks at height {from}");
            }
            return false;
        }
        var blocks = peer.Committed.GetRange(from, (int)peer.CommittedHeight - from);
        for (var i = 0; i < blocks.Count; i++)
        {
            var hash = peer.CommittedHashes[from + i];
            node.Committed.Add(blocks[i]);
            node.CommittedHashes.Add(hash);
            node.Blocks[hash] = (blocks[i].Block.Header, [.. blocks[i].Block.Transactions]);
            node.CommittedHeight++;
            if (following)
            {
                // A follower executes block by block and sees a decision that adds its key long before the boundary.
                PrepareToJoin(node);
            }
        }
        Mix(0x5C + node.CommittedHeight * 131 + (ulong)node.Id);
        Checker.OnSynced(node, blocks);
        return true;
    }

    private static ulong EpochOf(ConsensusMessage message) => message.BodyCase switch
    {
        ConsensusMessage.BodyOneofCase.Proposal => message.Proposal.Epoch,
        ConsensusMessage.BodyOneofCase.Vote => message.Vote.Epoch,
        ConsensusMessage.BodyOneofCase.Timeout => message.Timeout.Epoch,
        ConsensusMessage.BodyOneofCase.SyncInfo => Math.Max(message.SyncInfo.HighQc?.Epoch ?? 0, message.SyncInfo.HighTc?.Epoch ?? 0),
        _ => 0,
    };
}
