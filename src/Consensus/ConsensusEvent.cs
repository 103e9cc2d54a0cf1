using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>Something that happened to the node; every event carries the node's clock reading in milliseconds.</summary>
public abstract record ConsensusEvent(long NowMs);

/// <summary>The engine starts (after construction): it enters its round and arms the round timer.</summary>
public sealed record Started(long NowMs) : ConsensusEvent(NowMs);

/// <summary>A consensus message arrived from the peer that is validator <paramref name="Sender"/> (-1 if unknown).</summary>
public sealed record MessageReceived(long NowMs, int Sender, ConsensusMessage Message) : ConsensusEvent(NowMs);

/// <summary>A timer set by <see cref="SetTimer"/> expired.</summary>
public sealed record TimerFired(long NowMs, ulong Round) : ConsensusEvent(NowMs);

/// <summary>The record of the <see cref="SaveSafetyRecord"/> with this sequence number (and all before) is durable.</summary>
public sealed record SafetyRecordSaved(long NowMs, ulong Sequence) : ConsensusEvent(NowMs);

/// <summary>The node built the block asked for by <see cref="BuildBlock"/>: serialized header and transactions.</summary>
public sealed record BlockBuilt(long NowMs, ulong Round, ByteString Header, IReadOnlyList<ByteString> Transactions,
    IReadOnlyList<EquivocationEvidence>? Evidence = null) : ConsensusEvent(NowMs);

/// <summary>A block asked for by <see cref="FetchBlock"/> (or any block the node obtained) is available.</summary>
public sealed record BlockAvailable(long NowMs, ByteString Header, IReadOnlyList<ByteString> Transactions,
    IReadOnlyList<EquivocationEvidence>? Evidence = null) : ConsensusEvent(NowMs);

/// <summary>
/// Executing the committed block at <paramref name="CommittedHeight"/> changed the validator set (governance). The
/// change is checked (<see cref="ValidatorSetChange"/>) and, if accepted, applied at the epoch boundary.
/// </summary>
/// <remarks>
/// <paramref name="LastHeightOfEpoch"/>: the last height of the current epoch as the committed decision fixed it (the
/// node reads it from the governance record, so engine and state never compute it apart); 0 lets the engine compute
/// it from <see cref="ConsensusConfig.EpochLength"/>. Deliver it before any other event after the
/// <see cref="CommitBlocks"/> that committed the deciding block: the engine caps each commit step at the second epoch
/// boundary above its committed root, which keeps it from committing past the epoch's last height only if it hears of
/// the change before its next step (a change whose last height is exactly the committed root ends the epoch at once).
/// </remarks>
public sealed record ValidatorSetChangeCommitted(long NowMs, ulong CommittedHeight, IReadOnlyList<Validator> Next, bool Force,
    ulong LastHeightOfEpoch = 0) : ConsensusEvent(NowMs);
