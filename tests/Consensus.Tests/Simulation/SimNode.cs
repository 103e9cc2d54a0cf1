using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>
/// One simulated process: an engine plus what its data dir would hold (saved record, committed chain, blocks).
/// <see cref="Validator"/> is the node's key (<see cref="SimKeys"/>); its index in a validator set is <see cref="SelfIndex"/>.
/// </summary>
internal sealed class SimNode(int id, int validator)
{
    public int Id { get; } = id;

    /// <summary>The key index (in the first epoch also the validator index).</summary>
    public int Validator { get; } = validator;

    public ConsensusCore? Engine { get; set; }

    /// <summary>True while the process runs (with an engine, or following the chain without one).</summary>
    public bool Alive { get; set; }

    /// <summary>Bumped on every crash and engine replacement, so events meant for a previous engine are ignored.</summary>
    public int Incarnation { get; set; }

    public long TimerSerial { get; set; }

    public SafetyRecord? SavedRecord { get; set; }

    /// <summary>The committed chain over all epochs: entry i is the block at height i + 1.</summary>
    public List<CommittedBlock> Committed { get; } = [];

    public List<Hash32> CommittedHashes { get; } = [];

    public Dictionary<Hash32, (ByteString Header, IReadOnlyList<ByteString> Transactions)> Blocks { get; } = [];

    /// <summary>Committed height reached at the moment the network healed (null before that).</summary>
    public ulong? HeightAtHeal { get; set; }

    public ulong CommittedHeight { get; set; }

    /// <summary>Epoch of the running engine, or of the committed head while following.</summary>
    public ulong Epoch { get; set; } = 1;

    /// <summary>Keys of that epoch's validators, by validator index.</summary>
    public IReadOnlyList<int> MemberKeys { get; set; } = [];

    /// <summary>This node's validator index in <see cref="Epoch"/>, or -1 when its key is not in the set.</summary>
    public int SelfIndex { get; set; } = -1;

    /// <summary>Signs and verifies for the running engine's epoch.</summary>
    public EpochVerifier? Verifier { get; set; }

    /// <summary>The scheduled validator-set change was handed to the running engine (once per engine, as the node does).</summary>
    public bool ChangeFed { get; set; }

    /// <summary>The engine is stopped while the node catches up by block sync.</summary>
    public bool CatchingUp { get; set; }

    /// <summary>A follow loop (block sync without an engine) is scheduled for this incarnation.</summary>
    public bool Following { get; set; }

    public Hash32 HashAt(ulong height) => CommittedHashes[(int)height - 1];

    /// <summary>Forgets the data dir (a restart from an empty one).</summary>
    public void Wipe()
    {
        SavedRecord = null;
        Committed.Clear();
        CommittedHashes.Clear();
        CommittedHeight = 0;
        Blocks.Clear();
    }
}
