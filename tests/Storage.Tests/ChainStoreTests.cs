using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

public sealed class ChainStoreTests : IDisposable
{
    private static readonly Address Funded = Address.Parse("0x1111111111111111111111111111111111111111");
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

    [Fact]
    public void A_new_store_holds_the_genesis_state_at_height_zero()
    {
        var genesis = Genesis();
        using var store = ChainStore.Open(_dir, genesis);
        Assert.Equal(0UL, store.HeadHeight);
        Assert.Equal(genesis.ComputeHash(), store.HeadHash);
        Assert.Equal(new UInt256(5000), store.GetAccount(Funded).Balance);
        Assert.True(store.GetAccount(Address.Zero).IsEmpty);
    }

    [Fact]
    public void Committed_blocks_receipts_and_state_survive_reopening()
    {
        var genesis = Genesis();
        var txId = genesis.Suite.Hash("tx"u8);
        SealedBlock block;
        using (var store = ChainStore.Open(_dir, genesis))
        {
            block = NextBlock(store, genesis);
            var receipt = new Receipt { TxId = ByteString.CopyFrom(txId.ToArray()), BlockHeight = 1, Status = ReceiptStatus.Success };
            store.Commit(block, CertificateFor(block), [receipt],
                [new(Funded, new AccountState(1, new UInt256(4000), Hash32.Zero)), new(Address.Zero, new AccountState(0, new UInt256(1000), Hash32.Zero))]);
        }
        using (var reopened = ChainStore.Open(_dir, genesis))
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

    [Fact]
    public void A_repeated_transaction_keeps_its_first_location_and_receipt_in_its_block_and_in_later_ones()
    {
        var genesis = Genesis();
        var (a, b, c, never) = (genesis.Suite.Hash("a"u8), genesis.Suite.Hash("b"u8), genesis.Suite.Hash("c"u8), genesis.Suite.Hash("d"u8));
        void CommitReceipts(ChainStore store, params (Hash32 Id, ReceiptStatus Status)[] receipts)
        {
            var block = NextBlock(store, genesis);
            store.Commit(block, CertificateFor(block), [.. receipts.Select(r => new Receipt { TxId = ByteString.CopyFrom(r.Id.ToArray()), Status = r.Status })], []);
        }
        using (var store = ChainStore.Open(_dir, genesis))
        {
            CommitReceipts(store, (a, ReceiptStatus.Success), (b, ReceiptStatus.Success), (a, ReceiptStatus.Failed));
            Assert.Equal(new TxLocation(1, 0), store.GetTxLocation(a));
            Assert.Equal(ReceiptStatus.Success, store.GetReceipt(a)!.Status);
        }
        // Reopened, the index is read from table files rather than the memtable.
        using (var store = ChainStore.Open(_dir, genesis))
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

    [Fact]
    public void A_block_that_does_not_extend_the_head_is_refused()
    {
        var genesis = Genesis();
        using var store = ChainStore.Open(_dir, genesis);
        var block = NextBlock(store, genesis);
        store.Commit(block, CertificateFor(block), [], []);
        Assert.Throws<InvalidOperationException>(() => store.Commit(block, CertificateFor(block), [], []));
    }

    [Fact]
    public void A_data_dir_of_another_chain_is_refused_with_a_clear_error()
    {
        using (ChainStore.Open(_dir, Genesis("chain-a")))
        {
        }
        var ex = Assert.Throws<StoreException>(() => ChainStore.Open(_dir, Genesis("chain-b")));
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
}
