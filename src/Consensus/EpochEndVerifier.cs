using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>
/// Checks the record a peer sends with an epoch's last block (<see cref="EpochEndCommit"/>: the suffix headers that
/// commit it, their certificate, the next set) before the node keeps it and serves it to relayers, so a follower serves
/// exactly the proofs a validator does and a hostile peer cannot plant a record that light clients would refuse.
/// The rule is the light client's commit proof (docs/relay.md, "Commit proof"; src/Relay CommitProofVerifier, which
/// neither the engine nor the chain may reference) checked with the engine's certificate verifier of the block's epoch.
/// Used by block sync (BlockValidator.VerifyCommitted) on every record a peer sends.
/// Validated here: the record names the block's epoch and height and the block announces a change; the next set hashes
/// to what the block announced and has at most 256 members; 1 to 16 suffix headers that decode, name this chain and the
/// epoch, and extend the block by hash and height; the last two rounds are consecutive; the last header's parent
/// certificate and the record's certificate verify against the epoch's set.
/// </summary>
public static class EpochEndVerifier
{
    private const int MaxValidators = 256;

    /// <summary>Null when <paramref name="record"/> commits <paramref name="block"/>, else what is wrong with it.</summary>
    public static string? Problem(EpochEndCommit record, SealedBlock block, EpochVerifier epoch)
    {
        var header = block.Header;
        if (record.Epoch != header.Epoch || record.Height != block.Height)
        {
            return $"its epoch-end record names epoch {record.Epoch} height {record.Height}, not this block";
        }
        if (header.NextValidatorSetHash.Equals(header.ValidatorSetHash))
        {
            return "it carries an epoch-end record but announces no validator-set change";
        }
        if (record.NextValidators is not { } next || next.Validators.Count is 0 or > MaxValidators ||
            !ValidatorSet.Hash(epoch.Suite, next).Matches(header.NextValidatorSetHash.Span))
        {
            return "its epoch-end record's next validator set is not the one the block announced";
        }
        var descendants = record.Commit?.Descendants;
        if (descendants is null || descendants.Count is 0 or > ConsensusCore.MaxEpochEndSuffix || record.Commit!.Certificate is null)
        {
            return $"its epoch-end record must carry 1 to {ConsensusCore.MaxEpochEndSuffix} suffix headers and a certificate";
        }
        var (parent, parentHash) = (header, block.Hash);
        var (child, childHash) = (header, block.Hash);
        foreach (var bytes in descendants)
        {
            (parent, parentHash) = (child, childHash);
            if (Decode(bytes, epoch) is not { } suffix)
            {
                return "a suffix header in its epoch-end record does not decode or is not of this chain and epoch";
            }
            childHash = epoch.BlockHash(bytes);
            if (suffix.Height != parent.Height + 1 || !parentHash.Matches(suffix.ParentHash.Span))
            {
                return $"suffix header {suffix.Height} does not extend block {parent.Height}";
            }
            child = suffix;
        }
        if (child.Round != parent.Round + 1)
        {
            return "the last suffix header's round does not follow its parent's: no two-chain commit";
        }
        if (!Certifies(child.ParentQc, parent, parentHash, epoch) || !Certifies(record.Commit.Certificate, child, childHash, epoch))
        {
            return $"the suffix certificates do not carry a quorum of epoch {header.Epoch}'s validators";
        }
        return null;
    }

    private static bool Certifies(QuorumCertificate? qc, BlockHeader header, Hash32 hash, EpochVerifier epoch) =>
        qc is not null && qc.Round > 0 && qc.Round == header.Round && qc.Height == header.Height && hash.Matches(qc.BlockHash.Span) &&
        epoch.VerifyQuorumCertificate(qc);

    private static BlockHeader? Decode(ByteString bytes, EpochVerifier epoch)
    {
        try
        {
            var header = BlockHeader.Parser.ParseFrom(bytes);
            return header.ChainId == epoch.ChainId && header.Epoch == epoch.Epoch ? header : null;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
