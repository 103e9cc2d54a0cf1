using BenchmarkDotNet.Attributes;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// Account proofs as the node serves them (ChainStore.GetAccountProof at the head) and as a light client checks them
/// (TrieProof.Verify with SHA-256), over a state of <see cref="Accounts"/> accounts. Each iteration starts right after
/// a block commit (so only the trie's top levels are in memory) and proves accounts not proven before, so the nodes
/// below come from RocksDB as they would for a fresh request. Figures are per proof (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class StateProofBenchmarks
{
    private const int ProofsPerInvoke = 10_000;
    private const int UpdatesPerBlock = 10_000;

    private string _dir = "";
    private ChainStore _store = null!;
    private GenesisFile _genesis = null!;
    private Address[] _addresses = [];
    private int _next;
    private Address[] _proven = [];
    private byte[][] _provenKeys = [];
    private AccountProof[] _proofs = [];

    [Params(1_000_000)]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("shc-bench-proof-").FullName;
        var genesis = _genesis = new GenesisFile
        {
            ChainId = "bench",
            Validators = [new GenesisValidator { Name = "v", PublicKey = Hex.Encode(KeyFile.Generate(CryptoSuite.Ed25519Sha256).PublicKey) }],
        };
        _store = ChainStore.Open(Path.Combine(_dir, "chain"), genesis);
        var random = new Random(42);
        var addresses = _addresses = new Address[Accounts];
        for (var start = 0; start < Accounts; start += UpdatesPerBlock)
        {
            var diff = new List<KeyValuePair<Address, AccountState>>(UpdatesPerBlock);
            for (var i = start; i < Math.Min(Accounts, start + UpdatesPerBlock); i++)
            {
                var bytes = new byte[Address.Size];
                random.NextBytes(bytes);
                addresses[i] = new Address(bytes);
                diff.Add(new(addresses[i], new AccountState(1, new UInt256((ulong)i + 1), Hash32.Zero)));
            }
            StateCommitBenchmarks.CommitDiff(_store, genesis, diff);
        }
        random.Shuffle(_addresses);
        _proven = _addresses[..ProofsPerInvoke];
        _provenKeys = [.. _proven.Select(a => a.ToArray())];
        _proofs = [.. _proven.Select(a => _store.GetAccountProof(a))];
    }

    /// <summary>An empty block: its commit drops the trie's lower levels from memory, as every block does.</summary>
    [IterationSetup(Target = nameof(GenerateAccountProof))]
    public void NextBlock()
    {
        StateCommitBenchmarks.CommitDiff(_store, _genesis, []);
        _next = (_next + ProofsPerInvoke) % (Accounts - ProofsPerInvoke);
        _proven = _addresses[_next..(_next + ProofsPerInvoke)];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = ProofsPerInvoke, Description = "account proof at the head (ChainStore)")]
    public int GenerateAccountProof()
    {
        var nodes = 0;
        foreach (var address in _proven)
        {
            nodes += _store.GetAccountProof(address).Nodes.Length;
        }
        return nodes;
    }

    [Benchmark(OperationsPerInvoke = ProofsPerInvoke, Description = "verify an account proof (SHA-256)")]
    public int VerifyAccountProof()
    {
        var present = 0;
        for (var i = 0; i < _proofs.Length; i++)
        {
            var proof = _proofs[i];
            if (TrieProof.Verify<Sha256Hasher>(proof.StateRoot, _provenKeys[i], proof.Nodes, TrieKeyMode.Secure, out _) == TrieProofResult.Present)
            {
                present++;
            }
        }
        return present;
    }
}
