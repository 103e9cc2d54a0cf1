using Google.Protobuf;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Fuzz.Targets;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz;

/// <summary>
/// Four engines of the fuzz chain run in lockstep (every message delivered at once, every record saved at once) to record
/// the messages honest validators send: the consensus and peer-frame targets' seeds.
/// </summary>
internal static class ConsensusRun
{
    public static List<(int Sender, ConsensusMessage Message)> Messages(int rounds)
    {
        var engines = Enumerable.Range(0, 4).Select(ConsensusMessageTarget.NewEngine).ToArray();
        var sent = new List<(int, ConsensusMessage)>();
        var queue = new Queue<(int Engine, ConsensusEvent Event)>();
        var now = 0L;
        for (var i = 0; i < engines.Length; i++)
        {
            queue.Enqueue((i, new Started(0)));
        }
        while (queue.Count > 0 && sent.Count < 200)
        {
            var (index, ev) = queue.Dequeue();
            foreach (var action in engines[index].Handle(ev))
            {
                switch (action)
                {
                    case BroadcastMessage b:
                        sent.Add((index, b.Message));
                        for (var j = 0; j < engines.Length; j++)
                        {
                            if (j != index)
                            {
                                queue.Enqueue((j, new MessageReceived(++now, index, b.Message)));
                            }
                        }
                        break;
                    case SendMessage s:
                        sent.Add((index, s.Message));
                        queue.Enqueue((s.Validator, new MessageReceived(++now, index, s.Message)));
                        break;
                    case SaveSafetyRecord save:
                        queue.Enqueue((index, new SafetyRecordSaved(++now, save.Sequence)));
                        break;
                    case BuildBlock build when build.Round <= (ulong)rounds:
                        queue.Enqueue((index, Built(build, ++now)));
                        break;
                }
            }
        }
        return sent;
    }

    /// <summary>Round 1 times out on every validator: their signed timeouts.</summary>
    public static List<(int Sender, ConsensusMessage Message)> Timeouts()
    {
        var sent = new List<(int, ConsensusMessage)>();
        for (var i = 0; i < 4; i++)
        {
            var engine = ConsensusMessageTarget.NewEngine(i);
            engine.Handle(new Started(0));
            var pending = engine.Handle(new TimerFired(10_000, 1)).ToList();
            for (var step = 0; step < 4 && pending.Count > 0; step++)
            {
                var next = new List<ConsensusAction>();
                foreach (var action in pending)
                {
                    if (action is BroadcastMessage { Message.Timeout: not null } b)
                    {
                        sent.Add((i, b.Message));
                    }
                    else if (action is SaveSafetyRecord save)
                    {
                        next.AddRange(engine.Handle(new SafetyRecordSaved(10_001, save.Sequence)));
                    }
                }
                pending = next;
            }
        }
        return sent;
    }

    /// <summary>Validator 0 votes for two blocks in round 1.</summary>
    public static ConsensusMessage DoubleVoteEvidence()
    {
        Vote VoteFor(byte fill)
        {
            var hash = new Hash32(Enumerable.Repeat(fill, Hash32.Size).ToArray());
            return new Vote
            {
                Epoch = ChainEpochs.First,
                Round = 1,
                Height = 1,
                BlockHash = ByteString.CopyFrom(hash.ToArray()),
                ValidatorIndex = 0,
                Signature = ByteString.CopyFrom(FuzzChain.Certificates.SignVote(FuzzChain.ValidatorKeys[0].ExportPrivateKey(), 1, 1, hash)),
            };
        }
        return new ConsensusMessage
        {
            Evidence = new EquivocationEvidence { DoubleVote = new DoubleVote { First = VoteFor(1), Second = VoteFor(2) } },
        };
    }

    private static BlockBuilt Built(BuildBlock request, long now)
    {
        var setHash = ByteString.CopyFrom(request.ValidatorSetHash.ToArray());
        var transactions = new[] { ByteString.CopyFrom(FuzzChain.Transfer(FuzzChain.Alice, request.Height - 1)) };
        var header = new BlockHeader
        {
            ChainId = FuzzChain.ChainId,
            Epoch = request.Epoch,
            Height = request.Height,
            Round = request.Round,
            ParentHash = ByteString.CopyFrom(request.ParentHash.ToArray()),
            Proposer = ByteString.CopyFrom(request.Proposer.ToArray()),
            TimestampMs = FuzzChain.GenesisTimeMs + (ulong)now,
            TxRoot = ByteString.CopyFrom(Core.Merkle.BinaryMerkleTree.ComputeRoot(FuzzChain.Suite, [FuzzChain.Suite.Hash(transactions[0].Span)]).ToArray()),
            StateRootOfParent = ByteString.CopyFrom(FuzzChain.Head.Tip.StateRoot.ToArray()),
            ReceiptsRootOfParent = ByteString.CopyFrom(FuzzChain.Head.Tip.ReceiptsRoot.ToArray()),
            ValidatorSetHash = setHash,
            NextValidatorSetHash = setHash,
            ParentQc = request.ParentQc,
        };
        return new BlockBuilt(now, request.Round, header.ToByteString(), transactions);
    }
}
