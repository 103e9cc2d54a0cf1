using System.Diagnostics.CodeAnalysis;

namespace ShanghaiChain.Core.Trie;

/// <summary>A trie node store in a dictionary, for tests, benchmarks and throw-away tries (e.g. a block's receipts root).</summary>
public sealed class InMemoryTrieNodeStore : ITrieNodeStore
{
    private readonly Dictionary<byte[], byte[]> _nodes = new(ByteArrayComparer.Instance);

    public int Count => _nodes.Count;

    /// <summary>The stored nodes as (nibble path, encoding) pairs, in no particular order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Nodes => _nodes;

    public bool TryLoad(ReadOnlySpan<byte> nibblePath, [NotNullWhen(true)] out byte[]? encodedNode) =>
        _nodes.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(nibblePath, out encodedNode);

    public InMemoryTrieNodeBatch CreateBatch() => new(this);

    internal void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode) =>
        _nodes.GetAlternateLookup<ReadOnlySpan<byte>>()[nibblePath] = encodedNode;

    internal void Delete(ReadOnlySpan<byte> nibblePath) => _nodes.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(nibblePath);
}

/// <summary>Changes collected for an <see cref="InMemoryTrieNodeStore"/>; nothing is visible until <see cref="Apply"/>.</summary>
public sealed class InMemoryTrieNodeBatch(InMemoryTrieNodeStore store) : ITrieNodeWriteBatch
{
    private readonly List<(byte[] Path, byte[]? Node)> _operations = [];

    public int PutCount { get; private set; }

    public int DeleteCount { get; private set; }

    public void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode, byte[]? previous)
    {
        CheckPrevious(nibblePath, previous);
        _operations.Add((nibblePath.ToArray(), encodedNode));
        PutCount++;
    }

    public void Delete(ReadOnlySpan<byte> nibblePath, byte[] previous)
    {
        CheckPrevious(nibblePath, previous);
        _operations.Add((nibblePath.ToArray(), null));
        DeleteCount++;
    }

    // The trie's account of what it replaces is what history-keeping stores record instead of reading the store back;
    // here, where a lookup is cheap, it is checked (every trie test commits through this batch).
    private void CheckPrevious(ReadOnlySpan<byte> nibblePath, byte[]? previous)
    {
        var held = store.TryLoad(nibblePath, out var node) ? node : null;
        if (!(held is null ? previous is null : previous is not null && held.AsSpan().SequenceEqual(previous)))
        {
            throw new InvalidOperationException(
                $"the trie reported {(previous is null ? "no node" : "a different node")} as the one stored at path {Primitives.Hex.Encode(nibblePath)}");
        }
    }

    /// <summary>Writes the changes to the store, in order, and empties the batch.</summary>
    public void Apply()
    {
        foreach (var (path, node) in _operations)
        {
            if (node is null)
            {
                store.Delete(path);
            }
            else
            {
                store.Put(path, node);
            }
        }
        _operations.Clear();
    }
}
