using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>
/// Checks the safety invariants while a simulation runs: agreement between honest nodes, commits proven by a
/// certified two-chain, no honest validator signing two different things in one round; liveness is judged by the
/// simulator at the end of the run.
/// </summary>
public sealed class InvariantChecker(EpochVerifier verifier, SimScenario scenario)
{
    private readonly Dictionary<ulong, Hash32> _committedAt = [];
    private readonly Dictionary<int, Hash32> _lastCommitted = [];
    private readonly Dictionary<(int Validator, int Kind, ulong Round), ByteString> _signed = [];
    private readonly List<string> _violations = [];
    private readonly HashSet<ByteString> _validQcs = [];

    public IReadOnlyList<string> Violations => _violations;

    public int EvidenceCount { get; private set; }

    public ulong HighestCommittedHeight { get; private set; }

    public void Report(string violation) => _violations.Add($"[{scenario}] {violation}");

    // Certificates are re-checked on every commit of every node; identical bytes need checking once.
    private bool VerifyQc(QuorumCertificate? qc)
    {
        if (qc is null)
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

    private bool IsHonest(SimNode node) => !scenario.ByzantineValidators.Contains(node.Validator);

    internal void OnEvidence(SimNode node, EvidenceFound evidence)
    {
        EvidenceCount++;
        if (!EvidenceVerifier.Verify(verifier, evidence.Evidence, out var culprit) || culprit != evidence.Validator)
        {
            Report($"node {node.Id} reported unverifiable evidence");
        }
        else if (!scenario.ByzantineValidators.Contains(culprit) && IsHonest(node))
        {
            Report($"honest validator {culprit} was proven to equivocate");
        }
    }

    /// <summary>Every vote, timeout and proposal an honest validator lets out must be the only one of its kind in its round.</summary>
    internal void OnSent(SimNode node, ConsensusMessage message)
    {
        if (!IsHonest(node))
        {
            return;
        }
        (int Kind, ulong Round, uint Signer, ByteString Content) item;
        switch (message.BodyCase)
        {
            case ConsensusMessage.BodyOneofCase.Proposal:
                var p = message.Proposal;
                item = (0, p.Round, p.ProposerIndex, p.Header);
                break;
            case ConsensusMessage.BodyOneofCase.Vote:
                var v = message.Vote;
                item = (1, v.Round, v.ValidatorIndex, v.BlockHash);
                break;
            case ConsensusMessage.BodyOneofCase.Timeout:
                var t = message.Timeout;
                item = (2, t.Round, t.ValidatorIndex, ByteString.CopyFrom(BitConverter.GetBytes(t.HighQc?.Round ?? 0)));
                break;
            default:
                return;
        }
        if (item.Signer != (uint)node.Validator)
        {
            return;
        }
        var key = (node.Validator, item.Kind, item.Round);
        if (_signed.TryGetValue(key, out var previous))
        {
            if (previous != item.Content)
            {
                Report($"validator {node.Validator} (node {node.Id}) signed two different {(item.Kind == 0 ? "proposals" : item.Kind == 1 ? "votes" : "timeouts")} in round {item.Round}");
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
        var hasPrevious = _lastCommitted.TryGetValue(node.Id, out var previousHash);
        if (!hasPrevious)
        {
            previousHash = verifier.GenesisHash;
        }
        BlockHeader? last = null;
        Hash32 lastHash = default;
        foreach (var committed in commit.Blocks)
        {
            var header = BlockHeader.Parser.ParseFrom(committed.Block.Header);
            var hash = verifier.BlockHash(committed.Block.Header);
            if (new Hash32(header.ParentHash.Span) != previousHash)
            {
                Report($"node {node.Id} committed height {header.Height} whose parent is not its previous commit");
            }
            var parentQc = header.ParentQc ?? verifier.GenesisQc;
            if (!VerifyQc(parentQc) || new Hash32(parentQc.BlockHash.Span) != previousHash)
            {
                Report($"node {node.Id} committed height {header.Height} without a valid QC on its parent");
            }
            var qc = committed.Certificate;
            if (qc is null || !VerifyQc(qc) || new Hash32(qc.BlockHash.Span) != hash || qc.Height != header.Height)
            {
                Report($"node {node.Id} committed height {header.Height} without a valid QC over it");
            }
            if (_committedAt.TryGetValue(header.Height, out var other))
            {
                if (other != hash)
                {
                    Report($"agreement: two different blocks committed at height {header.Height} (node {node.Id})");
                }
            }
            else
            {
                _committedAt[header.Height] = hash;
            }
            HighestCommittedHeight = Math.Max(HighestCommittedHeight, header.Height);
            previousHash = hash;
            last = header;
            lastHash = hash;
        }
        _lastCommitted[node.Id] = previousHash;
        // Two-chain proof: a valid QC for a block of the very next round whose parent is the last committed block.
        var proof = commit.CommitProof;
        if (last is null || proof is null || !VerifyQc(proof) || proof.Round != last.Round + 1 ||
            !node.Blocks.TryGetValue(new Hash32(proof.BlockHash.Span), out var child) ||
            new Hash32(BlockHeader.Parser.ParseFrom(child.Header).ParentHash.Span) != lastHash)
        {
            Report($"node {node.Id} committed height {last?.Height} without a certified two-chain");
        }
    }
}
