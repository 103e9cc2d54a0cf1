using FsCheck.Xunit;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Core.Tests.Trie;

/// <summary>
/// FsCheck chooses the seeds; each seed drives a System.Random that builds the trie contents, and every assertion names
/// the seed (replay with SHC_SEED, see <see cref="TestSeed"/>). Even seeds use secure keys, odd seeds plain keys.
/// </summary>
public class TriePropertyTests
{
    private const int Runs = 40;

    [Property(MaxTest = Runs)]
    public void Root_does_not_depend_on_insertion_order(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var contents = TrieTestData.Contents(random, random.Next(1, 200), mode);

        var inOrder = TrieTestData.Build<Keccak256Hasher>(contents, mode).ComputeRoot();

        // Another order, with detours through other values and interleaved commits that unload the cache.
        var store = new InMemoryTrieNodeStore();
        var shuffled = new MerklePatriciaTrie<Keccak256Hasher>(store, mode);
        foreach (var (key, value) in contents.OrderBy(_ => random.Next()))
        {
            if (random.Next(4) == 0)
            {
                shuffled.Set(key, TrieTestData.Value(random));
            }
            shuffled.Set(key, value);
            if (random.Next(20) == 0)
            {
                TrieTestData.CommitTo(shuffled, store);
                shuffled.ReleaseCache(random.Next(0, 3));
            }
        }
        Assert.True(inOrder == TrieTestData.CommitTo(shuffled, store), $"{TestSeed.Describe(seed)}: root depends on insertion order");
        Assert.True(inOrder == new MerklePatriciaTrie<Keccak256Hasher>(store, mode).ComputeRoot(), $"{TestSeed.Describe(seed)}: reopened root differs");
    }

    [Property(MaxTest = Runs)]
    public void Deleting_what_was_inserted_restores_the_root_and_the_stored_nodes(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var all = TrieTestData.Contents(random, random.Next(1, 200), mode);
        var baseCount = random.Next(0, all.Count);
        var store = new InMemoryTrieNodeStore();
        var trie = TrieTestData.Build<Keccak256Hasher>(all.Take(baseCount), mode, store);
        var before = TrieTestData.CommitTo(trie, store);
        var storedBefore = TrieTestData.Snapshot(store);

        var added = all.Skip(baseCount).ToList();
        foreach (var (key, value) in added)
        {
            trie.Set(key, value);
        }
        TrieTestData.CommitTo(trie, store);
        if (random.Next(2) == 0)
        {
            trie.ReleaseCache(random.Next(0, 3));
        }
        foreach (var (key, _) in added.OrderBy(_ => random.Next()))
        {
            Assert.True(trie.Delete(key), $"{TestSeed.Describe(seed)}: inserted key {Hex.Encode(key)} missing");
        }

        Assert.True(before == TrieTestData.CommitTo(trie, store), $"{TestSeed.Describe(seed)}: root not restored");
        Assert.True(storedBefore.SequenceEqual(TrieTestData.Snapshot(store)), $"{TestSeed.Describe(seed)}: stored nodes not restored");
    }

    [Property(MaxTest = Runs)]
    public void Random_updates_leave_exactly_the_store_of_a_fresh_build(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var universe = TrieTestData.Contents(random, random.Next(1, 150), mode);
        var model = new Dictionary<string, byte[]>();
        var store = new InMemoryTrieNodeStore();
        var trie = new MerklePatriciaTrie<Keccak256Hasher>(store, mode);
        for (var block = 0; block < 8; block++)
        {
            for (var i = random.Next(1, 60); i > 0; i--)
            {
                var (key, _) = universe[random.Next(universe.Count)];
                if (random.Next(3) == 0)
                {
                    trie.Delete(key);
                    model.Remove(Hex.Encode(key));
                }
                else
                {
                    var value = TrieTestData.Value(random);
                    trie.Set(key, value);
                    model[Hex.Encode(key)] = value;
                }
            }
            TrieTestData.CommitTo(trie, store);
            trie.ReleaseCache(random.Next(0, 4));
        }
        var freshStore = new InMemoryTrieNodeStore();
        var fresh = TrieTestData.Build<Keccak256Hasher>(model.Select(p => (Hex.Decode(p.Key), p.Value)), mode, freshStore);
        var expectedRoot = TrieTestData.CommitTo(fresh, freshStore);

        Assert.True(expectedRoot == trie.ComputeRoot(), $"{TestSeed.Describe(seed)}: root differs from a fresh build");
        Assert.True(TrieTestData.Snapshot(freshStore).SequenceEqual(TrieTestData.Snapshot(store)), $"{TestSeed.Describe(seed)}: store differs from a fresh build");
        var reopened = new MerklePatriciaTrie<Keccak256Hasher>(store, mode, expectedRoot);
        foreach (var (key, value) in model)
        {
            Assert.True(reopened.TryGet(Hex.Decode(key), out var stored) && stored.SequenceEqual(value), $"{TestSeed.Describe(seed)}: {key} lost");
        }
    }

    [Property(MaxTest = Runs)]
    public void Batched_updates_give_the_root_and_store_of_one_by_one_updates(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        // Sometimes more keys than the parallel threshold, so the parallel hashing and decoding run too.
        var universe = TrieTestData.Contents(random, random.Next(1, random.Next(3) == 0 ? 1200 : 150), mode);
        var oneByOneStore = new InMemoryTrieNodeStore();
        var oneByOne = new MerklePatriciaTrie<Keccak256Hasher>(oneByOneStore, mode);
        var batchedStore = new InMemoryTrieNodeStore();
        var batched = new MerklePatriciaTrie<Keccak256Hasher>(batchedStore, mode);
        for (var block = 0; block < 6; block++)
        {
            // Repeated keys (the later update wins), deletes of present and absent keys, unchanged values.
            var updates = new List<KeyValuePair<byte[], byte[]>>();
            for (var i = random.Next(1, 2 * universe.Count); i > 0; i--)
            {
                var (key, value) = universe[random.Next(universe.Count)];
                var update = random.Next(4) switch
                {
                    0 => [],
                    1 => value,
                    _ => TrieTestData.Value(random),
                };
                updates.Add(new(key, update));
            }
            foreach (var (key, value) in updates)
            {
                oneByOne.Set(key, value);
            }
            batched.Update(updates);
            var expected = TrieTestData.CommitTo(oneByOne, oneByOneStore);
            Assert.True(expected == TrieTestData.CommitTo(batched, batchedStore), $"{TestSeed.Describe(seed)}: block {block} root differs");
            Assert.True(TrieTestData.Snapshot(oneByOneStore).SequenceEqual(TrieTestData.Snapshot(batchedStore)),
                $"{TestSeed.Describe(seed)}: block {block} store differs");
            var keep = random.Next(0, 4);
            oneByOne.ReleaseCache(keep);
            batched.ReleaseCache(keep);
        }
    }

    [Property(MaxTest = Runs)]
    public void Hinted_updates_give_the_same_root_and_store_report_each_previous_value_and_skip_the_hinted_leaves(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var universe = TrieTestData.Contents(random, random.Next(1, random.Next(3) == 0 ? 1200 : 150), mode);
        var plainStore = new InMemoryTrieNodeStore();
        var plain = new MerklePatriciaTrie<Keccak256Hasher>(plainStore, mode);
        var hintedStore = new InMemoryTrieNodeStore();
        var loads = new LoadCountingStore(hintedStore);
        var hinted = new MerklePatriciaTrie<Keccak256Hasher>(loads, mode);
        var model = new Dictionary<string, byte[]>();
        for (var block = 0; block < 6; block++)
        {
            var updates = new List<KeyValuePair<byte[], byte[]>>();
            for (var i = random.Next(1, 2 * universe.Count); i > 0; i--)
            {
                var (key, value) = universe[random.Next(universe.Count)];
                updates.Add(new(key, random.Next(4) switch { 0 => [], 1 => value, _ => TrieTestData.Value(random) }));
            }
            // Hints are what the keys held before the block, except that some are wrong: those only cost a read.
            var wrongHints = random.Next(3) == 0;
            var hints = updates.Select(u => model.GetValueOrDefault(Hex.Encode(u.Key)) is { } held && !(wrongHints && random.Next(2) == 0)
                ? held
                : wrongHints ? TrieTestData.Value(random) : null).ToArray();
            var expectedPrevious = new List<byte[]?>();
            foreach (var (key, value) in updates)
            {
                var name = Hex.Encode(key);
                expectedPrevious.Add(model.GetValueOrDefault(name));
                if (value.Length == 0)
                {
                    model.Remove(name);
                }
                else
                {
                    model[name] = value;
                }
            }
            plain.Update(updates);
            var previous = new byte[]?[updates.Count];
            loads.Loaded.Clear();
            hinted.Update(updates, previous, hints);
            for (var i = 0; i < updates.Count; i++)
            {
                Assert.True(Hex.Encode(expectedPrevious[i] ?? []) == Hex.Encode(previous[i] ?? []) && (expectedPrevious[i] is null) == (previous[i] is null),
                    $"{TestSeed.Describe(seed)}: block {block} update {i} reports previous value {Hex.Encode(previous[i] ?? [])}, expected {Hex.Encode(expectedPrevious[i] ?? [])}");
            }
            if (!wrongHints)
            {
                // With true hints, no leaf of a hinted key was read from the store (a leaf's key is its path and its own).
                var hintedPaths = updates.Where((_, i) => hints[i] is not null).Select(u => Hex.Encode(NibblePath(u.Key, mode))).ToHashSet();
                foreach (var (path, encoded) in loads.Loaded)
                {
                    Assert.True(!TrieNodeCodec.TryDecode(encoded, encoded, out var node) || node is not LeafNode leaf ||
                        !hintedPaths.Contains(Hex.Encode([.. path, .. leaf.Path])),
                        $"{TestSeed.Describe(seed)}: block {block} read a leaf it had a true hint for");
                }
            }
            var expected = TrieTestData.CommitTo(plain, plainStore);
            Assert.True(expected == TrieTestData.CommitTo(hinted, hintedStore), $"{TestSeed.Describe(seed)}: block {block} root differs");
            Assert.True(TrieTestData.Snapshot(plainStore).SequenceEqual(TrieTestData.Snapshot(hintedStore)), $"{TestSeed.Describe(seed)}: block {block} store differs");
            var keep = random.Next(0, 4);
            plain.ReleaseCache(keep);
            hinted.ReleaseCache(keep);
        }
    }

    private static byte[] NibblePath(byte[] key, TrieKeyMode mode)
    {
        var bytes = key;
        if (mode == TrieKeyMode.Secure)
        {
            bytes = new byte[32];
            Keccak256Hasher.Hash(key, bytes);
        }
        var path = new byte[2 * bytes.Length];
        Nibbles.FromBytes(bytes, path);
        return path;
    }

    /// <summary>Records every node read from the store with its path.</summary>
    private sealed class LoadCountingStore(InMemoryTrieNodeStore inner) : ITrieNodeStore
    {
        public List<(byte[] Path, byte[] Encoded)> Loaded { get; } = [];

        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode)
        {
            var found = inner.TryLoad(nibblePath, out encodedNode);
            if (found)
            {
                Loaded.Add((nibblePath.ToArray(), encodedNode!));
            }
            return found;
        }
    }

    [Property(MaxTest = Runs)]
    public void Release_after_a_commit_drops_every_node_below_the_kept_levels(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var universe = TrieTestData.Contents(random, random.Next(50, 600), mode);
        var store = new InMemoryTrieNodeStore();
        var trie = TrieTestData.Build<Keccak256Hasher>(universe.Take(universe.Count / 2), mode, store);
        TrieTestData.CommitTo(trie, store);
        for (var block = 0; block < 6; block++)
        {
            var keep = random.Next(0, 5);
            // Some commits are never followed by a release (a user may commit several times between two): the next
            // release must drop their nodes too. A first walk that keeps more levels must not stop the second from
            // dropping the rest.
            if (block == 5 || random.Next(3) > 0)
            {
                trie.ReleaseCache(keep + random.Next(0, 2));
                trie.ReleaseCache(keep);
                Assert.True(trie.CountReleasable(keep) == 0, $"{TestSeed.Describe(seed)}: block {block}: nodes left below level {keep}");
            }
            // Loads of every kind: updates that change, change nothing or delete absent keys, reads and proofs.
            var updates = new List<KeyValuePair<byte[], byte[]>>();
            for (var i = random.Next(1, 40); i > 0; i--)
            {
                var (key, value) = universe[random.Next(universe.Count)];
                updates.Add(new(key, random.Next(4) switch { 0 => [], 1 => value, _ => TrieTestData.Value(random) }));
            }
            if (random.Next(2) == 0)
            {
                trie.Update(updates);
            }
            else
            {
                foreach (var (key, value) in updates)
                {
                    trie.Set(key, value);
                }
            }
            for (var i = random.Next(0, 10); i > 0; i--)
            {
                var (key, _) = universe[random.Next(universe.Count)];
                trie.TryGet(key, out _);
                trie.GetProof(universe[random.Next(universe.Count)].Key);
            }
            TrieTestData.CommitTo(trie, store);
        }
    }

    [Property(MaxTest = Runs)]
    public void Every_proof_verifies_against_its_root(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var all = TrieTestData.Contents(random, random.Next(2, 200), mode);
        var present = all.Take(all.Count / 2 + 1).ToList();
        var absent = all.Skip(present.Count).ToList();
        AssertProofsVerify<Keccak256Hasher>(seed, present, absent, mode);
        AssertProofsVerify<Sha256Hasher>(seed, present, absent, mode);
        AssertProofsVerify<Sm3Hasher>(seed, present, absent, mode);
    }

    private static void AssertProofsVerify<THasher>(
        int seed, List<(byte[] Key, byte[] Value)> present, List<(byte[] Key, byte[] Value)> absent, TrieKeyMode mode)
        where THasher : struct, IHasher
    {
        var trie = TrieTestData.Build<THasher>(present, mode);
        var root = trie.ComputeRoot();
        foreach (var (key, value) in present)
        {
            Assert.True(
                TrieProof.VerifyInclusion<THasher>(root, key, value, trie.GetProof(key), mode),
                $"{TestSeed.Describe(seed)} {typeof(THasher).Name}: inclusion proof of {Hex.Encode(key)} fails");
        }
        foreach (var (key, _) in absent)
        {
            Assert.True(
                TrieProof.VerifyAbsence<THasher>(root, key, trie.GetProof(key), mode),
                $"{TestSeed.Describe(seed)} {typeof(THasher).Name}: absence proof of {Hex.Encode(key)} fails");
        }
    }

    [Property(MaxTest = Runs)]
    public void Any_mutation_of_proof_key_or_value_fails_verification(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var all = TrieTestData.Contents(random, random.Next(2, 200), mode);
        var trie = TrieTestData.Build<Keccak256Hasher>(all.Skip(1), mode);
        var root = trie.ComputeRoot();
        var absentKey = all[0].Key;

        for (var round = 0; round < 10; round++)
        {
            var (key, value) = all[random.Next(1, all.Count)];
            var proof = trie.GetProof(key);
            var context = $"{TestSeed.Describe(seed)} round {round} key {Hex.Encode(key)}";

            foreach (var mutated in MutatedProofs(random, proof))
            {
                Assert.True(Verify(root, key, mutated, mode) == TrieProofResult.Invalid, $"{context}: mutated proof accepted");
            }

            var otherValue = (byte[])value.Clone();
            otherValue[random.Next(otherValue.Length)] ^= (byte)(1 << random.Next(8));
            Assert.False(TrieProof.VerifyInclusion<Keccak256Hasher>(root, key, otherValue, proof, mode), $"{context}: other value accepted");
            Assert.False(TrieProof.VerifyInclusion<Keccak256Hasher>(root, key, [.. value, 0], proof, mode), $"{context}: longer value accepted");

            // Another key may be proven by the same nodes only if the trie really holds that value for it.
            var otherKey = key.Length == 0 ? [0x00] : (byte[])key.Clone();
            if (key.Length > 0)
            {
                otherKey[random.Next(otherKey.Length)] ^= (byte)(1 << random.Next(8));
            }
            var holds = trie.TryGet(otherKey, out var actual) && actual.SequenceEqual(value);
            Assert.True(holds == TrieProof.VerifyInclusion<Keccak256Hasher>(root, otherKey, value, proof, mode), $"{context}: other key {Hex.Encode(otherKey)} accepted");

            var absenceProof = trie.GetProof(absentKey);
            foreach (var mutated in MutatedProofs(random, absenceProof))
            {
                Assert.True(Verify(root, absentKey, mutated, mode) == TrieProofResult.Invalid, $"{context}: mutated absence proof accepted");
            }
        }
    }

    [Property(MaxTest = Runs)]
    public void Absence_proofs_never_verify_for_a_present_key(int generatedSeed)
    {
        var seed = TestSeed.Or(generatedSeed);
        var random = new Random(seed);
        var mode = TrieTestData.Mode(seed);
        var all = TrieTestData.Contents(random, random.Next(2, 120), mode);
        var present = all.Take(all.Count / 2 + 1).ToList();
        var trie = TrieTestData.Build<Keccak256Hasher>(present, mode);
        var root = trie.ComputeRoot();
        var absenceProofs = all.Skip(present.Count).Select(p => trie.GetProof(p.Key)).ToList();

        foreach (var (key, _) in present)
        {
            Assert.False(TrieProof.VerifyAbsence<Keccak256Hasher>(root, key, trie.GetProof(key), mode), $"{TestSeed.Describe(seed)}: own proof shows {Hex.Encode(key)} absent");
            foreach (var proof in absenceProofs)
            {
                Assert.False(TrieProof.VerifyAbsence<Keccak256Hasher>(root, key, proof, mode), $"{TestSeed.Describe(seed)}: absence proof accepted for present {Hex.Encode(key)}");
            }
        }
    }

    private static TrieProofResult Verify(Hash32 root, byte[] key, byte[][] proof, TrieKeyMode mode) =>
        TrieProof.Verify<Keccak256Hasher>(root, key, proof, mode, out _);

    // Bit flips anywhere, a dropped node, a repeated node, a swap, a truncated node, an appended byte.
    private static IEnumerable<byte[][]> MutatedProofs(Random random, byte[][] proof)
    {
        for (var i = 0; i < 4; i++)
        {
            var copy = proof.Select(n => (byte[])n.Clone()).ToArray();
            var node = copy[random.Next(copy.Length)];
            node[random.Next(node.Length)] ^= (byte)(1 << random.Next(8));
            yield return copy;
        }
        var dropped = random.Next(proof.Length);
        yield return [.. proof.Where((_, i) => i != dropped)];
        yield return [.. proof, proof[random.Next(proof.Length)]];
        if (proof.Length >= 2)
        {
            var swapped = (byte[][])proof.Clone();
            (swapped[0], swapped[^1]) = (swapped[^1], swapped[0]);
            yield return swapped;
        }
        var target = random.Next(proof.Length);
        yield return [.. proof.Select((n, i) => i == target ? n[..^1] : n)];
        yield return [.. proof.Select((n, i) => i == target ? [.. n, 0] : n)];
    }
}
