using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Consensus;

/// <summary>
/// Who equivocated, where, and how, as an evidence item says it (the first of its two messages; verification checks
/// that both agree): the validator's index in its epoch's set, the epoch, the round and the kind.
/// </summary>
public readonly record struct EvidenceFacts(uint ValidatorIndex, ulong Epoch, ulong Round, string Kind)
{
    /// <summary>The facts of <paramref name="evidence"/>, or null when it has no first message.</summary>
    public static EvidenceFacts? Of(EquivocationEvidence evidence) => evidence.KindCase switch
    {
        EquivocationEvidence.KindOneofCase.DoubleProposal when evidence.DoubleProposal.First is { } p =>
            new EvidenceFacts(p.ProposerIndex, p.Epoch, p.Round, "double_proposal"),
        EquivocationEvidence.KindOneofCase.DoubleVote when evidence.DoubleVote.First is { } v =>
            new EvidenceFacts(v.ValidatorIndex, v.Epoch, v.Round, "double_vote"),
        _ => null,
    };
}
