using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus;

/// <summary>A block the engine knows, with the consensus fields of its header decoded.</summary>
internal sealed class BlockNode
{
    public required Hash32 Hash { get; init; }

    public required ulong Height { get; init; }

    public required ulong Round { get; init; }

    public required Hash32 Parent { get; init; }

    public required int ProposerIndex { get; init; }

    public required ByteString Header { get; init; }

    public required IReadOnlyList<ByteString> Transactions { get; init; }

    public IReadOnlyList<EquivocationEvidence> Evidence { get; init; } = [];

    /// <summary>QC certifying the parent (from the header), null for the root.</summary>
    public QuorumCertificate? ParentQc { get; init; }

    /// <summary>A QC certifying this block, once known.</summary>
    public QuorumCertificate? Qc { get; set; }

    public CommittedBlock ToCommitted() => new()
    {
        Block = new Block { Header = Header, Transactions = { Transactions }, Evidence = { Evidence } },
        Certificate = Qc,
    };
}

/// <summary>
/// The uncommitted blocks above the last committed block (the root). Blocks are only inserted when their parent
/// is present, so every node descends from the root or from a block that conflicts with it (dropped on commit).
/// </summary>
internal sealed class BlockTree
{
    private readonly Dictionary<Hash32, BlockNode> _blocks = [];

    public BlockTree(BlockNode root)
    {
        Root = root;
        _blocks[root.Hash] = root;
    }

    public BlockNode Root { get; private set; }

    public int Count => _blocks.Count;

    public bool TryGet(Hash32 hash, out BlockNode node) => _blocks.TryGetValue(hash, out node!);

    public bool Contains(Hash32 hash) => _blocks.ContainsKey(hash);

    public void Add(BlockNode node) => _blocks[node.Hash] = node;

    /// <summary>True when <paramref name="hash"/> is the root or descends from it through known blocks.</summary>
    public bool ExtendsRoot(Hash32 hash)
    {
        while (_blocks.TryGetValue(hash, out var node))
        {
            if (node.Hash == Root.Hash)
            {
                return true;
            }
            if (node.Height <= Root.Height)
            {
                return false;
            }
            hash = node.Parent;
        }
        return false;
    }

    /// <summary>
    /// The uncommitted ancestors of <paramref name="target"/> from just above the root up to the target, or null
    /// with the first missing block when the chain is incomplete, or empty when it does not extend the root.
    /// </summary>
    public List<BlockNode>? PathFromRoot(Hash32 target, out Hash32 missing)
    {
        missing = default;
        var path = new List<BlockNode>();
        var hash = target;
        while (true)
        {
            if (hash == Root.Hash)
            {
                path.Reverse();
                return path;
            }
            if (!_blocks.TryGetValue(hash, out var node))
            {
                missing = hash;
                return null;
            }
            if (node.Height <= Root.Height)
            {
                return [];
            }
            path.Add(node);
            hash = node.Parent;
        }
    }

    /// <summary>Makes <paramref name="newRoot"/> the root and forgets every block at or below its height but the root.</summary>
    public void Commit(BlockNode newRoot)
    {
        Root = newRoot;
        List<Hash32>? stale = null;
        foreach (var (hash, node) in _blocks)
        {
            if (node.Height <= newRoot.Height && hash != newRoot.Hash)
            {
                (stale ??= []).Add(hash);
            }
        }
        if (stale is not null)
        {
            foreach (var hash in stale)
            {
                _blocks.Remove(hash);
            }
        }
    }
}
