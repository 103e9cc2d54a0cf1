using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>Checks equivocation evidence: two validly signed, different messages of one kind, validator, epoch and round.</summary>
public static class EvidenceVerifier
{
    public static bool Verify(EpochVerifier verifier, EquivocationEvidence evidence, out int validator)
    {
        validator = -1;
        switch (evidence.KindCase)
        {
            case EquivocationEvidence.KindOneofCase.DoubleProposal:
                {
                    var (a, b) = (evidence.DoubleProposal.First, evidence.DoubleProposal.Second);
                    if (a is null || b is null || a.ProposerIndex != b.ProposerIndex || a.Round != b.Round ||
                        a.Epoch != verifier.Epoch || b.Epoch != verifier.Epoch || a.Header == b.Header ||
                        a.ProposerIndex >= (uint)verifier.Validators.Count)
                    {
                        return false;
                    }
                    var index = (int)a.ProposerIndex;
                    if (!verifier.VerifyProposalSignature(index, a.Round, verifier.BlockHash(a.Header), a.Signature.Span) ||
                        !verifier.VerifyProposalSignature(index, b.Round, verifier.BlockHash(b.Header), b.Signature.Span))
                    {
                        return false;
                    }
                    validator = index;
                    return true;
                }
            case EquivocationEvidence.KindOneofCase.DoubleVote:
                {
                    var (a, b) = (evidence.DoubleVote.First, evidence.DoubleVote.Second);
                    if (a is null || b is null || a.ValidatorIndex != b.ValidatorIndex || a.Round != b.Round ||
                        a.Epoch != verifier.Epoch || b.Epoch != verifier.Epoch ||
                        (a.BlockHash == b.BlockHash && a.Height == b.Height) ||
                        !Hash32.TryRead(a.BlockHash.Span, out var hashA) || !Hash32.TryRead(b.BlockHash.Span, out var hashB) ||
                        a.ValidatorIndex >= (uint)verifier.Validators.Count)
                    {
                        return false;
                    }
                    var index = (int)a.ValidatorIndex;
                    if (!verifier.VerifyVoteSignature(index, a.Round, a.Height, hashA, a.Signature.Span) ||
                        !verifier.VerifyVoteSignature(index, b.Round, b.Height, hashB, b.Signature.Span))
                    {
                        return false;
                    }
                    validator = index;
                    return true;
                }
            default:
                return false;
        }
    }
}
