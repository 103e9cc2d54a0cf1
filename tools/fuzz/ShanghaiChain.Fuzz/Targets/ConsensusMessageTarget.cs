using System.Buffers.Binary;
using Google.Protobuf;
using ShanghaiChain.Consensus;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// Consensus messages with verification: the input is a sequence of frames [sender index byte][u16 length][ConsensusMessage],
/// each decoded and handed to a fresh validator engine (index 2 of four) as the peer router hands it, so a valid proposal
/// followed by fuzzed votes reaches vote counting and certificate forming. The engine verifies every signature and
/// certificate itself and must drop what is invalid, never throw; evidence and certificates are also checked directly with
/// EvidenceVerifier and EpochVerifier. An undecodable frame is refused (InvalidProtocolBufferException) and skipped.
/// </summary>
internal sealed class ConsensusMessageTarget : FuzzTarget
{
    private const int SelfIndex = 2;

    public override string Name => "consensus";

    public override string Description => "frames of ConsensusMessage -> ConsensusCore.Handle (validator 2 of 4), EvidenceVerifier, EpochVerifier";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var engine = NewEngine(SelfIndex);
        engine.Handle(new Started(0));
        var now = 1L;
        while (input.Length >= 3)
        {
            // Sender -1 is a message from a node that is not a validator (an observer), as the router sends it.
            var sender = input[0] % 5 - 1;
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input[1..]), input.Length - 3);
            var frame = input.Slice(3, length);
            input = input[(3 + length)..];
            ConsensusMessage message;
            try
            {
                message = ConsensusMessage.Parser.ParseFrom(frame);
            }
            catch (InvalidProtocolBufferException)
            {
                continue;
            }
            CheckDirectly(message);
            foreach (var action in engine.Handle(new MessageReceived(now++, sender, message)))
            {
                // The driver persists the record before anything is sent; the engine waits for that acknowledgement.
                if (action is SaveSafetyRecord save)
                {
                    engine.Handle(new SafetyRecordSaved(now++, save.Sequence));
                }
            }
        }
        engine.Handle(new TimerFired(now + 60_000, 1));
    }

    private static void CheckDirectly(ConsensusMessage message)
    {
        var verifier = FuzzChain.Certificates;
        switch (message.BodyCase)
        {
            case ConsensusMessage.BodyOneofCase.Evidence:
                if (EvidenceVerifier.Verify(verifier, message.Evidence, out var culprit) && (culprit < 0 || culprit >= verifier.Validators.Count))
                {
                    throw new FuzzInvariantException($"evidence verified against validator index {culprit}");
                }
                break;
            case ConsensusMessage.BodyOneofCase.SyncInfo:
                verifier.VerifyQuorumCertificate(message.SyncInfo.HighQc);
                verifier.VerifyTimeoutCertificate(message.SyncInfo.HighTc);
                break;
            case ConsensusMessage.BodyOneofCase.Timeout:
                verifier.VerifyQuorumCertificate(message.Timeout.HighQc);
                break;
            case ConsensusMessage.BodyOneofCase.Proposal:
                verifier.VerifyTimeoutCertificate(message.Proposal.TimeoutCertificate);
                break;
        }
    }

    internal static ConsensusCore NewEngine(int index) => new(new ConsensusConfig
    {
        ChainId = FuzzChain.ChainId,
        Suite = FuzzChain.Suite,
        Validators = FuzzChain.Genesis.ToValidatorSet(),
        GenesisHash = FuzzChain.Genesis.ComputeHash(),
        SelfIndex = index,
        PrivateKey = FuzzChain.ValidatorKeys[index].ExportPrivateKey(),
        LeaderReputation = false,
    }, null, StartMode.Genesis);

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        var messages = ConsensusRun.Messages(rounds: 3);
        byte[] Frames(IEnumerable<(int Sender, ConsensusMessage Message)> items) =>
            [.. items.SelectMany(m => Frame(m.Sender, m.Message.ToByteArray()))];
        foreach (var group in messages.GroupBy(m => m.Message.BodyCase))
        {
            var first = group.First();
            yield return ($"single-{group.Key.ToString().ToLowerInvariant()}", Frame(first.Sender, first.Message.ToByteArray()));
        }
        yield return ("round-1-proposal-and-votes", Frames(messages.TakeWhile(m => m.Message.Vote is null || m.Message.Vote.Round == 1)));
        yield return ("three-rounds", Frames(messages));
        var timeouts = ConsensusRun.Timeouts();
        yield return ("timeouts-round-1", Frames(timeouts));
        yield return ("evidence-double-vote", Frame(0, ConsensusRun.DoubleVoteEvidence().ToByteArray()));
        var vote = messages.First(m => m.Message.Vote is not null);
        var forged = vote.Message.Clone();
        forged.Vote.Signature = ByteString.CopyFrom(new byte[64]);
        yield return ("forged-vote", Frame(vote.Sender, forged.ToByteArray()));
        yield return ("empty-message", Frame(0, []));
    }

    internal static byte[] Frame(int sender, byte[] message)
    {
        var frame = new byte[3 + message.Length];
        frame[0] = (byte)(sender + 1);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), (ushort)message.Length);
        message.CopyTo(frame, 3);
        return frame;
    }
}
