using Google.Protobuf;
using RocksDbSharp;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

public sealed class StateRootTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("shc-state-").FullName, "chain");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);

    private static GenesisFile Genesis(CryptoSuite suite, params (Address Address, ulong Balance)[] accounts) => new()
    {
        ChainId = "state-chain",
        CryptoSuite = suite.Name,
        Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(KeyFile.Generate(suite).PublicKey) }],
        Accounts = [.. accounts.Select(a => new GenesisAccount { Address = a.Address.ToString(), Balance = a.Balance.ToString(System.Globalization.CultureInfo.InvariantCulture) })],
    };

    private static Address A(byte b) => new([.. new byte[19], b]);

    /// <summary>The root an independent, in-memory trie gives for the same accounts.</summary>
    private static Hash32 ExpectedRoot<THasher>(IEnumerable<(Address Address, AccountState State)> accounts) where THasher : struct, IHasher
    {
        var entries = accounts.Where(a => !a.State.IsEmpty).Select(a =>
        {
            Span<byte> buffer = stackalloc byte[128];
            return new KeyValuePair<byte[], byte[]>(a.Address.ToArray(), StateCommitment<THasher>.Encode(a.State, buffer).ToArray());
        });
        return MerklePatriciaTrie<THasher>.RootOf(entries, TrieKeyMode.Secure);
    }

    private static void CommitNext(ChainStore store, GenesisFile genesis, params KeyValuePair<Address, AccountState>[] diff)
    {
        var block = new SealedBlock(new BlockHeader
        {
            ChainId = genesis.ChainId,
            Height = store.HeadHeight + 1,
            ParentHash = ByteString.CopyFrom(store.HeadHash.ToArray()),
        }, [], genesis.Suite);
        store.Commit(block, new QuorumCertificate { Height = block.Height }, [], [.. diff.OrderBy(d => d.Key)]);
    }

    [Fact]
    public void Genesis_and_block_state_roots_match_an_independent_trie_and_survive_reopening()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100), (A(2), 200));
        var after = new[] { (A(1), new AccountState(1, new UInt256(40), Hash32.Zero)), (A(3), new AccountState(0, new UInt256(60), Hash32.Zero)) };
        Hash32 root;
        using (var store = ChainStore.Open(_dir, genesis))
        {
            Assert.Equal(ExpectedRoot<Sha256Hasher>([(A(1), new AccountState(0, new UInt256(100), Hash32.Zero)), (A(2), new AccountState(0, new UInt256(200), Hash32.Zero))]),
                store.StateRoot);
            Assert.Equal(store.StateRoot, store.GetStateRoot(0));
            CommitNext(store, genesis, [.. after.Select(a => new KeyValuePair<Address, AccountState>(a.Item1, a.Item2))]);
            root = store.StateRoot;
            Assert.Equal(ExpectedRoot<Sha256Hasher>([.. after, (A(2), new AccountState(0, new UInt256(200), Hash32.Zero))]), root);
        }
        using var reopened = ChainStore.Open(_dir, genesis);
        Assert.Equal(root, reopened.StateRoot);
        Assert.Equal(root, reopened.GetStateRoot(1));
        reopened.CheckStateFull(_dir);
    }

    [Fact]
    public void An_sm2_chain_hashes_its_state_trie_with_SM3()
    {
        var genesis = Genesis(CryptoSuite.Sm2Sm3, (A(9), 5));
        using var store = ChainStore.Open(_dir, genesis);
        Assert.Equal(ExpectedRoot<Sm3Hasher>([(A(9), new AccountState(0, new UInt256(5), Hash32.Zero))]), store.StateRoot);
        Assert.NotEqual(ExpectedRoot<Sha256Hasher>([(A(9), new AccountState(0, new UInt256(5), Hash32.Zero))]), store.StateRoot);
    }

    [Fact]
    public void Emptied_accounts_leave_both_the_flat_state_and_the_trie()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        using var store = ChainStore.Open(_dir, genesis);
        var before = store.StateRoot;
        CommitNext(store, genesis, new KeyValuePair<Address, AccountState>(A(7), new AccountState(0, new UInt256(1), Hash32.Zero)));
        Assert.NotEqual(before, store.StateRoot);
        CommitNext(store, genesis, new KeyValuePair<Address, AccountState>(A(7), AccountState.Empty));
        Assert.Equal(before, store.StateRoot);
        Assert.True(store.GetAccount(A(7)).IsEmpty);
    }

    [Fact]
    public void Account_proofs_verify_against_the_state_root()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100), (A(2), 200));
        using var store = ChainStore.Open(_dir, genesis);
        var present = TrieProof.Verify<Sha256Hasher>(store.StateRoot, A(1).ToArray(), store.GetAccountProof(A(1)).Nodes, TrieKeyMode.Secure, out var value);
        Assert.Equal(TrieProofResult.Present, present);
        Span<byte> buffer = stackalloc byte[128];
        Assert.Equal(StateCommitment<Sha256Hasher>.Encode(store.GetAccount(A(1)), buffer).ToArray(), value.ToArray());
        Assert.Equal(TrieProofResult.Absent,
            TrieProof.Verify<Sha256Hasher>(store.StateRoot, A(3).ToArray(), store.GetAccountProof(A(3)).Nodes, TrieKeyMode.Secure, out _));
    }

    [Fact]
    public void A_flat_account_that_went_missing_is_found_by_the_full_check()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100), (A(2), 50));
        using (ChainStore.Open(_dir, genesis))
        {
        }
        using (var db = OpenRaw())
        {
            db.Remove(A(2).ToArray(), db.GetColumnFamily(ColumnFamilyNames.Accounts));
        }
        var ex = Assert.Throws<StoreException>(() => ChainStore.Open(_dir, genesis, StateCheck.Full));
        Assert.Contains("flat state holds 1 accounts, the state trie 2", ex.Message, StringComparison.Ordinal);
    }

    private RocksDb OpenRaw()
    {
        var families = new ColumnFamilies();
        foreach (var name in ColumnFamilyNames.All)
        {
            families.Add(name, new ColumnFamilyOptions());
        }
        return RocksDb.Open(new DbOptions(), _dir, families);
    }

    [Fact]
    public void A_flat_account_that_disagrees_with_the_trie_is_detected_at_startup()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        using (ChainStore.Open(_dir, genesis))
        {
        }
        // Change the flat balance behind the store's back, as a partial write or a bad disk would.
        using (var db = OpenRaw())
        {
            db.Put(A(1).ToArray(), ChainStore.EncodeAccount(new AccountState(0, new UInt256(1_000_000), Hash32.Zero)), db.GetColumnFamily(ColumnFamilyNames.Accounts));
        }
        var ex = Assert.Throws<StoreException>(() => ChainStore.Open(_dir, genesis));
        Assert.Contains("state trie", ex.Message, StringComparison.Ordinal);
    }
}
