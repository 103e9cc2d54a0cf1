using BenchmarkDotNet.Attributes;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// The account trie with the chain's default hash (SHA-256) over the in-memory node store: a block of 10,000 account
/// updates with its root and commit, proof generation and proof verification, against a trie of <see cref="Accounts"/>.
/// Figures are per update or per proof (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class TrieBenchmarks
{
    private const int BatchSize = 10_000;
    private const int ProofsPerInvoke = 1_000;

    // What the node's account trie keeps in memory between blocks (StateCommitment).
    private const int CachedLevels = 4;

    private readonly InMemoryTrieNodeStore _store = new();
    private MerklePatriciaTrie<Sha256Hasher> _trie = null!;
    private byte[][] _keys = [];
    private byte[][] _proofKeys = [];
    private byte[][][] _proofs = [];
    private byte[][] _proofValues = [];
    private Hash32 _root;
    private int _block;

    [Params(1_000_000)]
    public int Accounts { get; set; }

    /// <summary>MerklePatriciaTrie.Parallelism: both kept, since which wins depends on how busy the cores are.</summary>
    [Params(false, true)]
    public bool Parallel { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _keys = new byte[Accounts + (BatchSize * 64)][];
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = new byte[Address.Size];
            random.NextBytes(_keys[i]);
        }
        _trie = new MerklePatriciaTrie<Sha256Hasher>(_store, TrieKeyMode.Secure) { Parallelism = Parallel };
        for (var i = 0; i < Accounts; i++)
        {
            _trie.Set(_keys[i], AccountValue(i, 0));
        }
        var batch = _store.CreateBatch();
        _root = _trie.Commit(batch);
        batch.Apply();
        _trie.ReleaseCache(CachedLevels);

        _proofKeys = [.. Enumerable.Range(0, ProofsPerInvoke).Select(_ => _keys[random.Next(Accounts)])];
        _proofs = [.. _proofKeys.Select(k => _trie.GetProof(k))];
        _proofValues = [.. _proofKeys.Select(k => _trie.TryGet(k, out var v) ? v.ToArray() : [])];
    }

    /// <summary>
    /// One block: 9,000 existing accounts changed and 1,000 created, applied one Set at a time, then the root and the
    /// node batch. Kept beside <see cref="UpdateBlockBatchedAndCommit"/>, which replaced it on the node's path.
    /// </summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public Hash32 UpdateBlockAndCommit()
    {
        foreach (var (key, value) in NextBlock())
        {
            _trie.Set(key, value);
        }
        return CommitBlock();
    }

    /// <summary>The same block through the batched <see cref="MerklePatriciaTrie{THasher}.Update"/> (the node's path).</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public Hash32 UpdateBlockBatchedAndCommit()
    {
        _trie.Update(NextBlock());
        return CommitBlock();
    }

    private List<KeyValuePair<byte[], byte[]>> NextBlock()
    {
        _block++;
        var updates = new List<KeyValuePair<byte[], byte[]>>(BatchSize);
        var existingStart = (_block * 9_000) % (Accounts - 9_000);
        for (var i = 0; i < 9_000; i++)
        {
            updates.Add(new(_keys[existingStart + i], AccountValue(existingStart + i, _block)));
        }
        var createdStart = Accounts + ((_block * 1_000) % (BatchSize * 64 - 1_000));
        for (var i = 0; i < 1_000; i++)
        {
            updates.Add(new(_keys[createdStart + i], AccountValue(createdStart + i, _block)));
        }
        return updates;
    }

    // As the node does: commit, then keep only the top levels in memory, so the next block loads the rest again.
    private Hash32 CommitBlock()
    {
        var batch = _store.CreateBatch();
        var root = _trie.Commit(batch);
        batch.Apply();
        _trie.ReleaseCache(CachedLevels);
        return root;
    }

    [Benchmark(OperationsPerInvoke = ProofsPerInvoke)]
    public int GenerateProof()
    {
        var nodes = 0;
        foreach (var key in _proofKeys)
        {
            nodes += _trie.GetProof(key).Length;
        }
        return nodes;
    }

    [Benchmark(OperationsPerInvoke = ProofsPerInvoke)]
    public int VerifyProof()
    {
        var valid = 0;
        for (var i = 0; i < _proofs.Length; i++)
        {
            if (TrieProof.VerifyInclusion<Sha256Hasher>(_root, _proofKeys[i], _proofValues[i], _proofs[i], TrieKeyMode.Secure))
            {
                valid++;
            }
        }
        return valid;
    }

    // About the size of an RLP account (nonce, balance, storage root, code hash): 70 bytes.
    private static byte[] AccountValue(int account, int block)
    {
        var value = new byte[70];
        BitConverter.TryWriteBytes(value, account);
        BitConverter.TryWriteBytes(value.AsSpan(4), block);
        value[69] = 1;
        return value;
    }
}
