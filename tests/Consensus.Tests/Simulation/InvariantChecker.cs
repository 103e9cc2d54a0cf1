using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>
/// Checks the safety invariants while a simulation runs, over the whole chain and all its epochs: agreement between
/// honest nodes, every committed block certified by the validator set of its own epoch (an <see cref="EpochVerifier"/>
/// per epoch, built from the scenario's schedule and the agreed last block of the epoch before), commits proven by a
/// certified two-chain, epochs ending exactly at their scheduled height, and no honest validator signing two different
/// things in one (epoch, round). Liveness is judged by the simulator at the end of the run.
/// </summary>
public sealed class InvariantChecker
{
    private readonly SimScenario _scenario;
    private readonly Dictionary<ulong, EpochVerifier> _verifiers = [];
    private readonly Dictionary<ulong, Hash32> _committedAt = [];
    private readonly Dictionary<int, Hash32> _lastCommitted = [];
    private readonly Dictionary<(int Key, ulong Epoch, int Kind, ulong Round), ByteString> _signed = [];
    private readonly List<string> _violations = [];
    private readonly HashSet<ByteString> _validQcs = [];

    public InvariantChecker(SimScenario scenario)
    {
        _scenario = scenario;
        var first = SimKeys.SetOf(scenario.Suite, scenario.MembersOf(1));
        _verifiers[1] = new EpochVerifier(SimKeys.ChainId, scenario.Suite, first, 1, SimKeys.GenesisHash(scenario.Suite), 0);
    }

    public IReadOnlyList<string> Violations => _violations;

    public int EvidenceCount { get; private set; }

    public ulong HighestCommittedHeight { get; private set; }

    /// <summary>Highest epoch any honest node committed a block in.</summary>
    public ulong HighestEpoch { get; private set; } = 1;

    /// <summary>Epoch endings reported by honest engines (one per node and epoch).</summary>
    public int EpochEndings { get; private set; }

    /// <summary>Blocks honest nodes took by block sync instead of committing them in their engine.</summary>
    public int SyncedBlocks { get; private set; }

    /// <summary>Votes signed by honest validators, by epoch and key (to see joiners sign).</summary>
    public HashSet<(ulong Epoch, int Key)> Voters { get; } = [];

    public void Report(string violation) => _violations.Add($"[{_scenario}] {violation}");

    /// <summary>The verifier of an epoch, once the last block of the epoch before it is committed.</summary>
    internal EpochVerifier? VerifierFor(ulong epoch) => _verifiers.GetValueOrDefault(epoch);

    // Certificates are re-checked on every commit of every node; identical bytes need checking once (the epoch number
    // is part of the bytes, and the verifier is chosen by it).
    private bool VerifyQc(EpochVerifier verifier, QuorumCertificate? qc)
    {
        if (qc is null || qc.Epoch != verifier.Epoch)
        {
            return false;
        }
        var bytes = qc.ToByteString();
        if (_validQcs.Contains(bytes))
        {
            return true;
        }
        if (!verifier.VerifyQuorumCertificate(qc))
        {
            return false;
        }
        _validQcs.Add(bytes);
        return true;
    }

    internal void ResetNode(int node) => _lastCommitted.Remove(node);

    private bool IsHonest(SimNode node) => !_scenario.ByzantineValidators.Contains(node.Validator);

    internal void OnEvidence(SimNode node, EvidenceFound evidence)
    {
        EvidenceCount++;
        var verifier = VerifierFor(node.Epoch);
        if (verifier is null || !EvidenceVerifier.Verify(verifier, evidence.Evidence, out var culprit) || culprit != evidence.Validator)
        {
            Report($"node {node.Id} reported unverifiable evidence in epoch {node.Epoch}");
            return;
        }
        var key = _scenario.MembersOf(node.Epoch)[culprit].Key;
        if (!_scenario.ByzantineValidators.Contains(key) && IsHonest(node))
        {
            Report($"honest validator with key {key} was proven to equivocate in epoch {node.Epoch}");
        }
    }

    /// <summary>Every vote, timeout and proposal an honest validator lets out must be the only one of its kind in its epoch and round.</summary>
    internal void OnSent(SimNode node, ConsensusMessage message)
    {
        if (!IsHonest(node))
        {
            return;
        }
        (int Kind, ulong Epoch, ulong Round, uint Signer, ByteString Content) item;
        switch (message.BodyCase)
        {
            case ConsensusMessage.BodyOneofCase.Proposal:
                var p = message.Proposal;
                item = (0, p.Epoch, p.Round, p.ProposerIndex, p.Header);
                break;
            case ConsensusMessage.BodyOneofCase.Vote:
                var v = message.Vote;
                item = (1, v.Epoch, v.Round, v.ValidatorIndex, v.BlockHash);
                break;
            case ConsensusMessage.BodyOneofCase.Timeout:
                var t = message.Timeout;
                item = (2, t.Epoch, t.Round, t.ValidatorIndex, ByteString.CopyFrom(BitConverter.GetBytes(t.HighQc?.Round ?? 0)));
                break;
            default:
                return;
        }
        if (item.Epoch != node.Epoch || item.Signer != (uint)node.SelfIndex)
        {
            Report($"node {node.Id} (key {node.Validator}) sent a message of epoch {item.Epoch} as validator {item.Signer} while in epoch {node.Epoch} as {node.SelfIndex}");
            return;
        }
        if (item.Kind == 1)
        {
            Voters.Add((item.Epoch, node.Validator));
        }
        var key = (node.Validator, item.Epoch, item.Kind, item.Round);
        if (_signed.TryGetValue(key, out var previous))
        {
            if (previous != item.Content)
            {
                Report($"validator with key {node.Validator} (node {node.Id}) signed two different {(item.Kind == 0 ? "proposals" : item.Kind == 1 ? "votes" : "timeouts")} in epoch {item.Epoch} round {item.Round}");
            }
        }
        else
        {
            _signed[key] = item.Content;
        }
    }

    internal void OnCommit(SimNode node, CommitBlocks commit)
    {
        if (!IsHonest(node))
        {
            return;
        }
        var (last, lastHash) = CheckChain(node, commit.Blocks, "committed");
        if (last is null || !IsTwoChainProof(node, last, lastHash, commit.CommitProof))
        {
            Report($"node {node.Id} committed height {last?.Height} without a certified two-chain");
            return;
        }
        CheckEpochEndRecord(node, last, commit);
    }

    /// <summary>Epoch-end records attached to a commit's last block, each one accepted by the check block sync runs.</summary>
    public int EpochEndRecords { get; private set; }

    /// <summary>
    /// The last block of an epoch, when an engine commits it, carries the record of the suffix that committed it (unless
    /// that suffix is longer than a light client takes), and that record passes <see cref="EpochEndVerifier"/>; no
    /// other block carries one.
    /// </summary>
    private void CheckEpochEndRecord(SimNode node, BlockHeader last, CommitBlocks commit)
    {
        var record = commit.Blocks[^1].EpochEnd;
        var endsEpoch = last.Height == _scenario.LastHeightOfEpoch(last.Epoch);
        if (!endsEpoch)
        {
            if (record is not null)
            {
                Report($"node {node.Id} attached an epoch-end record to block {last.Height}, which ends no epoch");
            }
            return;
        }
        // The simulated proposer of the last block may not have had the change yet (epochs of a few heights), so its header
        // may not announce it; the node refuses such a block, the engine does not look.
        var announced = SimKeys.SetOf(_scenario.Suite, _scenario.MembersOf(last.Epoch + 1)).Hash(_scenario.Suite).Matches(last.NextValidatorSetHash.Span);
        if (record is null)
        {
            if (announced && commit.CommitProof.Height - last.Height <= ConsensusCore.MaxEpochEndSuffix)
            {
                Report($"node {node.Id} committed the last block {last.Height} of epoch {last.Epoch} without its epoch-end record");
            }
            return;
        }
        var problem = EpochEndVerifier.Problem(record, new SealedBlock(commit.Blocks[^1].Block, _scenario.Suite), VerifierFor(last.Epoch)!);
        if (problem is not null)
        {
            Report($"node {node.Id}'s epoch-end record of epoch {last.Epoch} is refused: {problem}");
            return;
        }
        EpochEndRecords++;
    }

    /// <summary>Commits that stop below the block their two-chain made final (suffix blocks, or a step capped at a boundary).</summary>
    public int CommitsProvenByDescendant { get; private set; }

    /// <summary>
    /// A two-chain proof: a valid QC of the same epoch for a block C whose parent P is one round older and certified by
    /// C's parent QC, where P is the last committed block or a certified block of the same epoch descending from it (a
    /// suffix block at the end of an epoch, or any block when the engine capped its commit step).
    /// </summary>
    private bool IsTwoChainProof(SimNode node, BlockHeader last, Hash32 lastHash, QuorumCertificate? proof)
    {
        var verifier = VerifierFor(last.Epoch);
        if (verifier is null || proof is null || !VerifyQc(verifier, proof) ||
            !node.Blocks.TryGetValue(new Hash32(proof.BlockHash.Span), out var childBlock))
        {
            return false;
        }
        var child = BlockHeader.Parser.ParseFrom(childBlock.Header);
        var parentQc = child.ParentQc;
        if (parentQc is null || !VerifyQc(verifier, parentQc) || parentQc.BlockHash != child.ParentHash || parentQc.Round + 1 != child.Round ||
            child.Round != proof.Round)
        {
            return false;
        }
        var hash = new Hash32(child.ParentHash.Span);
        var suffix = false;
        while (hash != lastHash)
        {
            if (!node.Blocks.TryGetValue(hash, out var between))
            {
                return false;
            }
            var header = BlockHeader.Parser.ParseFrom(between.Header);
            if (header.Epoch != last.Epoch || header.Height <= last.Height)
            {
                return false;
            }
            suffix = true;
            hash = new Hash32(header.ParentHash.Span);
        }
        if (suffix)
        {
            CommitsProvenByDescendant++;
        }
        return true;
    }

    /// <summary>Blocks a node took from a peer by block sync: the same chain and certificate checks as commits.</summary>
    internal void OnSynced(SimNode node, IReadOnlyList<CommittedBlock> blocks)
    {
        SyncedBlocks += blocks.Count;
        if (IsHonest(node))
        {
            CheckChain(node, blocks, "synced");
        }
    }

    private (BlockHeader? Last, Hash32 LastHash) CheckChain(SimNode node, IReadOnlyList<CommittedBlock> blocks, string verb)
    {
        var previousHash = _lastCommitted.TryGetValue(node.Id, out var p) ? p : _verifiers[1].GenesisHash;
        BlockHeader? last = null;
        foreach (var committed in blocks)
        {
            var header = BlockHeader.Parser.ParseFrom(committed.Block.Header);
            var hash = _verifiers[1].BlockHash(committed.Block.Header);
            var epoch = _scenario.EpochOfHeight(header.Height);
            if (header.Epoch != epoch)
            {
                Report($"node {node.Id} {verb} height {header.Height} in epoch {header.Epoch}, but the height belongs to epoch {epoch}");
            }
            if (new Hash32(header.ParentHash.Span) != previousHash)
            {
                Report($"node {node.Id} {verb} height {header.Height} whose parent is not its previous commit");
            }
            if (VerifierFor(epoch) is not { } verifier)
            {
                Report($"node {node.Id} {verb} height {header.Height} of epoch {epoch} before the last block of epoch {epoch - 1}");
                break;
            }
            var parentQc = header.ParentQc ?? verifier.GenesisQc;
            if (!VerifyQc(verifier, parentQc) || new Hash32(parentQc.BlockHash.Span) != previousHash)
            {
                Report($"node {node.Id} {verb} height {header.Height} without a valid QC of epoch {epoch} on its parent");
            }
            var qc = committed.Certificate;
            if (qc is null || !VerifyQc(verifier, qc) || new Hash32(qc.BlockHash.Span) != hash || qc.Height != header.Height)
            {
                Report($"node {node.Id} {verb} height {header.Height} without a valid QC of epoch {epoch} over it");
            }
            if (_committedAt.TryGetValue(header.Height, out var other))
            {
                if (other != hash)
                {
                    Report($"agreement: two different blocks {verb} at height {header.Height} (node {node.Id})");
                }
            }
            else
            {
                _committedAt[header.Height] = hash;
                if (header.Height == _scenario.LastHeightOfEpoch(epoch))
                {
                    // The next epoch's certificates are signed by the scheduled set, from this block on.
                    var next = SimKeys.SetOf(_scenario.Suite, _scenario.MembersOf(epoch + 1));
                    _verifiers[epoch + 1] = new EpochVerifier(SimKeys.ChainId, _scenario.Suite, next, epoch + 1, hash, header.Height);
                }
            }
            HighestCommittedHeight = Math.Max(HighestCommittedHeight, header.Height);
            HighestEpoch = Math.Max(HighestEpoch, epoch);
            previousHash = hash;
            last = header;
        }
        _lastCommitted[node.Id] = previousHash;
        return (last, previousHash);
    }

    /// <summary>A change is scheduled with the height the governance rule fixed, for the next epoch.</summary>
    internal void OnScheduled(SimNode node, ValidatorSetChangeScheduled scheduled)
    {
        var expected = _scenario.LastHeightOfEpoch(node.Epoch);
        if (scheduled.LastHeight != expected || scheduled.NextEpoch != node.Epoch + 1)
        {
            Report($"node {node.Id} scheduled epoch {scheduled.NextEpoch} after height {scheduled.LastHeight}; expected epoch {node.Epoch + 1} after {expected}");
        }
    }

    internal void OnRefused(SimNode node, ValidatorSetChangeRefused refused) =>
        Report($"node {node.Id} refused the change decided at height {refused.CommittedHeight}: {refused.Verdict}");

    /// <summary>An epoch ends exactly at its scheduled last height, on the agreed block, handing over to the scheduled set.</summary>
    internal void OnEpochEnded(SimNode node, EpochEnded ended)
    {
        if (!IsHonest(node))
        {
            return;
        }
        EpochEndings++;
        var expectedLast = _scenario.LastHeightOfEpoch(node.Epoch);
        var expectedSet = SimKeys.SetOf(_scenario.Suite, _scenario.MembersOf(node.Epoch + 1)).Hash(_scenario.Suite);
        if (ended.NextEpoch != node.Epoch + 1 || ended.LastHeight != expectedLast || node.CommittedHeight != expectedLast)
        {
            Report($"node {node.Id} ended epoch {node.Epoch} at height {ended.LastHeight} (committed {node.CommittedHeight}) into epoch {ended.NextEpoch}; scheduled: after {expectedLast}");
        }
        else if (!_committedAt.TryGetValue(expectedLast, out var agreed) || agreed != ended.LastBlockHash)
        {
            Report($"node {node.Id} ended epoch {node.Epoch} on a block that is not the agreed block at height {expectedLast}");
        }
        if (ended.NextValidators.Hash(_scenario.Suite) != expectedSet)
        {
            Report($"node {node.Id} ended epoch {node.Epoch} with a next set other than the scheduled one");
        }
    }
}
