using System.Collections.Concurrent;
using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Chain.Blocks;

/// <summary>A block whose payload this node has checked (a proposal, its own block, or a fetched one), not yet committed.</summary>
public sealed class PendingBlock(SealedBlock block, IReadOnlyList<VerifiedTransaction> transactions)
{
    public SealedBlock Block { get; } = block;

    public Hash32 Hash => Block.Hash;

    public ulong Height => Block.Height;

    public Hash32 ParentHash { get; } = new(block.Header.ParentHash.Span);

    public IReadOnlyList<VerifiedTransaction> Transactions { get; } = transactions;

    public ByteString HeaderBytes => Block.Block.Header;

    public IReadOnlyList<ByteString> TransactionBytes => Block.Block.Transactions;
}

/// <summary>
/// How many pending blocks peers can make a node hold (and execute ahead) before any of them is committed: per peer
/// (the link's node key) and from all peers together, in blocks and in bytes. A validator's own blocks and blocks the
/// engine fetched by a certified hash are not counted: they are bound by certificates, not by what a peer chose to send.
/// </summary>
public sealed record PendingBlockLimits(int BlocksPerPeer, long BytesPerPeer, int BlocksFromPeers, long BytesFromPeers)
{
    /// <summary>
    /// 32 blocks and 128 MiB per peer, 256 blocks and 512 MiB from all peers. An honest leader has one or two proposals
    /// pending in the steady state (a block commits two rounds after it is proposed), so a peer reaches its share only by
    /// flooding; one peer's flood cannot use the whole node's share.
    /// </summary>
    public static readonly PendingBlockLimits Default = new(32, 128L << 20, 256, 512L << 20);
}

/// <summary>Whether a peer's block was taken into <see cref="PendingBlocks"/>, and if not, which bound refused it.</summary>
public enum PendingAdmission
{
    Added,
    AlreadyPending,
    PeerShareFull,
    AllPeersShareFull,
}

/// <summary>
/// Blocks in consensus that are not committed yet, by hash: filled when a payload passes validation, read by the
/// engine's fetches, by peers' GetBlockByHash and by execution; pruned as the chain commits. Blocks that came from a peer's
/// proposal are counted against that peer and against all peers (<see cref="PendingBlockLimits"/>): a hostile peer's flood
/// of valid-looking proposals costs the node a bounded amount of memory and execution.
/// </summary>
public sealed class PendingBlocks(PendingBlockLimits? limits = null)
{
    private sealed record Entry(PendingBlock Block, string? Source, long Bytes);

    private readonly ConcurrentDictionary<Hash32, Entry> _blocks = new();
    // Mutations take the gate so that the per-peer counts always match the entries; reads of blocks do not.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Blocks, long Bytes)> _bySource = [];
    private int _fromPeers;
    private long _bytesFromPeers;

    public PendingBlockLimits Limits { get; } = limits ?? PendingBlockLimits.Default;

    public int Count => _blocks.Count;

    /// <summary>Pending blocks that came from peers' proposals.</summary>
    public int FromPeers
    {
        get
        {
            lock (_gate)
            {
                return _fromPeers;
            }
        }
    }

    /// <summary>Bytes (header, transactions, evidence) of the pending blocks that came from peers' proposals.</summary>
    public long BytesFromPeers
    {
        get
        {
            lock (_gate)
            {
                return _bytesFromPeers;
            }
        }
    }

    /// <summary>Pending blocks held for one peer.</summary>
    public int HeldFor(string source)
    {
        lock (_gate)
        {
            return _bySource.GetValueOrDefault(source).Blocks;
        }
    }

    /// <summary>Whether a block from <paramref name="source"/> could be taken now (checked before the costly validation).</summary>
    public bool HasRoomFor(string source)
    {
        lock (_gate)
        {
            return _bySource.GetValueOrDefault(source).Blocks < Limits.BlocksPerPeer && _fromPeers < Limits.BlocksFromPeers;
        }
    }

    /// <summary>A block this node built, or fetched by a hash a certificate names: not counted against any peer.</summary>
    public void Add(PendingBlock block)
    {
        lock (_gate)
        {
            _blocks.TryAdd(block.Hash, new Entry(block, null, 0));
        }
    }

    /// <summary>A block from <paramref name="source"/>'s proposal, taken only within that peer's share and all peers' share.</summary>
    public PendingAdmission TryAddFromPeer(PendingBlock block, string source)
    {
        lock (_gate)
        {
            if (_blocks.ContainsKey(block.Hash))
            {
                return PendingAdmission.AlreadyPending;
            }
            var bytes = (long)block.Block.Block.CalculateSize();
            var held = _bySource.GetValueOrDefault(source);
            if (held.Blocks >= Limits.BlocksPerPeer || held.Bytes + bytes > Limits.BytesPerPeer)
            {
                return PendingAdmission.PeerShareFull;
            }
            if (_fromPeers >= Limits.BlocksFromPeers || _bytesFromPeers + bytes > Limits.BytesFromPeers)
            {
                return PendingAdmission.AllPeersShareFull;
            }
            _blocks[block.Hash] = new Entry(block, source, bytes);
            _bySource[source] = (held.Blocks + 1, held.Bytes + bytes);
            _fromPeers++;
            _bytesFromPeers += bytes;
            return PendingAdmission.Added;
        }
    }

    public bool TryGet(Hash32 hash, out PendingBlock block)
    {
        if (_blocks.TryGetValue(hash, out var entry))
        {
            block = entry.Block;
            return true;
        }
        block = null!;
        return false;
    }

    /// <summary>
    /// Forgets every block at or below <paramref name="committedHeight"/> and returns those that were not committed
    /// (another branch won): their transactions go back to the proposable set.
    /// </summary>
    public List<PendingBlock> PruneAtOrBelow(ulong committedHeight, IReadOnlySet<Hash32> committed)
    {
        var abandoned = new List<PendingBlock>();
        lock (_gate)
        {
            foreach (var (hash, entry) in _blocks)
            {
                if (entry.Block.Height <= committedHeight && _blocks.TryRemove(hash, out _))
                {
                    Release(entry);
                    if (!committed.Contains(hash))
                    {
                        abandoned.Add(entry.Block);
                    }
                }
            }
        }
        return abandoned;
    }

    public void Clear()
    {
        lock (_gate)
        {
            _blocks.Clear();
            _bySource.Clear();
            _fromPeers = 0;
            _bytesFromPeers = 0;
        }
    }

    private void Release(Entry entry)
    {
        if (entry.Source is not { } source)
        {
            return;
        }
        var held = _bySource[source];
        if (held.Blocks == 1)
        {
            _bySource.Remove(source);
        }
        else
        {
            _bySource[source] = (held.Blocks - 1, held.Bytes - entry.Bytes);
        }
        _fromPeers--;
        _bytesFromPeers -= entry.Bytes;
    }
}
