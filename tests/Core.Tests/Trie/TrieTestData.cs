using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Core.Tests.Trie;

/// <summary>Seeded trie contents for the properties.</summary>
internal static class TrieTestData
{
    /// <summary>
    /// Distinct keys with values. Plain keys are short and drawn from a few byte values so that they share prefixes and
    /// some are prefixes of others; values range from 1 byte (embedded nodes) to 40 (hash-referenced leaves).
    /// </summary>
    public static List<(byte[] Key, byte[] Value)> Contents(Random random, int count, TrieKeyMode mode)
    {
        byte[] alphabet = [0x00, 0x01, 0x10, 0x11, 0xab, 0xff];
        var seen = new HashSet<string>();
        var result = new List<(byte[], byte[])>();
        while (result.Count < count)
        {
            byte[] key;
            if (mode == TrieKeyMode.Secure)
            {
                key = new byte[random.Next(1, 33)];
                random.NextBytes(key);
            }
            else
            {
                key = new byte[random.Next(0, 6)];
                for (var i = 0; i < key.Length; i++)
                {
                    key[i] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
                }
            }
            if (seen.Add(Hex.Encode(key)))
            {
                result.Add((key, Value(random)));
            }
        }
        return result;
    }

    public static byte[] Value(Random random)
    {
        var value = new byte[random.Next(1, 41)];
        random.NextBytes(value);
        return value;
    }

    public static MerklePatriciaTrie<THasher> Build<THasher>(
        IEnumerable<(byte[] Key, byte[] Value)> contents, TrieKeyMode mode, InMemoryTrieNodeStore? store = null)
        where THasher : struct, IHasher
    {
        var trie = new MerklePatriciaTrie<THasher>(store ?? new InMemoryTrieNodeStore(), mode);
        foreach (var (key, value) in contents)
        {
            trie.Set(key, value);
        }
        return trie;
    }

    public static Hash32 CommitTo<THasher>(MerklePatriciaTrie<THasher> trie, InMemoryTrieNodeStore store)
        where THasher : struct, IHasher
    {
        var batch = store.CreateBatch();
        var root = trie.Commit(batch);
        batch.Apply();
        return root;
    }

    /// <summary>The store's contents as sorted "path=node" lines, to compare stores exactly.</summary>
    public static List<string> Snapshot(InMemoryTrieNodeStore store) =>
        [.. store.Nodes.Select(n => Hex.Encode(n.Key) + "=" + Hex.Encode(n.Value)).Order(StringComparer.Ordinal)];

    public static TrieKeyMode Mode(int seed) => (seed & 1) == 0 ? TrieKeyMode.Secure : TrieKeyMode.Plain;
}
