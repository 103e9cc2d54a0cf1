using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Consensus;

/// <summary>
/// The port through which the node keeps a validator's <see cref="SafetyRecord"/>. The consensus engine never
/// calls it: it emits a save action and waits for the node to report the save as durable before any vote or
/// timeout that depends on the record leaves. Implemented (synced to disk) in src/Storage.
/// </summary>
public interface ISafetyRecordStore
{
    /// <summary>The last saved record, or null when the data dir holds none (empty or new data dir).</summary>
    SafetyRecord? Load();

    /// <summary>Replaces the record and returns only once it is durable (fsynced); a crash after return never loses it.</summary>
    ValueTask SaveAsync(SafetyRecord record, CancellationToken cancellationToken);
}
