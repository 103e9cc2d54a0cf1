using Google.Protobuf;
using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>Builds engines of a four-validator chain and the blocks they ask for, for single-engine tests.</summary>
internal sealed class EngineHarness(CryptoSuite? suite = null)
{
    public CryptoSuite Suite { get; } = suite ?? CryptoSuite.Ed25519Sha256;

    public EpochVerifier Verifier => new(SimKeys.ChainId, Suite, SimKeys.ValidatorSet(Suite, 4), 1, SimKeys.GenesisHash(Suite), 0);

    public ConsensusConfig Config(int index) => new()
    {
        ChainId = SimKeys.ChainId,
        Suite = Suite,
        Validators = SimKeys.ValidatorSet(Suite, 4),
        GenesisHash = SimKeys.GenesisHash(Suite),
        SelfIndex = index,
        PrivateKey = SimKeys.For(Suite, index).Private,
        LeaderReputation = false,
    };

    public ConsensusCore Engine(int index, SafetyRecord? record = null, StartMode mode = StartMode.Genesis) =>
        new(Config(index), record, mode);

    public static BlockBuilt Build(BuildBlock request, long now = 0, string payload = "x")
    {
        var header = new BlockHeader
        {
            ChainId = SimKeys.ChainId,
            Height = request.Height,
            Round = request.Round,
            ParentHash = ByteString.CopyFrom(request.ParentHash.ToArray()),
            Proposer = ByteString.CopyFrom(request.Proposer.ToArray()),
            TimestampMs = (ulong)now,
            TxRoot = ByteString.CopyFromUtf8(payload),
            ValidatorSetHash = ByteString.CopyFrom(request.ValidatorSetHash.ToArray()),
            ParentQc = request.ParentQc,
            Epoch = request.Epoch,
        };
        return new BlockBuilt(now, request.Round, header.ToByteString(), [ByteString.CopyFromUtf8(payload)]);
    }

    /// <summary>Has validator 1 (the round-robin leader of round 1) propose the first block; returns the proposal.</summary>
    public Proposal FirstProposal(string payload = "x")
    {
        var leader = Engine(1);
        var build = leader.Handle(new Started(0)).OfType<BuildBlock>().Single();
        var actions = leader.Handle(Build(build, 0, payload));
        var save = actions.OfType<SaveSafetyRecord>().Single();
        var released = leader.Handle(new SafetyRecordSaved(1, save.Sequence));
        return released.OfType<BroadcastMessage>().Select(b => b.Message).Single(m => m.Proposal is not null).Proposal;
    }
}
