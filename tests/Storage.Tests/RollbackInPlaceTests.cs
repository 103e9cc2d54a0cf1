using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

/// <summary>
/// Rolling back in place: blocks undone from what the store keeps for the proof window leave exactly the store that
/// stopped at the target, byte for byte in every family that holds state or blocks, and the same blocks committed again
/// give the same roots. Across a flush of the account trie, across storage wipes and deleted accounts, on a store
/// restored from a snapshot; refused, with the reason, where the history is not there.
/// </summary>
public sealed class RollbackInPlaceTests
{
    private const ulong Window = 100;
    private static readonly byte[] Code = [0x60, 0x01, 0x60, 0x00, 0x55, 0x00];

    private static readonly string[] ComparedFamilies =
    [
        ColumnFamilyNames.Blocks, ColumnFamilyNames.Certificates, ColumnFamilyNames.BlockHashes, ColumnFamilyNames.TxIndex,
        ColumnFamilyNames.Receipts, ColumnFamilyNames.Accounts, ColumnFamilyNames.Storage, ColumnFamilyNames.Code,
        ColumnFamilyNames.TrieNodes, ColumnFamilyNames.StateRoots, ColumnFamilyNames.TrieHistory, ColumnFamilyNames.StateJournal,
        ColumnFamilyNames.StateUndo,
    ];

    private static GenesisFile Genesis(CryptoSuite suite) => new()
    {
        ChainId = "rollback-chain",
        CryptoSuite = suite.Name,
        Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(KeyFile.Generate(suite).PublicKey) }],
        Accounts = [new GenesisAccount { Address = Account(0xAA, 0).ToString(), Balance = "1000000" }],
    };

    private static Address Account(byte kind, int i) => new([kind, .. new byte[16], (byte)(i >> 8), (byte)i, 1]);

    /// <summary>
    /// The blocks of a deterministic chain: transfers between accounts (some created, some emptied), contracts that
    /// write, zero and rewrite slots, a contract deleted with its storage wiped and later recreated, and transactions
    /// whose index entries and receipts must go with their block.
    /// </summary>
    private sealed class ChainScript(CryptoSuite suite, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly Dictionary<Address, AccountState> _accounts = [];
        private readonly Dictionary<Address, HashSet<UInt256>> _slots = [];

        public (List<KeyValuePair<Address, AccountState>> Accounts, ContractStateDiff Contracts, List<byte[]> Transactions) Block(ulong height)
        {
            var codeHash = suite.Hash(Code);
            var accounts = new Dictionary<Address, AccountState>();
            var storage = new List<StorageChange>();
            var cleared = new List<Address>();
            for (var i = 0; i < 6; i++)
            {
                var address = Account(0x10, _random.Next(40));
                var balance = _random.Next(4) == 0 ? 0UL : (ulong)_random.Next(1, 1_000_000);
                accounts[address] = balance == 0 ? AccountState.Empty : new AccountState(height, new UInt256(balance), Hash32.Zero);
            }
            for (var c = 0; c < 3; c++)
            {
                var contract = Account(0xC0, c);
                var slots = _slots.TryGetValue(contract, out var held) ? held : _slots[contract] = [];
                if (height % 17 == (ulong)c + 5 && slots.Count > 0)
                {
                    // Self-destructed: the account goes, its storage is wiped.
                    cleared.Add(contract);
                    accounts[contract] = AccountState.Empty;
                    slots.Clear();
                    continue;
                }
                accounts[contract] = new AccountState(1, new UInt256(height), codeHash);
                foreach (var slot in Enumerable.Range(0, 4).Select(_ => new UInt256((ulong)_random.Next(30))).Distinct())
                {
                    var value = _random.Next(3) == 0 ? UInt256.Zero : new UInt256((ulong)_random.Next(1, 1000));
                    storage.Add(new StorageChange(contract, slot, value));
                    if (value.IsZero)
                    {
                        slots.Remove(slot);
                    }
                    else
                    {
                        slots.Add(slot);
                    }
                }
            }
            storage.Sort((a, b) => a.Address != b.Address ? a.Address.CompareTo(b.Address) : a.Slot.CompareTo(b.Slot));
            cleared.Sort();
            var transactions = Enumerable.Range(0, 3).Select(i => Transaction(height, i)).ToList();
            if (height > 3)
            {
                // A transaction repeated from block 2: its index entry and receipt stay with block 2.
                transactions.Add(Transaction(2, 0));
            }
            foreach (var (address, account) in accounts)
            {
                _accounts[address] = account;
            }
            return ([.. accounts.OrderBy(a => a.Key)], new ContractStateDiff { Code = [new(codeHash, Code)], Storage = storage, ClearedStorage = cleared }, transactions);
        }

        private byte[] Transaction(ulong height, int i) => [.. BitConverter.GetBytes(height), (byte)i, 0];
    }

    private static void Commit(ChainStore store, GenesisFile genesis, ChainScript script)
    {
        var (accounts, contracts, transactions) = script.Block(store.HeadHeight + 1);
        var suite = genesis.Suite;
        var parentReceipts = store.HeadHeight == 0 ? [] : store.GetCommittedBlock(store.HeadHeight)!.Block.Transactions
            .Select(t => suite.Hash(store.GetReceipt(suite.Hash(t.Span))!.ToByteArray())).ToArray();
        var block = new SealedBlock(new BlockHeader
        {
            ChainId = genesis.ChainId,
            Height = store.HeadHeight + 1,
            ParentHash = store.HeadHash.ToByteString(),
            StateRootOfParent = store.StateRoot.ToByteString(),
            ReceiptsRootOfParent = BinaryMerkleTree.ComputeRoot(suite, parentReceipts).ToByteString(),
        }, transactions, genesis.Suite);
        var receipts = transactions.Select(t => new Receipt { TxId = genesis.Suite.Hash(t).ToByteString(), Status = ReceiptStatus.Success }).ToList();
        store.Commit(block, new QuorumCertificate { Height = block.Height, BlockHash = block.Hash.ToByteString() }, receipts, accounts, contracts);
    }

    private static Dictionary<string, List<(string Key, string Value)>> Contents(TestStorage storage) => storage.WithEngine(engine =>
        ComparedFamilies.ToDictionary(family => family, family =>
            engine.Scan(engine.GetFamily(family), []).Select(kv => (Convert.ToHexString(kv.Key), Convert.ToHexString(kv.Value))).ToList()));

    private static void AssertSameContents(TestStorage expected, TestStorage actual)
    {
        var want = Contents(expected);
        var got = Contents(actual);
        foreach (var family in ComparedFamilies)
        {
            var missing = want[family].Except(got[family]).Take(3).ToList();
            var extra = got[family].Except(want[family]).Take(3).ToList();
            Assert.True(missing.Count == 0 && extra.Count == 0 && want[family].Count == got[family].Count,
                $"{family}: {want[family].Count} entries expected, {got[family].Count} found; missing {string.Join(", ", missing)}; extra {string.Join(", ", extra)}");
        }
    }

    [Theory]
    [InlineData(Engine.RocksDb, "ed25519-sha256", 80, 50)]
    [InlineData(Engine.Memory, "sm2-sm3", 80, 79)]
    [InlineData(Engine.Memory, "ed25519-sha256", 70, 66)]
    public void Undoing_blocks_in_place_leaves_the_store_that_stopped_at_the_target_and_the_same_blocks_give_the_same_roots(
        Engine engine, string suiteName, int head, int target)
    {
        var genesis = Genesis(CryptoSuite.FromName(suiteName));
        using var rolled = new TestStorage(engine);
        using var reference = new TestStorage(engine);
        var roots = new List<Hash32>();
        using (var store = rolled.Open(genesis, proofWindow: Window))
        {
            var script = new ChainScript(genesis.Suite, seed: 7);
            for (var i = 0; i < head; i++)
            {
                Commit(store, genesis, script);
                roots.Add(store.StateRoot);
            }
            Assert.Null(store.CannotRollBackInPlace((ulong)target));
            store.RollBack((ulong)target);
            // The instance is retired: it refuses further use.
            Assert.Contains("rolled back", Assert.Throws<StoreException>(() => store.CannotRollBackInPlace(0)).Message);
        }
        using (var store = reference.Open(genesis, proofWindow: Window))
        {
            var script = new ChainScript(genesis.Suite, seed: 7);
            for (var i = 0; i < target; i++)
            {
                Commit(store, genesis, script);
            }
        }
        AssertSameContents(reference, rolled);

        using (var store = rolled.Open(genesis, StateCheck.Full, proofWindow: Window))
        {
            Assert.Equal((ulong)target, store.HeadHeight);
            Assert.Equal(roots[target - 1], store.StateRoot);
            // The same blocks again: the same roots, height by height.
            var script = new ChainScript(genesis.Suite, seed: 7);
            for (var i = 0; i < target; i++)
            {
                script.Block((ulong)i + 1);
            }
            for (var i = target; i < head; i++)
            {
                Commit(store, genesis, script);
                Assert.Equal(roots[i], store.StateRoot);
            }
        }
    }

    [Fact]
    public void A_store_restored_from_a_snapshot_rolls_back_down_to_its_base_and_no_further()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var source = ChainStore.OpenInMemory(genesis, proofWindow: Window);
        var script = new ChainScript(genesis.Suite, seed: 11);
        var roots = new Dictionary<ulong, Hash32>();
        for (var i = 0; i < 31; i++)
        {
            // Block 31 carries the certified state root of 30, which the snapshot's manifest needs.
            Commit(source, genesis, script);
            roots[source.HeadHeight] = source.StateRoot;
        }
        var chunks = new List<byte[]>();
        var export = source.ExportSnapshot(30, 16 * 1024, chunks.Add);
        var manifest = SnapshotManifests.Check(genesis, source.BuildManifest(30, 0, export));
        var target = new MemoryEngine();
        using (var restore = SnapshotRestore.Begin(target, genesis, manifest))
        {
            foreach (var chunk in chunks)
            {
                restore.Add(chunk);
            }
            restore.Complete();
        }
        // The chain goes on; the restored node commits the same blocks after the snapshot.
        for (var i = 0; i < 9; i++)
        {
            Commit(source, genesis, script);
            roots[source.HeadHeight] = source.StateRoot;
        }
        var replay = new ChainScript(genesis.Suite, seed: 11);
        for (var i = 0; i < 30; i++)
        {
            replay.Block((ulong)i + 1);
        }
        using (var restored = ChainStore.Open(target, genesis, StateCheck.Full, proofWindow: Window))
        {
            for (var i = 0; i < 10; i++)
            {
                Commit(restored, genesis, replay);
                Assert.Equal(roots[restored.HeadHeight], restored.StateRoot);
            }
            Assert.Equal("height 29 is below the store's base height 30 (it was restored from a snapshot of that height)", restored.CannotRollBackInPlace(29));
            Assert.Null(restored.CannotRollBackInPlace(30));
            restored.RollBack(33);
        }
        using (var reopened = ChainStore.Open(target, genesis, StateCheck.Full, proofWindow: Window))
        {
            Assert.Equal(33UL, reopened.HeadHeight);
            Assert.Equal(roots[33], reopened.StateRoot);
            Assert.Null(reopened.GetCommittedBlock(34));
        }
    }

    [Fact]
    public void Without_the_history_a_rollback_in_place_is_refused_with_the_reason_and_nothing_changes()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var storage = new TestStorage(Engine.Memory);
        using (var store = storage.Open(genesis, proofWindow: 10))
        {
            var script = new ChainScript(genesis.Suite, seed: 3);
            for (var i = 0; i < 20; i++)
            {
                Commit(store, genesis, script);
            }
            Assert.Equal("only the last 9 blocks can be undone in place (state.proof_window_blocks is 10)", store.CannotRollBackInPlace(10));
            Assert.Equal("height 20 is not below the head 20", store.CannotRollBackInPlace(20));
            Assert.Null(store.CannotRollBackInPlace(11));
        }
        // A block committed by a version that kept no undo record.
        storage.WithEngine(engine => engine.Remove(ColumnFamilyNames.StateUndo, StoreKeys.Height(17)));
        var before = Contents(storage);
        using (var store = storage.Open(genesis, proofWindow: 10))
        {
            Assert.Equal("block 17 has no undo record (it was committed by a version that kept none)", store.CannotRollBackInPlace(15));
            Assert.Contains("block 17 has no undo record", Assert.Throws<StoreException>(() => store.RollBack(15)).Message);
        }
        var after = Contents(storage);
        Assert.All(ComparedFamilies, f => Assert.Equal(before[f], after[f]));
        using (var store = storage.Open(genesis, proofWindow: 0))
        {
            Assert.Equal("the store keeps no history to undo blocks with (state.proof_window_blocks is 0)", store.CannotRollBackInPlace(19));
        }
    }
}
