using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using Timeout = ShanghaiChain.V1.Timeout;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>Message forgeries a Byzantine validator makes with its own (real) key.</summary>
internal static class Byzantine
{
    public static ConsensusMessage ConflictingProposal(EpochVerifier verifier, SimNode from, Proposal proposal)
    {
        var header = BlockHeader.Parser.ParseFrom(proposal.Header);
        header.TimestampMs += 1;
        header.TxRoot = ByteString.CopyFrom(verifier.Suite.Hash(header.TxRoot.Span).ToArray());
        var headerBytes = header.ToByteString();
        var key = SimKeys.For(verifier.Suite, from.Validator).Private;
        var other = proposal.Clone();
        other.Header = headerBytes;
        other.Signature = ByteString.CopyFrom(verifier.SignProposal(key, proposal.Round, verifier.BlockHash(headerBytes)));
        from.Blocks[verifier.BlockHash(headerBytes)] = (headerBytes, [.. proposal.Transactions]);
        return new ConsensusMessage { Proposal = other };
    }

    public static ConsensusMessage ConflictingVote(EpochVerifier verifier, SimNode from, Vote vote, Random rng)
    {
        var key = SimKeys.For(verifier.Suite, from.Validator).Private;
        var hash = verifier.Suite.Hash(BitConverter.GetBytes(rng.NextInt64()));
        var other = vote.Clone();
        other.BlockHash = ByteString.CopyFrom(hash.ToArray());
        other.Signature = ByteString.CopyFrom(verifier.SignVote(key, vote.Round, vote.Height, hash));
        return new ConsensusMessage { Vote = other };
    }

    public static ConsensusMessage CorruptSignature(ConsensusMessage message)
    {
        var copy = message.Clone();
        static ByteString Flip(ByteString s)
        {
            if (s.Length == 0)
            {
                return ByteString.CopyFrom(1);
            }
            var bytes = s.ToByteArray();
            bytes[bytes.Length / 2] ^= 0x40;
            return ByteString.CopyFrom(bytes);
        }
        switch (copy.BodyCase)
        {
            case ConsensusMessage.BodyOneofCase.Proposal:
                copy.Proposal.Signature = Flip(copy.Proposal.Signature);
                break;
            case ConsensusMessage.BodyOneofCase.Vote:
                copy.Vote.Signature = Flip(copy.Vote.Signature);
                break;
            case ConsensusMessage.BodyOneofCase.Timeout:
                copy.Timeout.Signature = Flip(copy.Timeout.Signature);
                break;
        }
        return copy;
    }

    /// <summary>A validly signed timeout or vote for a round near the top of the range, or a proposal claiming one.</summary>
    public static ConsensusMessage AbsurdRound(EpochVerifier verifier, SimNode from, ConsensusMessage basis, Random rng)
    {
        var key = SimKeys.For(verifier.Suite, from.Validator).Private;
        var round = ulong.MaxValue - (ulong)rng.Next(1000);
        switch (rng.Next(3))
        {
            case 0:
                return new ConsensusMessage
                {
                    Timeout = new Timeout
                    {
                        Epoch = verifier.Epoch,
                        Round = round,
                        ValidatorIndex = (uint)from.SelfIndex,
                        HighQc = verifier.GenesisQc,
                        Signature = ByteString.CopyFrom(verifier.SignTimeout(key, round, 0)),
                    },
                };
            case 1:
                var hash = verifier.Suite.Hash(BitConverter.GetBytes(round));
                return new ConsensusMessage
                {
                    Vote = new Vote
                    {
                        Epoch = verifier.Epoch,
                        Round = round,
                        Height = round,
                        BlockHash = ByteString.CopyFrom(hash.ToArray()),
                        ValidatorIndex = (uint)from.SelfIndex,
                        Signature = ByteString.CopyFrom(verifier.SignVote(key, round, round, hash)),
                    },
                };
            default:
                if (basis.BodyCase != ConsensusMessage.BodyOneofCase.Proposal)
                {
                    return new ConsensusMessage { SyncInfo = new SyncInfo { HighQc = new QuorumCertificate { Epoch = verifier.Epoch, Round = round, BlockHash = ByteString.CopyFrom(new byte[Hash32.Size]) } } };
                }
                var p = basis.Proposal.Clone();
                var header = BlockHeader.Parser.ParseFrom(p.Header);
                header.Round = round;
                p.Header = header.ToByteString();
                p.Round = round;
                p.Signature = ByteString.CopyFrom(verifier.SignProposal(key, round, verifier.BlockHash(p.Header)));
                return new ConsensusMessage { Proposal = p };
        }
    }
}
