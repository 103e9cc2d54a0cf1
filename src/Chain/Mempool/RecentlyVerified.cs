using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Chain.Mempool;

/// <summary>
/// Transactions whose stateless checks (encoding, chain id, fields, signature) this node has passed recently, by id,
/// so that one transaction reaching the node twice (in a proposal and by gossip, in either order, or by gossip after
/// it was committed) has its signature checked once. The id is the suite hash of the exact encoded bytes, signature
/// included, so a hit stands for the same bytes. Bounded: the oldest entries leave first. Thread-safe.
/// </summary>
internal sealed class RecentlyVerified(int capacity)
{
    private readonly object _lock = new();
    private readonly Dictionary<Hash32, VerifiedTransaction> _byId = [];
    private readonly Queue<Hash32> _order = new();

    public bool TryGet(Hash32 id, out VerifiedTransaction tx)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(id, out tx!);
        }
    }

    public void Add(VerifiedTransaction tx)
    {
        lock (_lock)
        {
            if (!_byId.TryAdd(tx.Id, tx))
            {
                return;
            }
            _order.Enqueue(tx.Id);
            while (_order.Count > capacity)
            {
                _byId.Remove(_order.Dequeue());
            }
        }
    }
}
