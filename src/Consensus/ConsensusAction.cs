using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>Something the engine asks the node to do; actions of one Handle call are executed in order.</summary>
public abstract record ConsensusAction;

/// <summary>Send to every other validator.</summary>
public sealed record BroadcastMessage(ConsensusMessage Message) : ConsensusAction;

/// <summary>Send to one validator.</summary>
public sealed record SendMessage(int Validator, ConsensusMessage Message) : ConsensusAction;

/// <summary>
/// Save the record durably (fsync) through the safety-record store, then report <see cref="SafetyRecordSaved"/>
/// with the same sequence number. Votes and timeouts that depend on it are held back until then.
/// </summary>
public sealed record SaveSafetyRecord(SafetyRecord Record, ulong Sequence) : ConsensusAction;

/// <summary>Deliver <see cref="TimerFired"/> for this round at (or after) the given time; replaces earlier timers.</summary>
public sealed record SetTimer(ulong Round, long DeadlineMs) : ConsensusAction;

/// <summary>
/// These blocks are final, oldest first, each with a QC over it. <paramref name="CommitProof"/> certifies the child
/// of the last block, proposed in the round right after it: with the last block's QC it is the two-chain proof. When
/// the commit stops below the block the two-chain made final (at the end of an epoch, where that block is a suffix
/// block; or when one step is capped below an epoch boundary) the proof certifies a block whose parent, one round
/// older, descends from the last block, which is final as its ancestor.
/// </summary>
public sealed record CommitBlocks(IReadOnlyList<CommittedBlock> Blocks, QuorumCertificate CommitProof) : ConsensusAction;

/// <summary>Obtain the block with this hash (from the store or from peers) and report it with <see cref="BlockAvailable"/>.</summary>
public sealed record FetchBlock(Hash32 BlockHash, int PreferredValidator) : ConsensusAction;

/// <summary>
/// This node leads <paramref name="Round"/>: build a block with exactly these consensus fields (plus the node's own
/// transactions, timestamp and roots) and report it with <see cref="BlockBuilt"/>. An <paramref name="EpochSuffix"/>
/// block lies beyond the last height of an ending epoch: it must carry no transactions and is never committed.
/// </summary>
public sealed record BuildBlock(
    ulong Epoch,
    ulong Round,
    ulong Height,
    Hash32 ParentHash,
    QuorumCertificate ParentQc,
    Address Proposer,
    Hash32 ValidatorSetHash,
    bool EpochSuffix = false,
    Hash32 NextValidatorSetHash = default) : ConsensusAction
{
    /// <summary>The set that signs the height after this block: the next epoch's from the epoch's last height on.</summary>
    public Hash32 NextSetHash => NextValidatorSetHash.IsZero ? ValidatorSetHash : NextValidatorSetHash;
}

/// <summary>Verified equivocation by a validator: gossip it, include it in a block and count it.</summary>
public sealed record EvidenceFound(EquivocationEvidence Evidence, int Validator) : ConsensusAction;

/// <summary>A validator-set change was refused (empty set, duplicates, or a third or more of the power without force).</summary>
public sealed record ValidatorSetChangeRefused(ulong CommittedHeight, ValidatorSetChangeVerdict Verdict) : ConsensusAction;

/// <summary>A validator-set change was accepted; it takes effect after the block at <paramref name="LastHeight"/>.</summary>
public sealed record ValidatorSetChangeScheduled(ulong LastHeight, ulong NextEpoch) : ConsensusAction;

/// <summary>
/// The epoch ended with the commit of <paramref name="LastBlock"/> (already reported by <see cref="CommitBlocks"/>).
/// The engine is finished; the node starts a new <see cref="ConsensusCore"/> with epoch <paramref name="NextEpoch"/>,
/// validator set <paramref name="NextValidators"/> and this block as its genesis block.
/// </summary>
public sealed record EpochEnded(ulong NextEpoch, ValidatorSet NextValidators, CommittedBlock LastBlock, Hash32 LastBlockHash, ulong LastHeight) : ConsensusAction;
