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
/// State snapshots: a store's state at a height written as chunks and rebuilt from them into an empty store, the way a
/// node that state-syncs does; and every way a snapshot can be wrong refused.
/// </summary>
public sealed class SnapshotTests
{
    private const int SmallChunks = 16 * 1024;
    private static readonly Address TokenA = Address(0xC0, 0);
    private static readonly Address TokenB = Address(0xC1, 0);
    private static readonly byte[] Code = [0x60, 0x01, 0x60, 0x00, 0x55, 0x00];

    private static Address Address(byte a, int i) => new([a, .. new byte[15], (byte)(i >> 16), (byte)(i >> 8), (byte)i, 1]);

    private static GenesisFile Genesis(CryptoSuite suite) => new()
    {
        ChainId = "snapshot-chain",
        CryptoSuite = suite.Name,
        Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(KeyFile.Generate(suite).PublicKey) }],
        Accounts = [new GenesisAccount { Address = Address(0xAA, 0).ToString(), Balance = "1000" }],
    };

    /// <summary>Commits a block whose header carries its parent's results, as a real block does, with a certificate naming it.</summary>
    private static void Commit(ChainStore store, GenesisFile genesis, IReadOnlyList<KeyValuePair<Address, AccountState>> accounts, ContractStateDiff? contracts = null)
    {
        var block = new SealedBlock(new BlockHeader
        {
            ChainId = genesis.ChainId,
            Height = store.HeadHeight + 1,
            ParentHash = store.HeadHash.ToByteString(),
            StateRootOfParent = store.StateRoot.ToByteString(),
            ReceiptsRootOfParent = BinaryMerkleTree.ComputeRoot(genesis.Suite, []).ToByteString(),
        }, [], genesis.Suite);
        store.Commit(block, new QuorumCertificate { Height = block.Height, BlockHash = block.Hash.ToByteString() }, [],
            [.. accounts.OrderBy(a => a.Key)], contracts);
    }

    /// <summary>
    /// A chain of 5 blocks: 3,000 accounts, two contracts with one code (token A with 2,000 slots, so its storage spans
    /// chunks), then blocks that change accounts and slots after the snapshot height 4.
    /// </summary>
    private static void BuildChain(ChainStore store, GenesisFile genesis, bool clearSlotAfter = false)
    {
        var codeHash = genesis.Suite.Hash(Code);
        Commit(store, genesis, [.. Enumerable.Range(0, 1500).Select(i => KeyValuePair.Create(Address(0x10, i), new AccountState(0, new UInt256((ulong)i + 1), Hash32.Zero)))]);
        Commit(store, genesis, [.. Enumerable.Range(1500, 1500).Select(i => KeyValuePair.Create(Address(0x10, i), new AccountState(1, new UInt256(7), Hash32.Zero)))]);
        var slots = Enumerable.Range(1, 2000).Select(i => new StorageChange(TokenA, new UInt256((ulong)i), new UInt256((ulong)i * 3)))
            .Concat(Enumerable.Range(1, 5).Select(i => new StorageChange(TokenB, new UInt256((ulong)i), new UInt256(9))));
        Commit(store, genesis, [new(TokenA, new AccountState(1, UInt256.Zero, codeHash)), new(TokenB, new AccountState(1, UInt256.Zero, codeHash))],
            new ContractStateDiff { Code = [new(codeHash, Code)], Storage = [.. slots.OrderBy(s => s.Address).ThenBy(s => s.Slot)] });
        Commit(store, genesis, [new(Address(0x10, 3), new AccountState(5, new UInt256(99), Hash32.Zero))],
            new ContractStateDiff { Storage = [new(TokenA, new UInt256(5000), new UInt256(1))] });
        // After the snapshot height 4: an account changed, one deleted, one created, slots changed (and maybe cleared).
        Commit(store, genesis,
            [new(Address(0x10, 4), new AccountState(9, new UInt256(1), Hash32.Zero)), new(Address(0x10, 5), AccountState.Empty),
             new(Address(0x20, 1), new AccountState(0, new UInt256(5), Hash32.Zero))],
            new ContractStateDiff { Storage = [new(TokenA, new UInt256(1), clearSlotAfter ? UInt256.Zero : new UInt256(77)), new(TokenA, new UInt256(6000), new UInt256(2))] });
    }

    private sealed record Exported(SnapshotManifest Manifest, List<byte[]> Chunks);

    private static Exported Export(ChainStore store, ulong height, int chunkBytes = SmallChunks)
    {
        var chunks = new List<byte[]>();
        var export = store.ExportSnapshot(height, chunkBytes, chunks.Add);
        return new Exported(store.BuildManifest(height, 0, export), chunks);
    }

    private static ChainStore Restore(MemoryEngine target, GenesisFile genesis, Exported snapshot)
    {
        var manifest = SnapshotManifests.Check(genesis, snapshot.Manifest);
        using (var restore = SnapshotRestore.Begin(target, genesis, manifest))
        {
            foreach (var chunk in snapshot.Chunks)
            {
                restore.Add(chunk);
            }
            restore.Complete();
        }
        return ChainStore.Open(target, genesis, StateCheck.Full, proofWindow: 16);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_snapshot_below_the_head_rebuilds_the_state_of_its_height_in_an_empty_store(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var source = storage.Open(genesis, proofWindow: 16);
        BuildChain(source, genesis);
        var snapshot = Export(source, 4);
        Assert.True(snapshot.Chunks.Count >= 3, $"{snapshot.Chunks.Count} chunks");
        Assert.Equal(3003ul, snapshot.Manifest.AccountCount);
        Assert.Equal(2006ul, snapshot.Manifest.SlotCount);
        Assert.Equal(1ul, snapshot.Manifest.CodeCount);

        using var restored = Restore(new MemoryEngine(), genesis, snapshot);
        Assert.Equal(source.GetStateRoot(4), restored.StateRoot);
        Assert.Equal(4ul, restored.HeadHeight);
        Assert.Equal(4ul, restored.BaseHeight);
        Assert.Equal(source.GetCommittedBlock(4)!.Block, restored.GetCommittedBlock(4)!.Block);
        // The state of height 4, not of the head: the changes of block 5 are not in it.
        Assert.Equal(new AccountState(0, new UInt256(5), Hash32.Zero), restored.GetAccount(Address(0x10, 4)));
        Assert.Equal(new UInt256(6), restored.GetAccount(Address(0x10, 5)).Balance);
        Assert.True(restored.GetAccount(Address(0x20, 1)).IsEmpty);
        Assert.Equal(new UInt256(99), restored.GetAccount(Address(0x10, 3)).Balance);
        Assert.Equal(new UInt256(3), restored.GetStorage(TokenA, new UInt256(1)));
        Assert.Equal(new UInt256(1), restored.GetStorage(TokenA, new UInt256(5000)));
        Assert.Equal(UInt256.Zero, restored.GetStorage(TokenA, new UInt256(6000)));
        Assert.Equal(Code, restored.GetCode(genesis.Suite.Hash(Code)));
        // BLOCKHASH's reach: the ancestors' hashes are kept.
        Assert.Equal(source.GetCommittedBlock(1)!.Block.Header, restored.GetCommittedBlock(1)!.Block.Header);
    }

    [Fact]
    public void A_restored_store_takes_the_next_block_and_reaches_the_same_root()
    {
        var genesis = Genesis(CryptoSuite.Sm2Sm3);
        using var source = ChainStore.OpenInMemory(genesis, proofWindow: 16);
        BuildChain(source, genesis);
        using var restored = Restore(new MemoryEngine(), genesis, Export(source, 4));
        var next = source.GetCommittedBlock(5)!;
        // Block 5's diff, as execution would give it on the restored state.
        var accounts = new List<KeyValuePair<Address, AccountState>>
        {
            new(Address(0x10, 4), new AccountState(9, new UInt256(1), Hash32.Zero)), new(Address(0x10, 5), AccountState.Empty),
            new(Address(0x20, 1), new AccountState(0, new UInt256(5), Hash32.Zero)),
        };
        restored.Commit(new SealedBlock(next.Block, genesis.Suite), next.Certificate, [], [.. accounts.OrderBy(a => a.Key)],
            new ContractStateDiff { Storage = [new(TokenA, new UInt256(1), new UInt256(77)), new(TokenA, new UInt256(6000), new UInt256(2))] });
        Assert.Equal(source.StateRoot, restored.StateRoot);
    }

    [Fact]
    public void A_snapshot_at_the_head_needs_the_next_block_and_the_head_state_exports_when_it_comes()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var source = ChainStore.OpenInMemory(genesis);
        BuildChain(source, genesis);
        var chunks = new List<byte[]>();
        var export = source.ExportSnapshot(5, SmallChunks, chunks.Add);
        var error = Assert.Throws<StoreException>(() => source.BuildManifest(5, 0, export));
        Assert.Contains("block 6 is not in the store yet", error.Message);
        // Without a proof window only the head can be exported.
        Assert.Contains("not available", Assert.Throws<StoreException>(() => source.ExportSnapshot(4, SmallChunks, _ => { })).Message);
    }

    [Fact]
    public void A_tampered_chunk_is_refused_by_its_hash_before_anything_of_it_is_written()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var source = ChainStore.OpenInMemory(genesis, proofWindow: 16);
        BuildChain(source, genesis);
        var snapshot = Export(source, 4);
        var target = new MemoryEngine();
        using var restore = SnapshotRestore.Begin(target, genesis, SnapshotManifests.Check(genesis, snapshot.Manifest));
        restore.Add(snapshot.Chunks[0]);
        var tampered = (byte[])snapshot.Chunks[1].Clone();
        tampered[tampered.Length / 2] ^= 0x01;
        var error = Assert.Throws<SnapshotException>(() => restore.Add(tampered));
        Assert.Contains("chunk 1 does not have the hash the manifest lists", error.Message);
        Assert.Equal(1, restore.NextChunk);
        // The right chunk is still taken after a bad one (a node retries it from another peer).
        restore.Add(snapshot.Chunks[1]);
        Assert.Contains("ended after 2", Assert.Throws<SnapshotException>(() => restore.Complete()).Message);
    }

    [Fact]
    public void A_manifest_whose_chunks_do_not_rebuild_the_certified_root_is_refused_and_no_head_is_written()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var source = ChainStore.OpenInMemory(genesis, proofWindow: 16);
        BuildChain(source, genesis);
        var snapshot = Export(source, 4);
        // A hostile server: a chunk with one balance changed, listed under its own hash.
        var chunk = SnapshotChunk.Parser.ParseFrom(snapshot.Chunks[0]);
        var account = chunk.Accounts.First(a => !a.Continued);
        account.Balance = ByteString.CopyFrom(new UInt256(1_000_000).ToBigEndian());
        snapshot.Chunks[0] = chunk.ToByteArray();
        snapshot.Manifest.ChunkHashes[0] = genesis.Suite.Hash(snapshot.Chunks[0]).ToByteString();
        var target = new MemoryEngine();
        using (var restore = SnapshotRestore.Begin(target, genesis, SnapshotManifests.Check(genesis, snapshot.Manifest)))
        {
            foreach (var c in snapshot.Chunks)
            {
                restore.Add(c);
            }
            var error = Assert.Throws<SnapshotException>(() => restore.Complete());
            Assert.Contains("not the certified", error.Message);
        }
        Assert.Contains("no metadata", Assert.Throws<StoreException>(() => ChainStore.Open(target, genesis)).Message);
    }

    [Fact]
    public void A_manifest_that_does_not_hang_together_is_refused()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var source = ChainStore.OpenInMemory(genesis, proofWindow: 16);
        BuildChain(source, genesis);
        var snapshot = Export(source, 4);
        var wrongRoot = snapshot.Manifest.Clone();
        wrongRoot.StateRoot = Hash32.Zero.ToByteString();
        Assert.Contains("is not the one block 5 carries", Assert.Throws<SnapshotException>(() => SnapshotManifests.Check(genesis, wrongRoot)).Message);
        var otherChain = snapshot.Manifest.Clone();
        otherChain.ChainId = "elsewhere";
        Assert.Contains("of chain 'elsewhere'", Assert.Throws<SnapshotException>(() => SnapshotManifests.Check(genesis, otherChain)).Message);
        var brokenAncestry = snapshot.Manifest.Clone();
        brokenAncestry.AncestorHeaders.RemoveAt(0);
        Assert.Contains("ancestor headers", Assert.Throws<SnapshotException>(() => SnapshotManifests.Check(genesis, brokenAncestry)).Message);
        var notEmpty = new MemoryEngine();
        using (ChainStore.Open(notEmpty, genesis))
        {
        }
        Assert.Contains("not empty", Assert.Throws<SnapshotException>(() => SnapshotRestore.Begin(notEmpty, genesis, SnapshotManifests.Check(genesis, snapshot.Manifest))).Message);
    }

    [Fact]
    public void An_export_below_the_head_refuses_a_slot_cleared_since_rather_than_write_a_wrong_snapshot()
    {
        var genesis = Genesis(CryptoSuite.Ed25519Sha256);
        using var source = ChainStore.OpenInMemory(genesis, proofWindow: 16);
        BuildChain(source, genesis, clearSlotAfter: true);
        var error = Assert.Throws<StoreException>(() => source.ExportSnapshot(4, SmallChunks, _ => { }));
        Assert.Contains("cleared since", error.Message);
        // At the head the flat state is the state: it exports.
        Assert.True(source.ExportSnapshot(5, SmallChunks, _ => { }).ChunkHashes.Count > 0);
    }
}
