using Google.Protobuf;
using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>Engines connected by an instant, lossless FIFO network, for tests that need many rounds quickly.</summary>
internal sealed class LockstepNetwork
{
    private readonly Queue<(int Target, ConsensusEvent Event)> _queue = new();
    private long _now;

    public LockstepNetwork(IEnumerable<ConsensusCore> engines)
    {
        Engines = [.. engines];
        for (var i = 0; i < Engines.Length; i++)
        {
            _queue.Enqueue((i, new Started(0)));
        }
    }

    public ConsensusCore[] Engines { get; }

    public List<(int Node, ConsensusAction Action)> Log { get; } = [];

    public void Deliver(int node, ConsensusEvent ev) => _queue.Enqueue((node, ev));

    public long Now => _now;

    /// <summary>Runs until the condition holds; fails after the step budget.</summary>
    public void RunUntil(Func<bool> done, int maxSteps = 200_000)
    {
        for (var step = 0; step < maxSteps && !done(); step++)
        {
            if (!_queue.TryDequeue(out var item))
            {
                throw new InvalidOperationException("network went idle");
            }
            _now++;
            foreach (var action in Engines[item.Target].Handle(item.Event))
            {
                Log.Add((item.Target, action));
                Execute(item.Target, action);
            }
        }
        if (!done())
        {
            throw new InvalidOperationException("condition not reached");
        }
    }

    private void Execute(int node, ConsensusAction action)
    {
        switch (action)
        {
            case BroadcastMessage b:
                for (var i = 0; i < Engines.Length; i++)
                {
                    if (i != node)
                    {
                        _queue.Enqueue((i, new MessageReceived(_now, node, b.Message)));
                    }
                }
                break;
            case SendMessage s when s.Validator < Engines.Length:
                _queue.Enqueue((s.Validator, new MessageReceived(_now, node, s.Message)));
                break;
            case SaveSafetyRecord save:
                _queue.Enqueue((node, new SafetyRecordSaved(_now, save.Sequence)));
                break;
            case BuildBlock build:
                var header = new BlockHeader
                {
                    ChainId = SimKeys.ChainId,
                    Height = build.Height,
                    Round = build.Round,
                    ParentHash = ByteString.CopyFrom(build.ParentHash.ToArray()),
                    Proposer = ByteString.CopyFrom(build.Proposer.ToArray()),
                    TimestampMs = (ulong)_now,
                    ValidatorSetHash = ByteString.CopyFrom(build.ValidatorSetHash.ToArray()),
                    NextValidatorSetHash = ByteString.CopyFrom(build.NextSetHash.ToArray()),
                    ParentQc = build.ParentQc,
                    Epoch = build.Epoch,
                };
                IReadOnlyList<ByteString> txs = build.EpochSuffix ? [] : [ByteString.CopyFromUtf8($"tx-{build.Height}")];
                _queue.Enqueue((node, new BlockBuilt(_now, build.Round, header.ToByteString(), txs)));
                break;
        }
    }
}
