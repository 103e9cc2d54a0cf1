using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Consensus;

/// <summary>Static parameters of one engine instance: chain, epoch, validators, own key and timing policy.</summary>
public sealed class ConsensusConfig
{
    public required string ChainId { get; init; }

    public required CryptoSuite Suite { get; init; }

    public required ValidatorSet Validators { get; init; }

    public ulong Epoch { get; init; } = 1;

    /// <summary>Hash and height of the epoch's genesis block: the root every first block extends (its QC has round 0).</summary>
    public required Hash32 GenesisHash { get; init; }

    public ulong GenesisHeight { get; init; }

    /// <summary>This node's index in <see cref="Validators"/>, or -1 for a non-voting observer.</summary>
    public int SelfIndex { get; init; } = -1;

    /// <summary>This validator's private key in the suite's encoding (null for an observer).</summary>
    public byte[]? PrivateKey { get; init; }

    /// <summary>Round timeout after a round entered through a QC; doubled per consecutive timed-out round.</summary>
    public long BaseRoundTimeoutMs { get; init; } = 1000;

    /// <summary>Cap of the exponential round-timeout backoff.</summary>
    public long MaxRoundTimeoutMs { get; init; } = 8000;

    /// <summary>Skip leaders that recently failed to get their round's block committed.</summary>
    public bool LeaderReputation { get; init; } = true;

    /// <summary>Number of most recent committed blocks the reputation rule looks at.</summary>
    public int ReputationWindow { get; init; } = 20;

    /// <summary>Leader of round r is chosen from the committed history of rounds up to r - lag.</summary>
    public int ReputationLag { get; init; } = 2;

    /// <summary>
    /// After a start without a trustworthy safety record: how long (event time, from the first certificate
    /// seen) the node only listens before it may sign again, above every round it has then seen certified.
    /// </summary>
    public long RecoveryQuarantineMs { get; init; } = 24_000;

    /// <summary>Votes and timeouts for rounds further ahead than this are dropped rather than buffered.</summary>
    public ulong MaxFutureRounds { get; init; } = 2;

    /// <summary>
    /// Epoch boundaries are the multiples of this height. A validator-set change committed at height h takes effect
    /// at the second boundary after h, so every node has executed h long before the boundary is reached.
    /// </summary>
    public ulong EpochLength { get; init; } = 1000;

    public bool IsValidator => SelfIndex >= 0;
}

/// <summary>How the engine starts, which decides whether it may trust its safety record.</summary>
public enum StartMode
{
    /// <summary>The very first start of a new chain: no record exists and none is needed.</summary>
    Genesis,

    /// <summary>A restart with the record the node saved (it may trust it).</summary>
    Restart,

    /// <summary>
    /// A start on an empty, restored or otherwise untrusted data dir: the engine follows the chain but signs
    /// nothing until its recovery quarantine ends (docs/consensus.md, "Restarts").
    /// </summary>
    Recovery,
}
