using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>One simulated process: an engine plus what its data dir would hold (saved record, committed chain, blocks).</summary>
internal sealed class SimNode(int id, int validator)
{
    public int Id { get; } = id;

    public int Validator { get; } = validator;

    public ConsensusCore? Engine { get; set; }

    public bool Alive { get; set; }

    /// <summary>Bumped on every crash, so events of a previous life are ignored.</summary>
    public int Incarnation { get; set; }

    public long TimerSerial { get; set; }

    public SafetyRecord? SavedRecord { get; set; }

    public List<CommittedBlock> Committed { get; } = [];

    public Dictionary<Hash32, (ByteString Header, IReadOnlyList<ByteString> Transactions)> Blocks { get; } = [];

    /// <summary>Committed height reached at the moment the network healed (null before that).</summary>
    public ulong? HeightAtHeal { get; set; }

    public ulong CommittedHeight { get; set; }
}
