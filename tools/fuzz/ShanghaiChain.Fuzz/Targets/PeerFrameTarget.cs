using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Node.Consensus;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// Peer frames after the handshake: the input is a sequence of [u16 length][PeerMessage] frames from validator 1's link,
/// each decoded as gRPC decodes it (a frame that does not parse is refused with InvalidProtocolBufferException, which the
/// peer layer classifies as malformed) and judged by the node's PeerMessageRouter: transaction gossip into a fresh mempool,
/// proposals through the block validator into an idle execution pipeline, consensus messages into the inbox. The first
/// verdict other than Accepted ends the link, as the receive loop does. Hello frames are judged by the receive loop itself and
/// are skipped here.
/// </summary>
internal sealed class PeerFrameTarget : FuzzTarget
{
    public override string Name => "peer-frame";

    public override string Description => "frames of PeerMessage -> PeerMessageRouter.Handle (gossip, proposals, consensus)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var pool = FuzzChain.NewPool();
        var pending = new PendingBlocks();
        var validator = FuzzChain.NewBlockValidator(pool, pending);
        using var execution = FuzzChain.NewIdlePipeline(pool, pending);
        var router = new PeerMessageRouter(FuzzChain.Schedule, validator, execution, pool, new Chain.Mempool.EvidencePool(FuzzChain.Suite), new ConsensusInbox(FuzzChain.Clock),
            new SyncState(FuzzChain.Head, FuzzChain.Clock), FuzzChain.Head, NullLogger<PeerMessageRouter>.Instance);
        var link = new PeerLink("fuzz-peer-0123456789abcdef", outbound: false, url: null, FuzzChain.Clock.GetUtcNow())
        {
            ValidatorAddress = FuzzChain.ValidatorKeys[1].Address,
        };
        while (input.Length >= 2)
        {
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input), input.Length - 2);
            var frame = input.Slice(2, length);
            input = input[(2 + length)..];
            PeerMessage message;
            try
            {
                message = PeerMessage.Parser.ParseFrom(frame);
            }
            catch (InvalidProtocolBufferException)
            {
                return;
            }
            if (message.BodyCase is PeerMessage.BodyOneofCase.Hello or PeerMessage.BodyOneofCase.None ||
                (message.BodyCase == PeerMessage.BodyOneofCase.Consensus && message.Consensus.BodyCase == ConsensusMessage.BodyOneofCase.None))
            {
                continue;
            }
            if (router.Handle(link, message) != PeerVerdict.Accepted)
            {
                return;
            }
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        byte[] Frames(params PeerMessage[] messages) => [.. messages.SelectMany(m => Frame(m.ToByteArray()))];
        var gossip = new PeerMessage
        {
            Transactions = new TransactionBatch
            {
                Transactions = { ByteString.CopyFrom(FuzzChain.Transfer(FuzzChain.Alice, 0)), ByteString.CopyFrom(FuzzChain.Transfer(FuzzChain.Alice, 1)) },
            },
        };
        yield return ("gossip", Frames(gossip));
        var badGossip = new PeerMessage { Transactions = new TransactionBatch { Transactions = { ByteString.CopyFromUtf8("not a transaction") } } };
        yield return ("gossip-malformed", Frames(badGossip));
        var messages = ConsensusRun.Messages(rounds: 2).Where(m => m.Sender == 1).Select(m => new PeerMessage { Consensus = m.Message }).ToArray();
        yield return ("consensus-from-validator-1", Frames(messages));
        yield return ("gossip-then-consensus", Frames([gossip, .. messages]));
        var hello = new PeerMessage { Hello = new Hello { ValidatorAddress = ByteString.CopyFrom(FuzzChain.ValidatorKeys[1].Address.ToArray()), HeadHeight = 3 } };
        yield return ("hello-then-gossip", Frames(hello, gossip));
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        return frame;
    }
}
