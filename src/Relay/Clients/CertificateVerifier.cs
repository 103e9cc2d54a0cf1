using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Clients;

/// <summary>
/// Checks a counterparty's quorum certificate the way its own validators do (docs/consensus.md, "QC valid"): signatures
/// of distinct members of the epoch's set over the vote sign bytes of <see cref="ConsensusSignBytes"/>, under the
/// counterparty's chain id and suite, whose power reaches the quorum. The rule is the consensus engine's
/// (EpochVerifier); it lives here too because Relay may not reference Consensus, and the sign bytes, the one thing both
/// must agree on byte for byte, come from Core.
/// </summary>
public sealed class CertificateVerifier(string chainId, CryptoSuite suite, ValidatorSet validators, ulong epoch)
{
    private readonly byte[] _chainId = ConsensusSignBytes.EncodeChainId(chainId);

    public ValidatorSet Validators => validators;

    /// <summary>True when <paramref name="qc"/> is a signed (round > 0) certificate of this epoch's quorum over exactly this block.</summary>
    public bool Verify(QuorumCertificate? qc, ulong height, ulong round, in Hash32 blockHash)
    {
        if (qc is null || qc.Epoch != epoch || qc.Round == 0 || qc.Round != round || qc.Height != height ||
            !blockHash.Matches(qc.BlockHash.Span) || qc.Signatures.Count > validators.Count)
        {
            return false;
        }
        Span<byte> message = stackalloc byte[ConsensusSignBytes.MaxLength];
        var length = ConsensusSignBytes.Vote(_chainId, epoch, round, height, blockHash, message);
        Span<bool> seen = stackalloc bool[validators.Count];
        ulong power = 0;
        foreach (var s in qc.Signatures)
        {
            var index = (int)Math.Min(s.ValidatorIndex, int.MaxValue);
            if (index >= validators.Count || seen[index] ||
                !suite.Verify(validators[index].PublicKey, SigningDomain.Vote, message[..length], s.Signature.Span))
            {
                return false;
            }
            seen[index] = true;
            power += validators[index].VotingPower;
        }
        return power >= validators.QuorumPower;
    }
}
