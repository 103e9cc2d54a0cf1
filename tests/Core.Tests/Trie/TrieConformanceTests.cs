using System.Text;
using System.Text.Json;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Tests.Rlp;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Core.Tests.Trie;

/// <summary>ethereum-tests TrieTests in Keccak-256 mode, plus a store round trip and proofs for every vector.</summary>
public class TrieConformanceTests
{
    public static TheoryData<string, string> Vectors
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var file in new[]
            {
                "trietest.json", "trietest_secureTrie.json", "trieanyorder.json", "trieanyorder_secureTrie.json",
                "hex_encoded_securetrie_test.json",
            })
            {
                foreach (var (name, _) in EthereumFixtures.Load("TrieTests/" + file))
                {
                    data.Add(file, name);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector_yields_the_expected_root(string file, string name)
    {
        var vector = EthereumFixtures.Get("TrieTests/" + file, name);
        var mode = file.Contains("secure", StringComparison.OrdinalIgnoreCase) ? TrieKeyMode.Secure : TrieKeyMode.Plain;
        var expected = Hash32.Parse(vector.GetProperty("root").GetString()!);
        var operations = Operations(vector.GetProperty("in"), hexEncoded: file.StartsWith("hex_", StringComparison.Ordinal));

        var store = new InMemoryTrieNodeStore();
        var trie = new MerklePatriciaTrie<Keccak256Hasher>(store, mode);
        foreach (var (key, value) in operations)
        {
            trie.Set(key, value ?? []);
        }
        Assert.Equal(expected, trie.ComputeRoot());

        // The same contents through the store: committed, reopened lazily, every key proven.
        var batch = store.CreateBatch();
        Assert.Equal(expected, trie.Commit(batch));
        batch.Apply();
        var reopened = new MerklePatriciaTrie<Keccak256Hasher>(store, mode, expected);
        var final = new Dictionary<string, byte[]?>();
        foreach (var (key, value) in operations)
        {
            final[Hex.Encode(key)] = value is { Length: > 0 } ? value : null;
        }
        foreach (var (keyHex, value) in final)
        {
            var key = Hex.Decode(keyHex);
            var proof = reopened.GetProof(key);
            if (value is null)
            {
                Assert.False(reopened.TryGet(key, out _));
                Assert.True(TrieProof.VerifyAbsence<Keccak256Hasher>(expected, key, proof, mode));
            }
            else
            {
                Assert.True(reopened.TryGet(key, out var stored));
                Assert.Equal(Hex.Encode(value), Hex.Encode(stored));
                Assert.True(TrieProof.VerifyInclusion<Keccak256Hasher>(expected, key, value, proof, mode));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Any_order_vector_yields_the_same_root_in_every_order(string file, string name)
    {
        if (!file.StartsWith("trieanyorder", StringComparison.Ordinal) && !file.StartsWith("hex_", StringComparison.Ordinal))
        {
            return;
        }
        var vector = EthereumFixtures.Get("TrieTests/" + file, name);
        var mode = file.Contains("secure", StringComparison.OrdinalIgnoreCase) ? TrieKeyMode.Secure : TrieKeyMode.Plain;
        var expected = Hash32.Parse(vector.GetProperty("root").GetString()!);
        var operations = Operations(vector.GetProperty("in"), hexEncoded: file.StartsWith("hex_", StringComparison.Ordinal));
        const int seed = 5;
        var random = new Random(seed);
        for (var round = 0; round < 10; round++)
        {
            var order = operations.OrderBy(_ => random.Next()).ToList();
            var trie = new MerklePatriciaTrie<Keccak256Hasher>(new InMemoryTrieNodeStore(), mode);
            foreach (var (key, value) in order)
            {
                trie.Set(key, value!);
            }
            Assert.True(expected == trie.ComputeRoot(), $"order {round} of seed {seed} gave another root");
        }
    }

    public static TheoryData<string> NextPreviousNames => EthereumFixtures.Names("TrieTests/trietestnextprev.json");

    [Theory]
    [MemberData(nameof(NextPreviousNames))]
    public void Ordered_walk_gives_the_expected_neighbours(string name)
    {
        var vector = EthereumFixtures.Get("TrieTests/trietestnextprev.json", name);
        var trie = new MerklePatriciaTrie<Keccak256Hasher>(new InMemoryTrieNodeStore(), TrieKeyMode.Plain);
        foreach (var key in vector.GetProperty("in").EnumerateArray())
        {
            var bytes = Encoding.UTF8.GetBytes(key.GetString()!);
            trie.Set(bytes, bytes);
        }
        var keys = trie.ToList().Select(pair => Encoding.UTF8.GetString(pair.Key)).ToList();
        foreach (var test in vector.GetProperty("tests").EnumerateArray())
        {
            var probe = test[0].GetString()!;
            var previous = keys.LastOrDefault(k => string.CompareOrdinal(k, probe) < 0) ?? "";
            var next = keys.FirstOrDefault(k => string.CompareOrdinal(k, probe) > 0) ?? "";
            Assert.Equal(test[1].GetString(), previous);
            Assert.Equal(test[2].GetString(), next);
        }
    }

    private static List<(byte[] Key, byte[]? Value)> Operations(JsonElement input, bool hexEncoded)
    {
        var result = new List<(byte[], byte[]?)>();
        if (input.ValueKind == JsonValueKind.Array)
        {
            foreach (var pair in input.EnumerateArray())
            {
                result.Add((Bytes(pair[0], hexEncoded)!, Bytes(pair[1], hexEncoded)));
            }
        }
        else
        {
            foreach (var property in input.EnumerateObject())
            {
                result.Add((Text(property.Name, hexEncoded), Bytes(property.Value, hexEncoded)));
            }
        }
        return result;
    }

    private static byte[]? Bytes(JsonElement element, bool hexEncoded) =>
        element.ValueKind == JsonValueKind.Null ? null : Text(element.GetString()!, hexEncoded);

    // Strings starting with 0x are hex in these files; hex_encoded_securetrie_test is all hex.
    private static byte[] Text(string text, bool hexEncoded) =>
        hexEncoded || text.StartsWith("0x", StringComparison.Ordinal) ? Hex.Decode(text) : Encoding.UTF8.GetBytes(text);
}
