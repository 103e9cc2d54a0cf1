using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

public sealed class ContractStateTests
{
    private static readonly Address Alice = new([.. new byte[19], 1]);
    private static readonly Address Token = new([.. new byte[19], 0xC0]);
    private static readonly byte[] Code = [0x60, 0x01, 0x60, 0x00, 0x55, 0x00];

    private static GenesisFile Genesis(CryptoSuite suite) => new()
    {
        ChainId = "contract-chain",
        CryptoSuite = suite.Name,
        Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(KeyFile.Generate(suite).PublicKey) }],
        Accounts = [new GenesisAccount { Address = Alice.ToString(), Balance = "1000" }],
    };

    private static void Commit(ChainStore store, GenesisFile genesis, IReadOnlyList<KeyValuePair<Address, AccountState>> accounts, ContractStateDiff contracts)
    {
        var block = new SealedBlock(new BlockHeader
        {
            ChainId = genesis.ChainId,
            Height = store.HeadHeight + 1,
            ParentHash = ByteString.CopyFrom(store.HeadHash.ToArray()),
        }, [], genesis.Suite);
        store.Commit(block, new QuorumCertificate { Height = block.Height }, [], accounts, contracts);
    }

    private static ContractStateDiff Slots(params (ulong Slot, ulong Value)[] slots) => new()
    {
        Storage = [.. slots.OrderBy(s => s.Slot).Select(s => new StorageChange(Token, new UInt256(s.Slot), new UInt256(s.Value)))],
    };

    private static Hash32 CodeHash(CryptoSuite suite) => suite.Hash(Code);

    /// <summary>Deploys the token account (nonce 1, code) with the given slots in block 1.</summary>
    private static void Deploy(ChainStore store, GenesisFile genesis, params (ulong Slot, ulong Value)[] slots) =>
        Commit(store, genesis, [new(Token, new AccountState(1, UInt256.Zero, CodeHash(genesis.Suite)))],
            Slots(slots) with { Code = [new(CodeHash(genesis.Suite), Code)] });

    /// <summary>The storage root an independent in-memory trie gives: secure keys, rlp(value) values.</summary>
    private static Hash32 ExpectedStorageRoot<THasher>(params (ulong Slot, ulong Value)[] slots) where THasher : struct, IHasher =>
        MerklePatriciaTrie<THasher>.RootOf(slots.Where(s => s.Value != 0).Select(s =>
            new KeyValuePair<byte[], byte[]>(new UInt256(s.Slot).ToBigEndian(), RlpCodec.EncodeUInt64(s.Value))), TrieKeyMode.Secure);

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Slots_and_code_are_read_flat_and_the_account_leaf_carries_the_storage_root_of_an_independent_trie(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using (var store = storage.Open(genesis))
        {
            Deploy(store, genesis, (1, 10), (2, 20), (300, 3));
            Assert.Equal(new UInt256(20), store.GetStorage(Token, new UInt256(2)));
            Assert.Equal(UInt256.Zero, store.GetStorage(Token, new UInt256(4)));
            Assert.Equal(Code, store.GetCode(CodeHash(genesis.Suite)));
            var expected = ExpectedStorageRoot<Sha256Hasher>((1, 10), (2, 20), (300, 3));
            Assert.Equal(expected, store.GetAccount(Token).StorageRoot);
            var proof = store.GetAccountProof(Token);
            Assert.True(StateProofVerifier.TryReadStorageRoot(proof.Leaf, out var inLeaf));
            Assert.Equal(expected, inLeaf);

            // An update that touches only storage still moves the account's leaf and the state root.
            var before = store.StateRoot;
            Commit(store, genesis, [], Slots((2, 0), (5, 50)));
            Assert.NotEqual(before, store.StateRoot);
            Assert.Equal(ExpectedStorageRoot<Sha256Hasher>((1, 10), (300, 3), (5, 50)), store.GetAccount(Token).StorageRoot);
            Assert.Equal(UInt256.Zero, store.GetStorage(Token, new UInt256(2)));
        }
        using (var reopened = storage.Open(genesis, StateCheck.Full))
        {
            Assert.Equal(new UInt256(50), reopened.GetStorage(Token, new UInt256(5)));
            Assert.Equal(Code, reopened.GetCode(CodeHash(genesis.Suite)));
        }
    }

    [Theory]
    [InlineData(Engine.RocksDb, "zero")]
    [InlineData(Engine.RocksDb, "foreign")]
    [InlineData(Engine.Memory, "zero")]
    [InlineData(Engine.Memory, "foreign")]
    public void A_diff_carrying_a_wrong_storage_root_still_commits_the_root_of_the_accounts_storage_trie(Engine engine, string wrongRoot)
    {
        using var storage = new TestStorage(engine);
        // What an executor over pending blocks leaves in its diff: the root from before those blocks (zero here), or any
        // other value. The store owns storage roots, so neither the committed nor the speculative root may use it.
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        var wrong = wrongRoot == "zero" ? Hash32.Zero : genesis.Suite.Hash([1, 2, 3]);
        var deployed = ExpectedStorageRoot<Sha256Hasher>((1, 10), (2, 20));
        var funded = new AccountState(1, new UInt256(5), CodeHash(genesis.Suite));
        using var store = storage.Open(genesis);
        Deploy(store, genesis, (1, 10), (2, 20));

        // Balance only: the account keeps its committed storage root.
        var balanceOnly = new KeyValuePair<Address, AccountState>(Token, funded with { StorageRoot = wrong });
        var speculative = store.ComputeStateRoot([([balanceOnly], ContractStateDiff.None)]);
        Commit(store, genesis, [balanceOnly], ContractStateDiff.None);
        Assert.Equal(deployed, store.GetAccount(Token).StorageRoot);
        Assert.Equal(speculative, store.StateRoot);
        using (var referenceStorage = new TestStorage(engine))
        using (var reference = referenceStorage.Open(genesis))
        {
            // The same blocks with the right root in the diff give the same state root.
            Deploy(reference, genesis, (1, 10), (2, 20));
            Commit(reference, genesis, [new(Token, funded with { StorageRoot = deployed })], ContractStateDiff.None);
            Assert.Equal(reference.StateRoot, store.StateRoot);
        }

        // Balance and storage: the trie is updated from the committed root, not from the diff's.
        var withSlot = new KeyValuePair<Address, AccountState>(Token, funded with { Balance = new UInt256(6), StorageRoot = wrong });
        speculative = store.ComputeStateRoot([([withSlot], Slots((5, 50)))]);
        Commit(store, genesis, [withSlot], Slots((5, 50)));
        var expected = ExpectedStorageRoot<Sha256Hasher>((1, 10), (2, 20), (5, 50));
        Assert.Equal(expected, store.GetAccount(Token).StorageRoot);
        Assert.Equal(speculative, store.StateRoot);
        Assert.True(StateProofVerifier.TryReadStorageRoot(store.GetAccountProof(Token).Leaf, out var inLeaf));
        Assert.Equal(expected, inLeaf);
        store.CheckStateFull(storage.Directory);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Deleting_every_slot_leaves_the_empty_storage_root_and_no_trie_nodes(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var store = storage.Open(genesis);
        Deploy(store, genesis, (1, 10), (2, 20));
        Commit(store, genesis, [], Slots((1, 0), (2, 0)));
        Assert.True(store.GetAccount(Token).StorageRoot.IsZero);
        Assert.True(StateProofVerifier.TryReadStorageRoot(store.GetAccountProof(Token).Leaf, out var inLeaf));
        Assert.Equal(MerklePatriciaTrie<Sha256Hasher>.EmptyRoot, inLeaf);
        store.CheckStateFull(storage.Directory);
    }

    [Theory]
    [InlineData(Engine.RocksDb, CryptoSuite.Ed25519Sha256Name)]
    [InlineData(Engine.RocksDb, CryptoSuite.Sm2Sm3Name)]
    [InlineData(Engine.Memory, CryptoSuite.Ed25519Sha256Name)]
    [InlineData(Engine.Memory, CryptoSuite.Sm2Sm3Name)]
    public void Storage_proofs_verify_presence_and_absence_against_the_state_root_and_reject_a_wrong_value(Engine engine, string suiteName)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.FromName(suiteName));
        using var store = storage.Open(genesis);
        Deploy(store, genesis, (1, 10), (2, 20));
        var proof = store.GetAccountProof(Token, null, [new UInt256(2), new UInt256(7)])!;
        Assert.Equal(2, proof.Storage.Count);
        var present = proof.Storage[0];
        Assert.Equal(new UInt256(20), present.Value);
        Assert.Equal(TrieProofResult.Present, Verify(suiteName, proof.StateRoot, Token, proof.Nodes, new UInt256(2), present.Nodes, out var value));
        Assert.Equal(new UInt256(20), value);
        Assert.Equal(TrieProofResult.Absent, Verify(suiteName, proof.StateRoot, Token, proof.Nodes, new UInt256(7), proof.Storage[1].Nodes, out _));
        // The proof of slot 2 does not prove slot 1's value, nor anything under another state root.
        Assert.NotEqual(TrieProofResult.Present, Verify(suiteName, proof.StateRoot, Token, proof.Nodes, new UInt256(1), present.Nodes, out _));
        Assert.Equal(TrieProofResult.Invalid, Verify(suiteName, store.GetStateRoot(0)!.Value, Token, proof.Nodes, new UInt256(2), present.Nodes, out _));
        // An absent account proves every slot absent.
        var nobody = new Address([.. new byte[19], 0x77]);
        var absent = store.GetAccountProof(nobody, null, [new UInt256(2)])!;
        Assert.Equal(TrieProofResult.Absent, Verify(suiteName, absent.StateRoot, nobody, absent.Nodes, new UInt256(2), absent.Storage[0].Nodes, out _));
    }

    private static TrieProofResult Verify(string suite, Hash32 root, Address address, byte[][] accountProof, UInt256 slot, byte[][] storageProof, out UInt256 value) =>
        suite == CryptoSuite.Sm2Sm3Name
            ? StateProofVerifier.VerifySlot<Sm3Hasher>(root, address, accountProof, slot, storageProof, out value)
            : StateProofVerifier.VerifySlot<Sha256Hasher>(root, address, accountProof, slot, storageProof, out value);

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Past_heights_in_the_window_prove_and_read_the_slot_values_of_that_height(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var store = storage.Open(genesis, proofWindow: 4);
        Deploy(store, genesis, (1, 1));
        for (ulong i = 2; i <= 5; i++)
        {
            Commit(store, genesis, [], Slots((1, i), (i, i)));
        }
        for (ulong h = 1; h <= 5; h++)
        {
            var proof = store.GetAccountProof(Token, h, [new UInt256(1), new UInt256(5)])!;
            Assert.Equal(store.GetStateRoot(h), proof.StateRoot);
            Assert.Equal(TrieProofResult.Present, StateProofVerifier.VerifySlot<Sha256Hasher>(proof.StateRoot, Token, proof.Nodes,
                new UInt256(1), proof.Storage[0].Nodes, out var value));
            Assert.Equal(new UInt256(h), value);
            Assert.Equal(h == 5 ? TrieProofResult.Present : TrieProofResult.Absent, StateProofVerifier.VerifySlot<Sha256Hasher>(
                proof.StateRoot, Token, proof.Nodes, new UInt256(5), proof.Storage[1].Nodes, out _));
            using var view = store.OpenStateView(h)!;
            Assert.Equal(h, view.Height);
            Assert.Equal(new UInt256(h), view.GetStorage(Token, new UInt256(1)));
            Assert.Equal(h >= 3 ? new UInt256(3) : UInt256.Zero, view.GetStorage(Token, new UInt256(3)));
            Assert.Equal(CodeHash(genesis.Suite), view.GetAccount(Token).CodeHash);
        }
        Assert.Null(store.OpenStateView(6));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_head_view_keeps_reading_its_height_while_blocks_commit(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var store = storage.Open(genesis);
        Deploy(store, genesis, (1, 1));
        using var view = store.OpenStateView(null)!;
        Commit(store, genesis, [], Slots((1, 2)));
        Assert.Equal(1UL, view.Height);
        Assert.Equal(new UInt256(1), view.GetStorage(Token, new UInt256(1)));
        Assert.Equal(new UInt256(2), store.GetStorage(Token, new UInt256(1)));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Clearing_an_accounts_storage_removes_its_slots_and_trie_before_the_blocks_own_writes(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var store = storage.Open(genesis);
        Deploy(store, genesis, (1, 10), (2, 20));
        Commit(store, genesis, [], Slots((3, 30)) with { ClearedStorage = [Token] });
        Assert.Equal(UInt256.Zero, store.GetStorage(Token, new UInt256(1)));
        Assert.Equal(new UInt256(30), store.GetStorage(Token, new UInt256(3)));
        Assert.Equal(ExpectedStorageRoot<Sha256Hasher>((3, 30)), store.GetAccount(Token).StorageRoot);
        store.CheckStateFull(storage.Directory);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_flat_slot_that_disagrees_with_its_storage_trie_is_detected_at_startup(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using (var store = storage.Open(genesis))
        {
            Deploy(store, genesis, (1, 10));
        }
        storage.WithEngine(db => db.Put(ColumnFamilyNames.Storage, StorageKey(Token, 1), new UInt256(11).ToBigEndian()));
        var error = Assert.Throws<StoreException>(() => storage.Open(genesis));
        Assert.Contains("storage slot", error.Message);
    }

    private static byte[] StorageKey(Address address, ulong slot) => [.. address.ToArray(), .. new UInt256(slot).ToBigEndian()];
}
