using System.Collections.Concurrent;
using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Mempool;

/// <summary>
/// Equivocation evidence this node's engine verified (seen first hand or gossiped), waiting for a block: leaders put it
/// in their proposals (<see cref="Building.BlockBuilder"/>) until the governance record shows it recorded. Bounded: evidence
/// is rare, and a flood of it (only possible from many faulty validators) must not cost unbounded memory.
/// </summary>
public sealed class EvidencePool(CryptoSuite suite)
{
    /// <summary>Evidence items one block carries at most.</summary>
    public const int MaxPerBlock = 8;

    private const int Capacity = 256;

    private readonly ConcurrentDictionary<Hash32, EquivocationEvidence> _pending = new();

    public int Count => _pending.Count;

    /// <summary>Adds verified evidence; false when it is already waiting or the pool is full.</summary>
    public bool Add(EquivocationEvidence evidence) =>
        _pending.Count < Capacity && _pending.TryAdd(suite.Hash(evidence.ToByteArray()), evidence);

    /// <summary>Evidence of <paramref name="epoch"/> for a block, oldest round first; evidence of earlier epochs is dropped (a block only carries its own epoch's).</summary>
    public IReadOnlyList<EquivocationEvidence> ForBlock(ulong epoch, Func<EquivocationEvidence, bool> recorded)
    {
        var chosen = new List<EquivocationEvidence>();
        foreach (var (hash, evidence) in _pending.OrderBy(p => RoundOf(p.Value)).ThenBy(p => p.Key))
        {
            if (EpochOf(evidence) < epoch || recorded(evidence))
            {
                _pending.TryRemove(hash, out _);
            }
            else if (EpochOf(evidence) == epoch && chosen.Count < MaxPerBlock)
            {
                chosen.Add(evidence);
            }
        }
        return chosen;
    }

    /// <summary>Forgets evidence a block carried (on a chain without governance nothing records it, so once is enough).</summary>
    public void Forget(IEnumerable<EquivocationEvidence> evidence)
    {
        foreach (var item in evidence)
        {
            _pending.TryRemove(suite.Hash(item.ToByteArray()), out _);
        }
    }

    /// <summary>The header's evidence root: the binary Merkle root of the items' suite hashes; empty when there are none.</summary>
    public static ByteString RootOf(CryptoSuite suite, IReadOnlyList<EquivocationEvidence> evidence) =>
        evidence.Count == 0
            ? ByteString.Empty
            : ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(suite, evidence.Select(e => suite.Hash(e.ToByteArray())).ToList()).ToArray());

    public static ulong EpochOf(EquivocationEvidence evidence) => EvidenceFacts.Of(evidence)?.Epoch ?? 0;

    private static ulong RoundOf(EquivocationEvidence evidence) => EvidenceFacts.Of(evidence)?.Round ?? 0;
}
