using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using Timeout = ShanghaiChain.V1.Timeout;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>decode(encode(x)) == x for the consensus messages, and sign bytes that separate every field.</summary>
public class EncodingPropertyTests
{
    private static ByteString Bytes(byte[]? b) => ByteString.CopyFrom(b ?? []);

    private static QuorumCertificate Qc(ulong epoch, ulong round, ulong height, byte[]? hash, uint[]? indices, byte[]? sig)
    {
        var qc = new QuorumCertificate { Epoch = epoch, Round = round, Height = height, BlockHash = Bytes(hash) };
        foreach (var i in indices ?? [])
        {
            qc.Signatures.Add(new ValidatorSignature { ValidatorIndex = i, Signature = Bytes(sig) });
        }
        return qc;
    }

    [Property]
    public bool Votes_round_trip(ulong epoch, ulong round, ulong height, byte[] hash, uint index, byte[] sig)
    {
        var message = new ConsensusMessage
        {
            Vote = new Vote { Epoch = epoch, Round = round, Height = height, BlockHash = Bytes(hash), ValidatorIndex = index, Signature = Bytes(sig) },
        };
        return ConsensusMessage.Parser.ParseFrom(message.ToByteArray()).Equals(message);
    }

    [Property]
    public bool Timeouts_and_timeout_certificates_round_trip(ulong epoch, ulong round, uint index, byte[] hash, uint[] indices, byte[] sig, ulong[] highQcRounds)
    {
        var timeout = new ConsensusMessage
        {
            Timeout = new Timeout { Epoch = epoch, Round = round, ValidatorIndex = index, HighQc = Qc(epoch, round / 2, round, hash, indices, sig), Signature = Bytes(sig) },
        };
        var tc = new TimeoutCertificate { Epoch = epoch, Round = round, HighQc = Qc(epoch, round, 1, hash, indices, sig) };
        foreach (var r in highQcRounds ?? [])
        {
            tc.Signatures.Add(new TimeoutSignature { ValidatorIndex = (uint)r, HighQcRound = r, Signature = Bytes(sig) });
        }
        var sync = new ConsensusMessage { SyncInfo = new SyncInfo { HighQc = tc.HighQc, HighTc = tc } };
        return ConsensusMessage.Parser.ParseFrom(timeout.ToByteArray()).Equals(timeout) &&
            ConsensusMessage.Parser.ParseFrom(sync.ToByteArray()).Equals(sync);
    }

    [Property]
    public bool Proposals_and_evidence_round_trip(ulong epoch, ulong round, uint proposer, byte[] header, byte[][] transactions, byte[] sig)
    {
        var proposal = new Proposal { Epoch = epoch, Round = round, ProposerIndex = proposer, Header = Bytes(header), Signature = Bytes(sig) };
        foreach (var tx in transactions ?? [])
        {
            proposal.Transactions.Add(Bytes(tx));
        }
        var message = new ConsensusMessage { Proposal = proposal };
        var evidence = new ConsensusMessage
        {
            Evidence = new EquivocationEvidence { DoubleProposal = new DoubleProposal { First = proposal, Second = proposal.Clone() } },
        };
        return ConsensusMessage.Parser.ParseFrom(message.ToByteArray()).Equals(message) &&
            ConsensusMessage.Parser.ParseFrom(evidence.ToByteArray()).Equals(evidence);
    }

    [Property]
    public bool Safety_records_round_trip(ulong lastVoted, ulong highestTimeout, ulong locked, ulong minSigning, byte[] hash)
    {
        var record = new SafetyRecord
        {
            Epoch = 1,
            LastVotedRound = lastVoted,
            HighestTimeoutRound = highestTimeout,
            LockedRound = locked,
            LockedQc = Qc(1, locked, 2, hash, [0, 1, 2], hash),
            MinSigningRound = minSigning,
        };
        return SafetyRecord.Parser.ParseFrom(record.ToByteArray()).Equals(record);
    }

    [Property]
    public bool Vote_sign_bytes_differ_whenever_a_field_differs(ulong epoch, ulong round, ulong height, ulong other, byte field)
    {
        var chain = ConsensusSignBytes.EncodeChainId("shanghai");
        var hash = Hash32.Zero;
        Span<byte> a = stackalloc byte[ConsensusSignBytes.MaxLength];
        Span<byte> b = stackalloc byte[ConsensusSignBytes.MaxLength];
        var n = ConsensusSignBytes.Vote(chain, epoch, round, height, hash, a);
        var changed = other == 0 ? 1UL : other;
        var m = (field % 3) switch
        {
            0 => ConsensusSignBytes.Vote(chain, epoch + changed, round, height, hash, b),
            1 => ConsensusSignBytes.Vote(chain, epoch, round + changed, height, hash, b),
            _ => ConsensusSignBytes.Vote(chain, epoch, round, height + changed, hash, b),
        };
        return !a[..n].SequenceEqual(b[..m]);
    }
}
