using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// Committing account updates through the real store: flat accounts, the state trie on RocksDB and the root, in
/// one synced batch per block of 10,000 updates, over a state of <see cref="Accounts"/> accounts.
/// Updates per second = 10,000 / time per operation.
/// </summary>
[MemoryDiagnoser]
public class StateCommitBenchmarks
{
    private const int UpdatesPerBlock = 10_000;
    private string _dir = "";
    private ChainStore _store = null!;
    private GenesisFile _genesis = null!;
    private Address[] _addresses = [];
    private ulong _balance;
    private int _cursor;

    [Params(100_000)]
    public int Accounts { get; set; }

    [Params(0, 128)]
    public int ProofWindow { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("shc-bench-state-").FullName;
        _genesis = new GenesisFile
        {
            ChainId = "bench",
            Validators = [new GenesisValidator { Name = "v", PublicKey = Hex.Encode(KeyFile.Generate(CryptoSuite.Ed25519Sha256).PublicKey) }],
        };
        _store = ChainStore.Open(Path.Combine(_dir, "chain"), _genesis, proofWindow: (ulong)ProofWindow);
        var random = new Random(42);
        _addresses = Enumerable.Range(0, Accounts).Select(_ =>
        {
            var bytes = new byte[Address.Size];
            random.NextBytes(bytes);
            return new Address(bytes);
        }).ToArray();
        for (var i = 0; i < Accounts; i += UpdatesPerBlock)
        {
            CommitBlock(i);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "commit 10,000 account updates with root")]
    public Hash32 CommitUpdates()
    {
        CommitBlock(_cursor);
        _cursor = (_cursor + UpdatesPerBlock) % Accounts;
        return _store.StateRoot;
    }

    private void CommitBlock(int start)
    {
        _balance++;
        var diff = new List<KeyValuePair<Address, AccountState>>(UpdatesPerBlock);
        for (var i = 0; i < UpdatesPerBlock; i++)
        {
            diff.Add(new(_addresses[(start + i) % _addresses.Length], new AccountState(_balance, new UInt256(_balance * 1_000), Hash32.Zero)));
        }
        CommitDiff(_store, _genesis, diff);
    }

    /// <summary>Commits an account diff as an empty block on top of the store's head.</summary>
    internal static void CommitDiff(ChainStore store, GenesisFile genesis, List<KeyValuePair<Address, AccountState>> diff)
    {
        diff.Sort((a, b) => a.Key.CompareTo(b.Key));
        var block = new SealedBlock(new BlockHeader
        {
            ChainId = genesis.ChainId,
            Height = store.HeadHeight + 1,
            ParentHash = ByteString.CopyFrom(store.HeadHash.ToArray()),
        }, [], genesis.Suite);
        store.Commit(block, new QuorumCertificate { Height = block.Height }, [], diff);
    }
}
