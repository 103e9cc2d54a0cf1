using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>
/// Signs and verifies the consensus messages and certificates of one epoch (chain id, epoch number,
/// validator set, crypto suite). Stateless apart from its parameters; safe to share.
/// </summary>
public sealed class EpochVerifier
{
    private readonly byte[] _chainId;

    public EpochVerifier(string chainId, CryptoSuite suite, ValidatorSet validators, ulong epoch, Hash32 genesisHash, ulong genesisHeight)
    {
        ChainId = chainId;
        _chainId = ConsensusSignBytes.EncodeChainId(chainId);
        Suite = suite;
        Validators = validators;
        Epoch = epoch;
        GenesisHash = genesisHash;
        GenesisHeight = genesisHeight;
        GenesisQc = new QuorumCertificate { Epoch = epoch, Round = 0, Height = genesisHeight, BlockHash = genesisHash.ToByteString() };
    }

    public static EpochVerifier For(ConsensusConfig config) =>
        new(config.ChainId, config.Suite, config.Validators, config.Epoch, config.GenesisHash, config.GenesisHeight);

    public string ChainId { get; }

    public CryptoSuite Suite { get; }

    public ValidatorSet Validators { get; }

    public ulong Epoch { get; }

    public Hash32 GenesisHash { get; }

    public ulong GenesisHeight { get; }

    /// <summary>The unsigned round-0 certificate of the genesis block that the first proposal extends.</summary>
    public QuorumCertificate GenesisQc { get; }

    public byte[] SignVote(byte[] privateKey, ulong round, ulong height, Hash32 blockHash)
    {
        Span<byte> buffer = stackalloc byte[ConsensusSignBytes.MaxLength];
        var n = ConsensusSignBytes.Vote(_chainId, Epoch, round, height, blockHash, buffer);
        return Suite.Sign(privateKey, SigningDomain.Vote, buffer[..n]);
    }

    public bool VerifyVoteSignature(int validator, ulong round, ulong height, Hash32 blockHash, ReadOnlySpan<byte> signature)
    {
        if ((uint)validator >= (uint)Validators.Count)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[ConsensusSignBytes.MaxLength];
        var n = ConsensusSignBytes.Vote(_chainId, Epoch, round, height, blockHash, buffer);
        return Suite.Verify(Validators[validator].PublicKey, SigningDomain.Vote, buffer[..n], signature);
    }

    public byte[] SignTimeout(byte[] privateKey, ulong round, ulong highQcRound)
    {
        Span<byte> buffer = stackalloc byte[ConsensusSignBytes.MaxLength];
        var n = ConsensusSignBytes.Timeout(_chainId, Epoch, round, highQcRound, buffer);
        return Suite.Sign(privateKey, SigningDomain.Timeout, buffer[..n]);
    }

    public bool VerifyTimeoutSignature(int validator, ulong round, ulong highQcRound, ReadOnlySpan<byte> signature)
    {
        if ((uint)validator >= (uint)Validators.Count)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[ConsensusSignBytes.MaxLength];
        var n = ConsensusSignBytes.Timeout(_chainId, Epoch, round, highQcRound, buffer);
        return Suite.Verify(Validators[validator].PublicKey, SigningDomain.Timeout, buffer[..n], signature);
    }

    public byte[] SignProposal(byte[] privateKey, ulong round, Hash32 blockHash)
    {
        Span<byte> buffer = stackalloc byte[ConsensusSignBytes.MaxLength];
        var n = ConsensusSignBytes.Proposal(_chainId, Epoch, round, blockHash, buffer);
        return Suite.Sign(privateKey, SigningDomain.Proposal, buffer[..n]);
    }

    public bool VerifyProposalSignature(int validator, ulong round, Hash32 blockHash, ReadOnlySpan<byte> signature)
    {
        if ((uint)validator >= (uint)Validators.Count)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[ConsensusSignBytes.MaxLength];
        var n = ConsensusSignBytes.Proposal(_chainId, Epoch, round, blockHash, buffer);
        return Suite.Verify(Validators[validator].PublicKey, SigningDomain.Proposal, buffer[..n], signature);
    }

    /// <summary>Hash of a block: the suite hash of its serialized header.</summary>
    public Hash32 BlockHash(ByteString header) => Suite.Hash(header.Span);

    /// <summary>
    /// True when the QC is the genesis QC of this epoch, or carries valid signatures of distinct validators of this
    /// epoch over its (round, height, block hash) whose voting power reaches the quorum.
    /// </summary>
    public bool VerifyQuorumCertificate(QuorumCertificate? qc)
    {
        if (qc is null || qc.Epoch != Epoch || !Hash32.TryRead(qc.BlockHash.Span, out var blockHash))
        {
            return false;
        }
        if (qc.Round == 0)
        {
            return qc.Signatures.Count == 0 && qc.Height == GenesisHeight && blockHash == GenesisHash;
        }
        if (qc.Signatures.Count > Validators.Count)
        {
            return false;
        }
        Span<bool> seen = stackalloc bool[Validators.Count];
        ulong power = 0;
        foreach (var s in qc.Signatures)
        {
            var index = (int)Math.Min(s.ValidatorIndex, int.MaxValue);
            if (index >= Validators.Count || seen[index] || !VerifyVoteSignature(index, qc.Round, qc.Height, blockHash, s.Signature.Span))
            {
                return false;
            }
            seen[index] = true;
            power += Validators[index].VotingPower;
        }
        return power >= Validators.QuorumPower;
    }

    /// <summary>
    /// True when the TC has valid timeout signatures of distinct validators reaching the quorum, and its high QC is
    /// valid and has exactly the largest high-QC round among the signers.
    /// </summary>
    public bool VerifyTimeoutCertificate(TimeoutCertificate? tc)
    {
        if (tc is null || tc.Epoch != Epoch || tc.Round == 0 || tc.Signatures.Count > Validators.Count)
        {
            return false;
        }
        Span<bool> seen = stackalloc bool[Validators.Count];
        ulong power = 0;
        ulong maxHighQcRound = 0;
        foreach (var s in tc.Signatures)
        {
            var index = (int)Math.Min(s.ValidatorIndex, int.MaxValue);
            if (index >= Validators.Count || seen[index] || s.HighQcRound >= tc.Round ||
                !VerifyTimeoutSignature(index, tc.Round, s.HighQcRound, s.Signature.Span))
            {
                return false;
            }
            seen[index] = true;
            power += Validators[index].VotingPower;
            maxHighQcRound = Math.Max(maxHighQcRound, s.HighQcRound);
        }
        return power >= Validators.QuorumPower && tc.HighQc is not null && tc.HighQc.Round == maxHighQcRound &&
            VerifyQuorumCertificate(tc.HighQc);
    }

    /// <summary>The round of the TC's high QC (the highest QC among its signers), used by the voting rule.</summary>
    public static ulong HighQcRound(TimeoutCertificate tc) => tc.HighQc?.Round ?? 0;
}
