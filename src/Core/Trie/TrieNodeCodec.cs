using System.Diagnostics.CodeAnalysis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;

namespace ShanghaiChain.Core.Trie;

/// <summary>
/// The Ethereum node encoding: a leaf is [hex-prefix(path, leaf), value], an extension [hex-prefix(path), child],
/// a branch [child0 .. child15, value]; a child is embedded when its encoding is under 32 bytes, otherwise its hash.
/// </summary>
internal static class TrieNodeCodec
{
    /// <summary>Longest nibble path a node may carry (keys are at most 127 bytes).</summary>
    public const int MaxNibbles = 254;

    private const int HashReferenceLength = Hash32.Size + 1;

    /// <summary>
    /// Encodes a node whose children already have their encodings, into <paramref name="reuse"/> when it has exactly
    /// the length needed (the caller guarantees nothing else holds it), else into a new array.
    /// </summary>
    public static byte[] Encode(TrieNode node, byte[]? reuse = null) => node switch
    {
        LeafNode leaf => EncodeShort(leaf.Path, isLeaf: true, leaf.Value, child: null, reuse),
        ExtensionNode extension => EncodeShort(extension.Path, isLeaf: false, value: null, extension.Child, reuse),
        BranchNode branch => EncodeBranch(branch, reuse),
        _ => throw new InvalidOperationException("a hash node has no encoding of its own"),
    };

    private static byte[] Allocate(int length, byte[]? reuse) => reuse is not null && reuse.Length == length ? reuse : new byte[length];

    private static byte[] EncodeShort(byte[] path, bool isLeaf, byte[]? value, TrieNode? child, byte[]? reuse)
    {
        Span<byte> hexPrefix = stackalloc byte[Nibbles.HexPrefixLength(path.Length)];
        Nibbles.WriteHexPrefix(path, isLeaf, hexPrefix);
        var payload = RlpCodec.LengthOfString(hexPrefix) + (isLeaf ? RlpCodec.LengthOfString(value) : ReferenceLength(child));
        var result = Allocate(RlpCodec.LengthOfList(payload), reuse);
        var writer = new RlpWriter(result);
        writer.WriteListHeader(payload);
        writer.WriteString(hexPrefix);
        if (isLeaf)
        {
            writer.WriteString(value);
        }
        else
        {
            WriteReference(ref writer, child);
        }
        return result;
    }

    private static byte[] EncodeBranch(BranchNode branch, byte[]? reuse)
    {
        var payload = branch.Value is null ? 1 : RlpCodec.LengthOfString(branch.Value);
        foreach (var child in branch.Children)
        {
            payload += ReferenceLength(child);
        }
        var result = Allocate(RlpCodec.LengthOfList(payload), reuse);
        var writer = new RlpWriter(result);
        writer.WriteListHeader(payload);
        foreach (var child in branch.Children)
        {
            WriteReference(ref writer, child);
        }
        writer.WriteString(branch.Value);
        return result;
    }

    private static int ReferenceLength(TrieNode? child) =>
        child is null ? 1 : child is HashNode || child.Encoded!.Length >= Hash32.Size ? HashReferenceLength : child.Encoded.Length;

    private static void WriteReference(ref RlpWriter writer, TrieNode? child)
    {
        if (child is null)
        {
            writer.WriteString([]);
        }
        else if (child is HashNode || child.Encoded!.Length >= Hash32.Size)
        {
            Span<byte> hash = stackalloc byte[Hash32.Size];
            child.Hash.WriteTo(hash);
            writer.WriteString(hash);
        }
        else
        {
            writer.WriteEncoded(child.Encoded);
        }
    }

    /// <summary>
    /// Decodes a stored node. Hash-referenced children become <see cref="HashNode"/>s, embedded ones are decoded in place.
    /// <paramref name="array"/>, when given, holds exactly <paramref name="encoded"/> and is kept as the node's encoding.
    /// </summary>
    public static bool TryDecode(byte[]? array, ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out TrieNode? node)
    {
        node = null;
        var outer = new RlpReader(encoded);
        if (!outer.TryReadList(out var items) || !outer.TryReadEnd())
        {
            return false;
        }
        if (!items.TryReadItem(out var first) || !items.TryReadItem(out var second))
        {
            return false;
        }
        if (!items.HasMore)
        {
            if (!TryString(first, out var hexPrefix))
            {
                return false;
            }
            Span<byte> path = stackalloc byte[MaxNibbles + 1];
            if (!Nibbles.TryReadHexPrefix(hexPrefix, path, out var count, out var isLeaf))
            {
                return false;
            }
            if (isLeaf)
            {
                if (!TryString(second, out var value) || value.IsEmpty)
                {
                    return false;
                }
                node = new LeafNode(path[..count].ToArray(), value.ToArray());
            }
            else
            {
                if (count == 0 || !TryDecodeReference(second, out var child) || child is null)
                {
                    return false;
                }
                node = new ExtensionNode(path[..count].ToArray(), child);
            }
        }
        else
        {
            var branch = new BranchNode();
            if (!TryDecodeReference(first, out branch.Children[0]) || !TryDecodeReference(second, out branch.Children[1]))
            {
                return false;
            }
            for (var i = 2; i < 16; i++)
            {
                if (!items.TryReadItem(out var item) || !TryDecodeReference(item, out branch.Children[i]))
                {
                    return false;
                }
            }
            if (!items.TryReadString(out var value) || !items.TryReadEnd())
            {
                return false;
            }
            branch.Value = value.IsEmpty ? null : value.ToArray();
            node = branch;
        }
        node.Encoded = array ?? encoded.ToArray();
        return true;
    }

    private static bool TryDecodeReference(ReadOnlySpan<byte> item, out TrieNode? child)
    {
        child = null;
        if (item[0] >= RlpCodec.EmptyList)
        {
            return item.Length < Hash32.Size && TryDecode(null, item, out child);
        }
        if (!TryString(item, out var content))
        {
            return false;
        }
        if (content.IsEmpty)
        {
            return true;
        }
        if (content.Length != Hash32.Size)
        {
            return false;
        }
        child = new HashNode(new Hash32(content));
        return true;
    }

    /// <summary>Reads one already delimited item as a byte string.</summary>
    public static bool TryString(ReadOnlySpan<byte> item, out ReadOnlySpan<byte> content)
    {
        var reader = new RlpReader(item);
        return reader.TryReadString(out content) && reader.TryReadEnd();
    }
}
