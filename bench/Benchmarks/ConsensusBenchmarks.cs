using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// The consensus engine alone on an in-process network of n validators with instant, lossless delivery: every
/// message is handled by every engine, with real signing and signature verification (ed25519-sha256). One operation
/// is one round of the leader's view (proposal, n votes, QC, commit); time and allocations are per round.
/// </summary>
[MemoryDiagnoser]
public class ConsensusBenchmarks
{
    private const int RoundsPerInvoke = 20;

    private ConsensusCore[] _engines = [];
    private readonly Queue<(int Target, int Sender, ConsensusEvent Event)> _queue = new();
    private long _now;

    [Params(4, 16)]
    public int Validators { get; set; }

    public ulong CommittedHeight => _engines[0].CommittedHeight;

    [GlobalSetup]
    public void Setup()
    {
        var suite = CryptoSuite.Ed25519Sha256;
        var keys = Enumerable.Range(0, Validators)
            .Select(i => SHA256.HashData(Encoding.UTF8.GetBytes($"bench-validator-{i}")))
            .ToArray();
        var set = ValidatorSet.FromPublicKeys(suite, keys.Select(k => suite.DerivePublicKey(k)));
        var genesis = suite.Hash("bench-genesis"u8);
        _engines = [.. Enumerable.Range(0, Validators).Select(i => new ConsensusCore(
            new ConsensusConfig
            {
                ChainId = "bench",
                Suite = suite,
                Validators = set,
                GenesisHash = genesis,
                SelfIndex = i,
                PrivateKey = keys[i],
            },
            null,
            StartMode.Genesis))];
        for (var i = 0; i < _engines.Length; i++)
        {
            _queue.Enqueue((i, i, new Started(0)));
        }
        Pump(untilRound: 3);
    }

    [Benchmark(OperationsPerInvoke = RoundsPerInvoke)]
    public ulong Rounds()
    {
        Pump(_engines[0].Round + RoundsPerInvoke);
        return _engines[0].CommittedHeight;
    }

    private void Pump(ulong untilRound)
    {
        while (_engines[0].Round < untilRound && _queue.TryDequeue(out var item))
        {
            _now++;
            var actions = _engines[item.Target].Handle(item.Event);
            foreach (var action in actions)
            {
                Execute(item.Target, action);
            }
        }
        if (_engines[0].Round < untilRound)
        {
            throw new InvalidOperationException("the benchmark network stalled");
        }
    }

    private void Execute(int node, ConsensusAction action)
    {
        switch (action)
        {
            case BroadcastMessage b:
                for (var i = 0; i < _engines.Length; i++)
                {
                    if (i != node)
                    {
                        _queue.Enqueue((i, node, new MessageReceived(_now, node, b.Message)));
                    }
                }
                break;
            case SendMessage s:
                _queue.Enqueue((s.Validator, node, new MessageReceived(_now, node, s.Message)));
                break;
            case SaveSafetyRecord save:
                _queue.Enqueue((node, node, new SafetyRecordSaved(_now, save.Sequence)));
                break;
            case BuildBlock build:
                var header = new BlockHeader
                {
                    ChainId = "bench",
                    Height = build.Height,
                    Round = build.Round,
                    ParentHash = ByteString.CopyFrom(build.ParentHash.ToArray()),
                    Proposer = ByteString.CopyFrom(build.Proposer.ToArray()),
                    TimestampMs = (ulong)_now,
                    ValidatorSetHash = ByteString.CopyFrom(build.ValidatorSetHash.ToArray()),
                    ParentQc = build.ParentQc,
                    Epoch = build.Epoch,
                };
                _queue.Enqueue((node, node, new BlockBuilt(_now, build.Round, header.ToByteString(), [])));
                break;
        }
    }
}
