using System.Text;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Core.Tests.Trie;

public class TrieStoreTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static (InMemoryTrieNodeStore Store, MerklePatriciaTrie<Sha256Hasher> Trie, Hash32 Root) Accounts(int count, int seed)
    {
        var random = new Random(seed);
        var store = new InMemoryTrieNodeStore();
        var trie = new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure);
        for (var i = 0; i < count; i++)
        {
            trie.Set(BitConverter.GetBytes(i), TrieTestData.Value(random));
        }
        var root = TrieTestData.CommitTo(trie, store);
        return (store, trie, root);
    }

    [Fact]
    public void Empty_trie_has_the_empty_root_and_proves_absence()
    {
        var trie = new MerklePatriciaTrie<Keccak256Hasher>(new InMemoryTrieNodeStore(), TrieKeyMode.Secure);
        var root = trie.ComputeRoot();

        Assert.Equal(Hash32.Parse("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"), root);
        Assert.True(TrieProof.VerifyAbsence<Keccak256Hasher>(root, Bytes("any"), trie.GetProof(Bytes("any")), TrieKeyMode.Secure));
    }

    [Fact]
    public void Commit_of_one_update_writes_only_the_nodes_on_its_path()
    {
        var (store, trie, _) = Accounts(5000, seed: 1);
        trie.Set(BitConverter.GetBytes(17), [1, 2, 3]);
        var batch = store.CreateBatch();
        trie.Commit(batch);

        // 5,000 hashed keys give about four branch levels above the leaves.
        Assert.InRange(batch.PutCount, 2, 6);
        Assert.Equal(0, batch.DeleteCount);
    }

    [Fact]
    public void Proofs_and_stored_nodes_are_not_changed_by_later_updates_that_reencode_their_nodes()
    {
        // Changed nodes are re-encoded into their old arrays when nothing else holds them; what the trie handed out
        // (proofs) and what the store keeps must never be among those.
        var (store, trie, root) = Accounts(300, seed: 3);
        var key = Bytes("account-7");
        var proofs = new List<(Hash32 Root, byte[][] Proof, string Value)>();
        var stored = TrieTestData.Snapshot(store);
        for (var round = 0; round < 5; round++)
        {
            var value = $"balance-{round}";
            trie.Set(key, Bytes(value));
            trie.Set(Bytes($"account-{round + 20}"), Bytes(value));
            proofs.Add((trie.ComputeRoot(), trie.GetProof(key), value));
        }
        foreach (var (atRoot, proof, value) in proofs)
        {
            Assert.Equal(TrieProofResult.Present, TrieProof.Verify<Sha256Hasher>(atRoot, key, proof, TrieKeyMode.Secure, out var proven));
            Assert.Equal(value, Encoding.UTF8.GetString(proven));
        }
        // Nothing was committed since the store was written: it holds exactly what it held, and still proves the old root.
        Assert.Equal(stored, TrieTestData.Snapshot(store));
        Assert.Equal(root, new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure).ComputeRoot());
    }

    [Fact]
    public void Commit_without_changes_writes_nothing()
    {
        var (store, trie, root) = Accounts(100, seed: 2);
        trie.Set(BitConverter.GetBytes(5), trie.TryGet(BitConverter.GetBytes(5), out var same) ? same : []);
        var batch = store.CreateBatch();

        Assert.Equal(root, trie.Commit(batch));
        Assert.Equal(0, batch.PutCount + batch.DeleteCount);
    }

    [Fact]
    public void Large_batch_hashed_in_parallel_matches_many_small_batches()
    {
        var random = new Random(3);
        var contents = TrieTestData.Contents(random, 5000, TrieKeyMode.Secure);
        var oneBatch = TrieTestData.Build<Sha256Hasher>(contents, TrieKeyMode.Secure).ComputeRoot();

        var store = new InMemoryTrieNodeStore();
        var incremental = new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure);
        foreach (var chunk in contents.Chunk(100))
        {
            foreach (var (key, value) in chunk)
            {
                incremental.Set(key, value);
            }
            TrieTestData.CommitTo(incremental, store);
        }
        Assert.Equal(oneBatch, incremental.ComputeRoot());
    }

    [Fact]
    public void Released_nodes_are_loaded_again_from_the_store()
    {
        var (store, trie, root) = Accounts(2000, seed: 4);
        trie.ReleaseCache(keepLevels: 0);
        var key = BitConverter.GetBytes(1234);

        Assert.True(trie.TryGet(key, out var value));
        Assert.True(TrieProof.VerifyInclusion<Sha256Hasher>(root, key, value, trie.GetProof(key), TrieKeyMode.Secure));
        trie.Set(key, [9]);
        var reopened = new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure, root);
        Assert.True(reopened.TryGet(key, out var stored) && stored.SequenceEqual(value));
    }

    [Fact]
    public void Release_walks_what_a_commit_visited_once_and_stray_loads_again()
    {
        var (store, trie, _) = Accounts(2000, seed: 6);
        trie.ReleaseCache(keepLevels: 2);
        var walks = trie.ReleaseWalks;

        // Changes since the commit are not releasable before the next one: no walk.
        trie.Set(BitConverter.GetBytes(7), [1, 2, 3]);
        trie.ReleaseCache(keepLevels: 2);
        Assert.Equal(walks, trie.ReleaseWalks);

        // Fewer kept levels than the last walk: walked again, and nothing is left below them.
        trie.ReleaseCache(keepLevels: 1);
        Assert.Equal(walks + 1, trie.ReleaseWalks);
        Assert.Equal(0, trie.CountReleasable(1));

        // A read loads nodes the next commit may not visit: walked, and dropped.
        Assert.True(trie.TryGet(BitConverter.GetBytes(1500), out _));
        Assert.True(trie.CountReleasable(1) > 0);
        trie.ReleaseCache(keepLevels: 1);
        Assert.Equal(walks + 2, trie.ReleaseWalks);
        Assert.Equal(0, trie.CountReleasable(1));

        // A new commit is walked once.
        TrieTestData.CommitTo(trie, store);
        trie.ReleaseCache(keepLevels: 1);
        trie.ReleaseCache(keepLevels: 1);
        Assert.Equal(walks + 3, trie.ReleaseWalks);
        Assert.Equal(0, trie.CountReleasable(1));
    }

    [Fact]
    public void A_commit_never_followed_by_a_release_is_dropped_by_the_next_one()
    {
        // Two commits, no release in between: the second does not visit most of what the first wrote.
        var (store, trie, _) = Accounts(2000, seed: 7);
        var random = new Random(7);
        for (var i = 0; i < 10; i++)
        {
            trie.Set(BitConverter.GetBytes(random.Next(2000)), TrieTestData.Value(random));
        }
        TrieTestData.CommitTo(trie, store);
        Assert.True(trie.CountReleasable(3) > 0);

        trie.ReleaseCache(keepLevels: 3);
        Assert.Equal(0, trie.CountReleasable(3));
    }

    [Fact]
    public void Missing_node_is_reported_with_its_path()
    {
        var (store, _, root) = Accounts(500, seed: 5);
        var (victim, victimNode) = store.Nodes.First(n => n.Key.Length == 2);
        var batch = store.CreateBatch();
        batch.Delete(victim, victimNode);
        batch.Apply();
        var trie = new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure, root);

        var error = Assert.Throws<TrieException>(() => trie.ToList());
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_change_naming_the_wrong_previous_node_is_refused()
    {
        // History-keeping stores record the previous node the trie names, so a wrong one must not pass unnoticed.
        var (store, _, _) = Accounts(50, seed: 9);
        var (path, node) = store.Nodes.First(n => n.Key.Length == 1);
        var batch = store.CreateBatch();

        Assert.Throws<InvalidOperationException>(() => batch.Put(path, node, previous: null));
        Assert.Throws<InvalidOperationException>(() => batch.Delete(path, [0xc0]));
        Assert.Throws<InvalidOperationException>(() => batch.Put([0x0f, 0x0f, 0x0f, 0x0f, 0x0f], node, previous: node));
    }

    [Fact]
    public void Corrupt_node_is_detected_by_its_hash()
    {
        var (store, _, root) = Accounts(500, seed: 6);
        var (path, node) = store.Nodes.First(n => n.Key.Length == 1);
        var corrupt = (byte[])node.Clone();
        corrupt[^2] ^= 1;
        var batch = store.CreateBatch();
        batch.Put(path, corrupt, node);
        batch.Apply();
        var trie = new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure, root);

        var error = Assert.Throws<TrieException>(() => trie.ToList());
        Assert.Contains("expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batched_update_reports_a_missing_node_and_changes_nothing()
    {
        var (store, _, root) = Accounts(500, seed: 7);
        var (victim, victimNode) = store.Nodes.First(n => n.Key.Length == 2);
        var batch = store.CreateBatch();
        batch.Delete(victim, victimNode);
        batch.Apply();
        var trie = new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure, root);
        var updates = Enumerable.Range(0, 500).Select(i => KeyValuePair.Create(BitConverter.GetBytes(i), Bytes("x"))).ToList();

        var error = Assert.Throws<TrieException>(() => trie.Update(updates));
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.Contains(Hex.Encode(victim), error.Message, StringComparison.Ordinal);
        Assert.Equal(root, trie.ComputeRoot());
    }

    [Fact]
    public void Batched_update_detects_a_corrupt_node_by_its_hash()
    {
        var (store, _, root) = Accounts(500, seed: 8);
        var (path, node) = store.Nodes.First(n => n.Key.Length == 2);
        var corrupt = (byte[])node.Clone();
        corrupt[^2] ^= 1;
        var batch = store.CreateBatch();
        batch.Put(path, corrupt, node);
        batch.Apply();
        var trie = new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure, root);
        var updates = Enumerable.Range(0, 500).Select(i => KeyValuePair.Create(BitConverter.GetBytes(i), Bytes("x"))).ToList();

        var error = Assert.Throws<TrieException>(() => trie.Update(updates));
        Assert.Contains("expected", error.Message, StringComparison.Ordinal);
        Assert.Equal(root, trie.ComputeRoot());
    }

    [Fact]
    public void Opening_with_another_root_fails()
    {
        var (store, _, _) = Accounts(10, seed: 7);

        Assert.Throws<TrieException>(() => new MerklePatriciaTrie<Sha256Hasher>(store, TrieKeyMode.Secure, Hash32.Zero));
    }

    [Fact]
    public void Hasher_is_part_of_the_root()
    {
        var contents = TrieTestData.Contents(new Random(8), 50, TrieKeyMode.Plain);
        var roots = new[]
        {
            TrieTestData.Build<Keccak256Hasher>(contents, TrieKeyMode.Plain).ComputeRoot(),
            TrieTestData.Build<Sha256Hasher>(contents, TrieKeyMode.Plain).ComputeRoot(),
            TrieTestData.Build<Sm3Hasher>(contents, TrieKeyMode.Plain).ComputeRoot(),
        };
        Assert.Equal(3, roots.Distinct().Count());
    }

    [Fact]
    public void Plain_keys_longer_than_the_limit_are_refused()
    {
        var trie = new MerklePatriciaTrie<Sha256Hasher>(new InMemoryTrieNodeStore(), TrieKeyMode.Plain);

        Assert.Throws<ArgumentException>(() => trie.Set(new byte[MerklePatriciaTrie<Sha256Hasher>.MaxKeyLength + 1], [1]));
    }

    [Fact]
    public void Proof_verifier_never_throws_on_garbage()
    {
        var random = new Random(9);
        var root = TrieTestData.Build<Sha256Hasher>(TrieTestData.Contents(random, 20, TrieKeyMode.Plain), TrieKeyMode.Plain).ComputeRoot();
        for (var i = 0; i < 2000; i++)
        {
            var proof = new byte[random.Next(0, 4)][];
            for (var j = 0; j < proof.Length; j++)
            {
                proof[j] = new byte[random.Next(0, 80)];
                random.NextBytes(proof[j]);
            }
            Assert.Equal(TrieProofResult.Invalid, TrieProof.Verify<Sha256Hasher>(root, [1, 2], proof, TrieKeyMode.Plain, out _));
        }
    }

    [Fact]
    public void List_root_keys_items_by_their_rlp_index()
    {
        byte[][] items = [.. Enumerable.Range(0, 200).Select(i => new byte[] { (byte)i, 0xee })];
        var expected = MerklePatriciaTrie<Keccak256Hasher>.RootOf(
            items.Select((item, i) => new KeyValuePair<byte[], byte[]>(ShanghaiChain.Core.Rlp.RlpCodec.EncodeUInt64((ulong)i), item)),
            TrieKeyMode.Plain);

        Assert.Equal(expected, MerklePatriciaTrie<Keccak256Hasher>.RootOfList(items));
        Assert.Equal(MerklePatriciaTrie<Keccak256Hasher>.EmptyRoot, MerklePatriciaTrie<Keccak256Hasher>.RootOfList([]));
        Assert.NotEqual(expected, MerklePatriciaTrie<Keccak256Hasher>.RootOfList(items[1..]));
    }

    [Fact]
    public void Root_after_one_update_rehashes_only_the_nodes_on_its_path()
    {
        var random = new Random(10);
        var trie = TrieTestData.Build<CountingHasher>(TrieTestData.Contents(random, 5000, TrieKeyMode.Secure), TrieKeyMode.Secure);
        trie.ComputeRoot();
        var (key, _) = TrieTestData.Contents(random, 1, TrieKeyMode.Secure)[0];

        var before = CountingHasher.Calls;
        trie.Set(key, [1, 2, 3]);
        trie.ComputeRoot();
        var calls = CountingHasher.Calls - before;

        // One hash for the key, then the leaf (if 32 bytes or more) and three to five branches above it.
        Assert.InRange(calls, 3, 8);
    }

    /// <summary>SHA-256 that counts its calls, to observe how much a root computation rehashes.</summary>
    private readonly struct CountingHasher : IHasher
    {
        private static int _calls;

        public static int Calls => Volatile.Read(ref _calls);

        public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            Interlocked.Increment(ref _calls);
            Sha256Hasher.Hash(data, destination);
        }

        public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
        {
            Interlocked.Increment(ref _calls);
            Sha256Hasher.Hash(first, second, destination);
        }
    }
}
