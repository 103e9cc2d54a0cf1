using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage.Engines;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

public sealed class ChainStoreTests : IDisposable
{
    private static readonly Address Funded = Address.Parse("0x1111111111111111111111111111111111111111");
    // For the tests of RocksDB's data dirs alone.
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("shc-store-").FullName, "chain");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);

    private static GenesisFile Genesis(string chainId = "store-chain") => new()
    {
        ChainId = chainId,
        Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(KeyFile.Generate(CryptoSuite.Ed25519Sha256).PublicKey) }],
        Accounts = [new GenesisAccount { Address = Funded.ToString(), Balance = "5000" }],
    };

    private static SealedBlock NextBlock(ChainStore store, GenesisFile genesis) =>
        new(new BlockHeader
        {
            ChainId = genesis.ChainId,
            Height = store.HeadHeight + 1,
            ParentHash = ByteString.CopyFrom(store.HeadHash.ToArray()),
            TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(genesis.Suite, []).ToArray()),
        }, [], genesis.Suite);

    private static QuorumCertificate CertificateFor(SealedBlock block) =>
        new() { Height = block.Height, BlockHash = ByteString.CopyFrom(block.Hash.ToArray()) };

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_new_store_holds_the_genesis_state_at_height_zero(Engine engine)
    {
        var genesis = Genesis();
        using var storage = new TestStorage(engine);
        using var store = storage.Open(genesis);
        Assert.Equal(0UL, store.HeadHeight);
        Assert.Equal(genesis.ComputeHash(), store.HeadHash);
        Assert.Equal(new UInt256(5000), store.GetAccount(Funded).Balance);
        Assert.True(store.GetAccount(Address.Zero).IsEmpty);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void An_epochs_last_block_keeps_its_epoch_end_record_across_reopening_and_loses_it_with_the_block_in_a_rollback(Engine engine)
    {
        var genesis = Genesis();
        var suite = genesis.Suite;
        var next = new RelayValidatorSet { Validators = { new RelayValidator { PublicKey = ByteString.CopyFrom(KeyFile.Generate(suite).PublicKey), Power = 1 } } };
        using var storage = new TestStorage(engine);
        EpochEndCommit record;
        using (var store = storage.Open(genesis, proofWindow: 16))
        {
            var plain = NextBlock(store, genesis);
            store.Commit(plain, CertificateFor(plain), [], []);
            // Block 2 ends epoch 1: it announces the next set, and the commit carries the record of its suffix.
            var header = NextBlock(store, genesis).Header.Clone();
            header.Epoch = 1;
            header.ValidatorSetHash = ByteString.CopyFrom(suite.Hash("epoch 1"u8).ToArray());
            header.NextValidatorSetHash = ByteString.CopyFrom(ValidatorSet.Hash(suite, next).ToArray());
            var last = new SealedBlock(header, [], suite);
            record = new EpochEndCommit
            {
                Epoch = 1,
                Height = 2,
                Commit = new CommitProof { Descendants = { ByteString.CopyFromUtf8("suffix header") }, Certificate = new QuorumCertificate { Epoch = 1, Round = 7, Height = 3 } },
                NextValidators = next,
            };
            // A record that names another block is a caller's bug, refused before anything is written.
            Assert.Throws<ArgumentException>(() => store.Commit(last, CertificateFor(last), [], [], epochEnd: new EpochEndCommit(record) { Height = 3 }));
            Assert.Equal(1UL, store.HeadHeight);
            store.Commit(last, CertificateFor(last), [], [], epochEnd: record);
        }
        using (var reopened = storage.Open(genesis, proofWindow: 16))
        {
            Assert.Equal(record, reopened.GetEpochEnd(1));
            Assert.Equal(record, reopened.GetCommittedBlock(2)!.EpochEnd);
            Assert.Null(reopened.GetCommittedBlock(1)!.EpochEnd);
            Assert.Null(reopened.GetEpochEnd(2));
            // A record is never replaced, and is added later only for exactly the block it names.
            var last = new SealedBlock(reopened.GetCommittedBlock(2)!.Block, suite);
            Assert.False(reopened.AddEpochEnd(last, new EpochEndCommit(record) { Commit = new CommitProof() }));
            Assert.Equal(record, reopened.GetEpochEnd(1));
            // Rolled back in place below the block, its record goes with it.
            reopened.RollBack(1);
        }
        using (var rolledBack = storage.Open(genesis, proofWindow: 16))
        {
            Assert.Null(rolledBack.GetCommittedBlock(2));
            Assert.Null(rolledBack.GetEpochEnd(1));
        }
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_last_block_committed_without_its_record_gets_it_later_and_durably(Engine engine)
    {
        var genesis = Genesis();
        var suite = genesis.Suite;
        using var storage = new TestStorage(engine);
        var record = new EpochEndCommit { Epoch = 1, Height = 1, Commit = new CommitProof { Descendants = { ByteString.CopyFromUtf8("suffix") } } };
        using (var store = storage.Open(genesis))
        {
            var header = NextBlock(store, genesis).Header.Clone();
            header.Epoch = 1;
            header.ValidatorSetHash = ByteString.CopyFrom(suite.Hash("epoch 1"u8).ToArray());
            header.NextValidatorSetHash = ByteString.CopyFrom(suite.Hash("epoch 2"u8).ToArray());
            var last = new SealedBlock(header, [], suite);
            store.Commit(last, CertificateFor(last), [], []);
            Assert.Null(store.GetCommittedBlock(1)!.EpochEnd);
            // Not for another block of that height.
            var other = header.Clone();
            other.TimestampMs = 42;
            Assert.False(store.AddEpochEnd(new SealedBlock(other, [], suite), record));
            Assert.True(store.AddEpochEnd(last, record));
        }
        using (var reopened = storage.Open(genesis))
        {
            Assert.Equal(record, reopened.GetCommittedBlock(1)!.EpochEnd);
        }
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Committed_blocks_receipts_and_state_survive_reopening(Engine engine)
    {
        var genesis = Genesis();
        var txId = genesis.Suite.Hash("tx"u8);
        SealedBlock block;
        using var storage = new TestStorage(engine);
        using (var store = storage.Open(genesis))
        {
            block = NextBlock(store, genesis);
            var receipt = new Receipt { TxId = ByteString.CopyFrom(txId.ToArray()), BlockHeight = 1, Status = ReceiptStatus.Success };
            store.Commit(block, CertificateFor(block), [receipt],
                [new(Funded, new AccountState(1, new UInt256(4000), Hash32.Zero)), new(Address.Zero, new AccountState(0, new UInt256(1000), Hash32.Zero))]);
        }
        using (var reopened = storage.Open(genesis))
        {
            Assert.Equal(1UL, reopened.HeadHeight);
            Assert.Equal(block.Hash, reopened.HeadHash);
            Assert.Equal(new AccountState(1, new UInt256(4000), Hash32.Zero), reopened.GetAccount(Funded));
            Assert.Equal(ReceiptStatus.Success, reopened.GetReceipt(txId)!.Status);
            Assert.Equal(new TxLocation(1, 0), reopened.GetTxLocation(txId));
            Assert.True(reopened.ContainsTransaction(txId));
            Assert.Equal(1UL, reopened.GetHeightByHash(block.Hash));
            Assert.NotNull(reopened.GetCommittedBlock(1)!.Certificate);
        }
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_repeated_transaction_keeps_its_first_location_and_receipt_in_its_block_and_in_later_ones(Engine engine)
    {
        var genesis = Genesis();
        using var storage = new TestStorage(engine);
        var (a, b, c, never) = (genesis.Suite.Hash("a"u8), genesis.Suite.Hash("b"u8), genesis.Suite.Hash("c"u8), genesis.Suite.Hash("d"u8));
        void CommitReceipts(ChainStore store, params (Hash32 Id, ReceiptStatus Status)[] receipts)
        {
            var block = NextBlock(store, genesis);
            store.Commit(block, CertificateFor(block), [.. receipts.Select(r => new Receipt { TxId = ByteString.CopyFrom(r.Id.ToArray()), Status = r.Status })], []);
        }
        using (var store = storage.Open(genesis))
        {
            CommitReceipts(store, (a, ReceiptStatus.Success), (b, ReceiptStatus.Success), (a, ReceiptStatus.Failed));
            Assert.Equal(new TxLocation(1, 0), store.GetTxLocation(a));
            Assert.Equal(ReceiptStatus.Success, store.GetReceipt(a)!.Status);
        }
        // Reopened, RocksDB reads the index from table files rather than the memtable.
        using (var store = storage.Open(genesis))
        {
            CommitReceipts(store, (c, ReceiptStatus.Success), (a, ReceiptStatus.Failed), (b, ReceiptStatus.Failed));
            Assert.Equal(new TxLocation(1, 0), store.GetTxLocation(a));
            Assert.Equal(ReceiptStatus.Success, store.GetReceipt(a)!.Status);
            Assert.Equal(new TxLocation(1, 1), store.GetTxLocation(b));
            Assert.Equal(ReceiptStatus.Success, store.GetReceipt(b)!.Status);
            Assert.Equal(new TxLocation(2, 0), store.GetTxLocation(c));
            Assert.Equal([true, true, true, false], store.ContainsTransactions([a, b, c, never]));
        }
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_block_that_does_not_extend_the_head_is_refused(Engine engine)
    {
        var genesis = Genesis();
        using var storage = new TestStorage(engine);
        using var store = storage.Open(genesis);
        var block = NextBlock(store, genesis);
        store.Commit(block, CertificateFor(block), [], []);
        Assert.Throws<InvalidOperationException>(() => store.Commit(block, CertificateFor(block), [], []));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_store_of_another_chain_is_refused_with_a_clear_error(Engine engine)
    {
        using var storage = new TestStorage(engine);
        using (storage.Open(Genesis("chain-a")))
        {
        }
        var ex = Assert.Throws<StoreException>(() => storage.Open(Genesis("chain-b")));
        Assert.Contains("belongs to chain 'chain-a'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_with_foreign_files_is_refused_and_left_untouched()
    {
        Directory.CreateDirectory(_dir);
        var foreign = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(foreign, "mine");
        Assert.Throws<StoreException>(() => ChainStore.Open(_dir, Genesis()));
        Assert.Equal("mine", File.ReadAllText(foreign));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_store_with_corrupt_files_is_refused_not_reset()
    {
        var genesis = Genesis();
        using (var store = ChainStore.Open(_dir, genesis))
        {
            var block = NextBlock(store, genesis);
            store.Commit(block, CertificateFor(block), [], []);
        }
        foreach (var manifest in Directory.GetFiles(_dir, "MANIFEST-*"))
        {
            File.WriteAllBytes(manifest, new byte[64]);
        }
        var ex = Assert.Throws<StoreException>(() => ChainStore.Open(_dir, genesis));
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(_dir, "MANIFEST-*"));
    }

    [Fact]
    public void A_data_dir_is_in_use_while_a_store_holds_it_open_and_free_once_closed()
    {
        ChainStore.ThrowIfInUse(_dir);
        var genesis = Genesis();
        using (ChainStore.Open(_dir, genesis))
        {
            var ex = Assert.Throws<StoreException>(() => ChainStore.ThrowIfInUse(_dir));
            Assert.Contains("in use by another process", ex.Message, StringComparison.Ordinal);
        }
        ChainStore.ThrowIfInUse(_dir);
        // A damaged data dir is not "in use": removing it is what a reset is for.
        foreach (var manifest in Directory.GetFiles(_dir, "MANIFEST-*"))
        {
            File.WriteAllBytes(manifest, new byte[64]);
        }
        ChainStore.ThrowIfInUse(_dir);
    }

    private static Receipt ReceiptOf(Hash32 txId, ulong height) =>
        new() { TxId = ByteString.CopyFrom(txId.ToArray()), BlockHeight = height, Status = ReceiptStatus.Success };

    [Fact]
    public void A_store_opened_in_memory_commits_and_serves_blocks_state_and_proofs()
    {
        var genesis = Genesis();
        var txId = genesis.Suite.Hash("tx"u8);
        using var store = ChainStore.OpenInMemory(genesis, proofWindow: 4);
        var genesisRoot = store.StateRoot;
        var block = NextBlock(store, genesis);
        store.Commit(block, CertificateFor(block), [ReceiptOf(txId, 1)], [new(Funded, new AccountState(1, new UInt256(4000), Hash32.Zero))]);
        Assert.Equal(1UL, store.HeadHeight);
        Assert.Equal(block.Hash, store.HeadHash);
        Assert.Equal(new TxLocation(1, 0), store.GetTxLocation(txId));
        Assert.Equal(new UInt256(4000), store.GetAccount(Funded).Balance);
        Assert.Equal(genesisRoot, store.GetAccountProof(Funded, 0)!.StateRoot);
        Assert.Equal(new UInt256(5000), store.GetAccountProof(Funded, 0)!.Account.Balance);
        using var past = store.OpenStateView(0)!;
        Assert.Equal(new UInt256(5000), past.GetAccount(Funded).Balance);
    }

    [Fact]
    public void A_data_dir_made_with_the_genesis_hash_of_older_versions_is_refused_with_a_message_saying_so()
    {
        var genesis = Genesis();
        using var engine = new MemoryEngine();
        ChainStore.Open(engine, genesis).Dispose();
        // What versions before the canonical genesis encoding stored: the hash of the node's JSON re-serialization.
        using (var batch = engine.CreateWriteBatch())
        {
            batch.Put(engine.GetFamily(ColumnFamilyNames.Metadata), StoreKeys.GenesisHash,
                genesis.Suite.Hash(System.Text.Encoding.UTF8.GetBytes(genesis.ToJson())).ToArray());
            engine.Write(batch, sync: true);
        }

        var refused = Assert.Throws<StoreException>(() => ChainStore.Open(engine, genesis));

        Assert.Contains("older version of shanghaichain", refused.Message, StringComparison.Ordinal);
        Assert.Contains(genesis.ComputeHash().ToString(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_write_stops_the_store_and_leaves_the_last_committed_block_intact()
    {
        var genesis = Genesis();
        var (first, second) = (genesis.Suite.Hash("first"u8), genesis.Suite.Hash("second"u8));
        using var engine = new MemoryEngine();
        SealedBlock committed;
        Hash32 root;
        long writesAfterFailure;
        using (var store = ChainStore.Open(engine, genesis))
        {
            committed = NextBlock(store, genesis);
            store.Commit(committed, CertificateFor(committed), [ReceiptOf(first, 1)], [new(Funded, new AccountState(1, new UInt256(4000), Hash32.Zero))]);
            root = store.StateRoot;

            engine.FailWrite = _ => true;
            var next = NextBlock(store, genesis);
            var failed = Assert.Throws<StoreException>(() =>
                store.Commit(next, CertificateFor(next), [ReceiptOf(second, 2)], [new(Funded, new AccountState(2, new UInt256(3000), Hash32.Zero))]));
            Assert.Contains("writing block 2 failed", failed.Message, StringComparison.Ordinal);
            Assert.IsType<StorageEngineException>(failed.InnerException);

            // The engine works again, the store stays stopped: its account trie holds a block the engine does not.
            engine.FailWrite = null;
            var refused = Assert.Throws<StoreException>(() => store.Commit(next, CertificateFor(next), [], []));
            Assert.Contains("earlier block write failed", refused.Message, StringComparison.Ordinal);
            Assert.Throws<StoreException>(() => store.GetAccountProof(Funded));
            Assert.Throws<StoreException>(() => store.OpenStateView(null));
            Assert.Equal(1UL, store.HeadHeight);
            Assert.Null(store.GetCommittedBlock(2));
            Assert.Null(store.GetReceipt(second));
            Assert.Equal(new UInt256(4000), store.GetAccount(Funded).Balance);
            writesAfterFailure = engine.WritesApplied;
        }
        // Closing a failed store writes nothing (no flush of its trie).
        Assert.Equal(writesAfterFailure, engine.WritesApplied);

        using var reopened = ChainStore.Open(engine, genesis, StateCheck.Full);
        Assert.Equal(1UL, reopened.HeadHeight);
        Assert.Equal(committed.Hash, reopened.HeadHash);
        Assert.Equal(root, reopened.StateRoot);
        Assert.Equal(new UInt256(4000), reopened.GetAccount(Funded).Balance);
        Assert.Equal(new TxLocation(1, 0), reopened.GetTxLocation(first));
        Assert.False(reopened.ContainsTransaction(second));
        // The chain goes on from the last committed block.
        var retried = NextBlock(reopened, genesis);
        reopened.Commit(retried, CertificateFor(retried), [ReceiptOf(second, 2)], [new(Funded, new AccountState(2, new UInt256(3000), Hash32.Zero))]);
        Assert.Equal(new TxLocation(2, 0), reopened.GetTxLocation(second));
    }
}
