using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

public sealed class StateRootTests
{
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

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Genesis_and_block_state_roots_match_an_independent_trie_and_survive_reopening(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100), (A(2), 200));
        var after = new[] { (A(1), new AccountState(1, new UInt256(40), Hash32.Zero)), (A(3), new AccountState(0, new UInt256(60), Hash32.Zero)) };
        Hash32 root;
        using (var store = storage.Open(genesis))
        {
            Assert.Equal(ExpectedRoot<Sha256Hasher>([(A(1), new AccountState(0, new UInt256(100), Hash32.Zero)), (A(2), new AccountState(0, new UInt256(200), Hash32.Zero))]),
                store.StateRoot);
            Assert.Equal(store.StateRoot, store.GetStateRoot(0));
            CommitNext(store, genesis, [.. after.Select(a => new KeyValuePair<Address, AccountState>(a.Item1, a.Item2))]);
            root = store.StateRoot;
            Assert.Equal(ExpectedRoot<Sha256Hasher>([.. after, (A(2), new AccountState(0, new UInt256(200), Hash32.Zero))]), root);
        }
        using var reopened = storage.Open(genesis);
        Assert.Equal(root, reopened.StateRoot);
        Assert.Equal(root, reopened.GetStateRoot(1));
        reopened.CheckStateFull(storage.Directory);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void An_sm2_chain_hashes_its_state_trie_with_SM3(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Sm2Sm3, (A(9), 5));
        using var store = storage.Open(genesis);
        Assert.Equal(ExpectedRoot<Sm3Hasher>([(A(9), new AccountState(0, new UInt256(5), Hash32.Zero))]), store.StateRoot);
        Assert.NotEqual(ExpectedRoot<Sha256Hasher>([(A(9), new AccountState(0, new UInt256(5), Hash32.Zero))]), store.StateRoot);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Emptied_accounts_leave_both_the_flat_state_and_the_trie(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        using var store = storage.Open(genesis);
        var before = store.StateRoot;
        CommitNext(store, genesis, new KeyValuePair<Address, AccountState>(A(7), new AccountState(0, new UInt256(1), Hash32.Zero)));
        Assert.NotEqual(before, store.StateRoot);
        CommitNext(store, genesis, new KeyValuePair<Address, AccountState>(A(7), AccountState.Empty));
        Assert.Equal(before, store.StateRoot);
        Assert.True(store.GetAccount(A(7)).IsEmpty);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Account_proofs_verify_against_the_state_root(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100), (A(2), 200));
        using var store = storage.Open(genesis);
        var present = TrieProof.Verify<Sha256Hasher>(store.StateRoot, A(1).ToArray(), store.GetAccountProof(A(1)).Nodes, TrieKeyMode.Secure, out var value);
        Assert.Equal(TrieProofResult.Present, present);
        Span<byte> buffer = stackalloc byte[128];
        Assert.Equal(StateCommitment<Sha256Hasher>.Encode(store.GetAccount(A(1)), buffer).ToArray(), value.ToArray());
        Assert.Equal(TrieProofResult.Absent,
            TrieProof.Verify<Sha256Hasher>(store.StateRoot, A(3).ToArray(), store.GetAccountProof(A(3)).Nodes, TrieKeyMode.Secure, out _));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_flat_account_that_went_missing_is_found_by_the_full_check(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100), (A(2), 50));
        using (storage.Open(genesis))
        {
        }
        storage.WithEngine(db => db.Remove(ColumnFamilyNames.Accounts, A(2).ToArray()));
        var ex = Assert.Throws<StoreException>(() => storage.Open(genesis, StateCheck.Full));
        Assert.Contains("flat state holds 1 accounts, the state trie 2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_flat_account_that_disagrees_with_the_trie_is_detected_at_startup(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        using (storage.Open(genesis))
        {
        }
        // Change the flat balance behind the store's back, as a partial write or a bad disk would.
        storage.WithEngine(db => db.Put(ColumnFamilyNames.Accounts, A(1).ToArray(), FlatAccountCodec.Encode(new AccountState(0, new UInt256(1_000_000), Hash32.Zero))));
        var ex = Assert.Throws<StoreException>(() => storage.Open(genesis));
        Assert.Contains("state trie", ex.Message, StringComparison.Ordinal);
    }

    private static ulong FlushedHeight(TestStorage storage) => storage.WithEngine(db =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(db.Get(ColumnFamilyNames.Metadata, StoreKeys.StateTrieFlushed)));

    /// <summary>Commits blocks of random creations, updates and deletions; returns the accounts alive at the end.</summary>
    private static Dictionary<Address, AccountState> CommitRandomBlocks(ChainStore store, GenesisFile genesis, int blocks, int seed)
    {
        var random = new Random(seed);
        var live = new Dictionary<Address, AccountState>();
        foreach (var account in genesis.Accounts)
        {
            live[Address.Parse(account.Address)] = new AccountState(0, UInt256.Parse(account.Balance), Hash32.Zero);
        }
        for (var b = 0; b < blocks; b++)
        {
            var diff = new Dictionary<Address, AccountState>();
            for (var i = 0; i < 40; i++)
            {
                var address = A((byte)random.Next(1, 200));
                var delete = live.ContainsKey(address) && random.Next(4) == 0;
                diff[address] = delete ? AccountState.Empty : new AccountState((ulong)b, new UInt256((ulong)random.Next(1, 1_000_000)), Hash32.Zero);
            }
            foreach (var (address, account) in diff)
            {
                if (account.IsEmpty)
                {
                    live.Remove(address);
                }
                else
                {
                    live[address] = account;
                }
            }
            CommitNext(store, genesis, [.. diff]);
        }
        return live;
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_crash_between_trie_flushes_loses_nothing_the_start_replays_the_journal_to_the_head(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        Dictionary<Address, AccountState> live;
        Hash32 root;
        using (var store = storage.Open(genesis))
        {
            live = CommitRandomBlocks(store, genesis, 20, seed: 5);
            root = store.StateRoot;
            Assert.Equal(ExpectedRoot<Sha256Hasher>(live.Select(kv => (kv.Key, kv.Value))), root);
            store.CloseWithoutFlush();
        }
        // The trie on disk is still genesis's: everything since is in the journal.
        Assert.Equal(0UL, FlushedHeight(storage));
        using (var reopened = storage.Open(genesis, StateCheck.Full))
        {
            Assert.Equal(20UL, reopened.HeadHeight);
            Assert.Equal(root, reopened.StateRoot);
            var proof = reopened.GetAccountProof(live.Keys.First());
            Assert.Equal(TrieProofResult.Present,
                TrieProof.Verify<Sha256Hasher>(root, live.Keys.First().ToArray(), proof.Nodes, TrieKeyMode.Secure, out _));
            // Committing on top of the replayed trie gives the same root as an independent trie.
            CommitNext(reopened, genesis, new KeyValuePair<Address, AccountState>(A(250), new AccountState(0, new UInt256(7), Hash32.Zero)));
            live[A(250)] = new AccountState(0, new UInt256(7), Hash32.Zero);
            Assert.Equal(ExpectedRoot<Sha256Hasher>(live.Select(kv => (kv.Key, kv.Value))), reopened.StateRoot);
        }
        // A clean close writes the trie, so the next start has nothing to replay.
        Assert.Equal(21UL, FlushedHeight(storage));
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void The_trie_is_flushed_every_64_blocks_and_the_start_replays_only_what_follows(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        Hash32 root;
        using (var store = storage.Open(genesis))
        {
            var live = CommitRandomBlocks(store, genesis, 70, seed: 8);
            root = store.StateRoot;
            Assert.Equal(ExpectedRoot<Sha256Hasher>(live.Select(kv => (kv.Key, kv.Value))), root);
            store.CloseWithoutFlush();
        }
        Assert.Equal(64UL, FlushedHeight(storage));
        using var reopened = storage.Open(genesis, StateCheck.Full);
        Assert.Equal(root, reopened.StateRoot);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_store_refused_at_open_is_left_as_found_its_trie_not_flushed_and_its_journal_kept(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        using (var store = storage.Open(genesis))
        {
            CommitRandomBlocks(store, genesis, 5, seed: 12);
            store.CloseWithoutFlush();
        }
        storage.WithEngine(db => db.Put(ColumnFamilyNames.Accounts, A(1).ToArray(), FlatAccountCodec.Encode(new AccountState(0, new UInt256(999_999), Hash32.Zero))));
        Assert.Throws<StoreException>(() => storage.Open(genesis));
        // Refusing wrote nothing: the trie on disk is still genesis's and every journal record is there.
        Assert.Equal(0UL, FlushedHeight(storage));
        storage.WithEngine(db =>
        {
            for (ulong h = 1; h <= 5; h++)
            {
                Assert.NotNull(db.Get(ColumnFamilyNames.StateJournal, StoreKeys.Height(h)));
            }
        });
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_block_whose_trie_update_fails_stops_the_store_and_is_not_flushed_at_close(Engine engine)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        var accounts = Enumerable.Range(0, 400).Select(i => new Address([.. new byte[17], 7, (byte)(i >> 8), (byte)i])).ToList();
        using (var store = storage.Open(genesis))
        {
            CommitNext(store, genesis, [.. accounts.Select(a => new KeyValuePair<Address, AccountState>(a, new AccountState(0, new UInt256(5), Hash32.Zero)))]);
        }
        Assert.Equal(1UL, FlushedHeight(storage));
        // The last account in address order is outside the sampled startup check. Remove its trie leaf and its flat
        // entry (so no hint stands in for the leaf), as a bad disk might.
        var victim = accounts[^1];
        storage.WithEngine(db =>
        {
            var hash = new byte[32];
            Sha256Hasher.Hash(victim.ToArray(), hash);
            var path = hash.SelectMany(b => new[] { (byte)(b >> 4), (byte)(b & 0x0f) }).ToArray();
            var deepest = Enumerable.Range(1, 64).Select(d => (byte[])[0x00, .. path[..d]]).Last(key => db.Get(ColumnFamilyNames.TrieNodes, key) is not null);
            db.Remove(ColumnFamilyNames.TrieNodes, deepest);
            db.Remove(ColumnFamilyNames.Accounts, victim.ToArray());
        });
        using (var store = storage.Open(genesis))
        {
            var failed = Assert.Throws<TrieException>(() =>
                CommitNext(store, genesis, new KeyValuePair<Address, AccountState>(victim, new AccountState(1, new UInt256(9), Hash32.Zero))));
            Assert.Contains("missing", failed.Message, StringComparison.Ordinal);
            // Nothing more is committed or served from this instance.
            var refused = Assert.Throws<StoreException>(() =>
                CommitNext(store, genesis, new KeyValuePair<Address, AccountState>(accounts[0], new AccountState(1, new UInt256(9), Hash32.Zero))));
            Assert.Contains("earlier block write failed", refused.Message, StringComparison.Ordinal);
            Assert.Equal(1UL, store.HeadHeight);
        }
        // The close wrote nothing: the trie on disk is still the one of height 1.
        Assert.Equal(1UL, FlushedHeight(storage));
    }

    [Theory]
    [InlineData(Engine.RocksDb, false)]
    [InlineData(Engine.RocksDb, true)]
    [InlineData(Engine.Memory, false)]
    [InlineData(Engine.Memory, true)]
    public void A_damaged_or_missing_journal_record_stops_the_start_with_a_clear_error(Engine engine, bool remove)
    {
        using var storage = new TestStorage(engine);
        var genesis = Genesis(CryptoSuite.Ed25519Sha256, (A(1), 100));
        using (var store = storage.Open(genesis))
        {
            CommitRandomBlocks(store, genesis, 3, seed: 9);
            store.CloseWithoutFlush();
        }
        storage.WithEngine(db =>
        {
            var key = StoreKeys.Height(2);
            if (remove)
            {
                db.Remove(ColumnFamilyNames.StateJournal, key);
            }
            else
            {
                // One byte of the last account's new leaf (its code hash): still well-formed, but another state.
                var record = db.Get(ColumnFamilyNames.StateJournal, key)!;
                record[^1] ^= 0x01;
                db.Put(ColumnFamilyNames.StateJournal, key, record);
            }
        });
        var ex = Assert.Throws<StoreException>(() => storage.Open(genesis));
        Assert.Contains(remove ? "state journal of block 2 is missing" : "replaying the state journal of block 2 gives root", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class HistoricalProofTests
{
    private static readonly Address Alice = new([.. new byte[19], 1]);

    private static readonly GenesisFile Genesis = new()
    {
        ChainId = "history-chain",
        Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(KeyFile.Generate(CryptoSuite.Ed25519Sha256).PublicKey) }],
        Accounts = [new GenesisAccount { Address = Alice.ToString(), Balance = "1000" }],
    };

    private static void CommitBalance(ChainStore store, ulong balance, Address? other = null)
    {
        var block = new SealedBlock(new BlockHeader
        {
            ChainId = Genesis.ChainId,
            Height = store.HeadHeight + 1,
            ParentHash = ByteString.CopyFrom(store.HeadHash.ToArray()),
        }, [], Genesis.Suite);
        var diff = new List<KeyValuePair<Address, AccountState>> { new(Alice, new AccountState(0, new UInt256(balance), Hash32.Zero)) };
        if (other is { } address)
        {
            diff.Add(new(address, new AccountState(0, new UInt256(balance), Hash32.Zero)));
        }
        store.Commit(block, new QuorumCertificate { Height = block.Height }, [], [.. diff.OrderBy(d => d.Key)]);
    }

    // The account block i creates beside Alice's change (see CommitBalance).
    private static Address Newcomer(ulong i) => new([.. new byte[19], (byte)(100 + i)]);

    /// <summary>
    /// After blocks from CommitBalance(1000 - i, Newcomer(i)): the proof of Alice at <paramref name="h"/> is under h's root,
    /// shows her balance then and verifies, and the account the next block creates is proven absent. Returns the proof
    /// and the leaf its verification gave.
    /// </summary>
    private static (AccountProof Proof, byte[] Leaf) AssertProofsAt(ChainStore store, ulong h)
    {
        var proof = store.GetAccountProof(Alice, h)!;
        Assert.Equal(store.GetStateRoot(h), proof.StateRoot);
        Assert.Equal(new UInt256(1000 - h), proof.Account.Balance);
        Assert.Equal(TrieProofResult.Present,
            TrieProof.Verify<Sha256Hasher>(proof.StateRoot, Alice.ToArray(), proof.Nodes, TrieKeyMode.Secure, out var leaf));
        var later = Newcomer(h + 1);
        Assert.Equal(TrieProofResult.Absent, TrieProof.Verify<Sha256Hasher>(proof.StateRoot, later.ToArray(),
            store.GetAccountProof(later, h)!.Nodes, TrieKeyMode.Secure, out _));
        return (proof, leaf.ToArray());
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Proofs_at_past_heights_in_the_window_show_the_state_of_that_height_and_verify(Engine engine)
    {
        using var storage = new TestStorage(engine);
        using var store = storage.Open(Genesis, proofWindow: 5);
        for (ulong i = 1; i <= 8; i++)
        {
            // New accounts reshape the trie as well as change Alice's leaf.
            CommitBalance(store, 1000 - i, Newcomer(i));
        }
        for (ulong h = 3; h <= 8; h++)
        {
            var (proof, leaf) = AssertProofsAt(store, h);
            Assert.Equal(proof.Leaf, leaf);
        }
        Assert.Null(store.GetAccountProof(Alice, 2));
        Assert.Null(store.GetAccountProof(Alice, 9));
    }

    [Theory]
    [InlineData(Engine.RocksDb, 6, 14, 60)]
    [InlineData(Engine.Memory, 6, 14, 60)]
    // Across trie flushes (every 64 blocks): heights below the flush are rebuilt backwards through the journal.
    [InlineData(Engine.RocksDb, 100, 150, 12)]
    [InlineData(Engine.Memory, 100, 150, 12)]
    public void Proofs_at_every_height_in_the_window_match_the_state_then_through_creations_updates_and_deletions(Engine engine, int windowSize,
        int blocks, int checkedAccounts)
    {
        using var storage = new TestStorage(engine);
        // Deletions collapse branches and move nodes between paths; the state of every height must be rebuilt exactly.
        var window = (ulong)windowSize;
        using var store = storage.Open(Genesis, proofWindow: window);
        var random = new Random(21);
        var pool = Enumerable.Range(0, 300).Select(i => new Address([.. BitConverter.GetBytes(i * 7919), .. new byte[16]])).ToList();
        var live = new Dictionary<Address, UInt256> { [Alice] = new(1000) };
        var states = new List<Dictionary<Address, UInt256>>();
        for (var h = 1; h <= blocks; h++)
        {
            var diff = new Dictionary<Address, AccountState>();
            for (var i = random.Next(20, 80); i > 0; i--)
            {
                var address = pool[random.Next(pool.Count)];
                var delete = live.ContainsKey(address) && random.Next(3) == 0;
                diff[address] = delete ? new AccountState(0, UInt256.Zero, Hash32.Zero) : new AccountState(0, new UInt256((ulong)random.Next(1, 1_000_000)), Hash32.Zero);
            }
            foreach (var (address, account) in diff)
            {
                if (account.IsEmpty)
                {
                    live.Remove(address);
                }
                else
                {
                    live[address] = account.Balance;
                }
            }
            var block = new SealedBlock(new BlockHeader
            {
                ChainId = Genesis.ChainId,
                Height = store.HeadHeight + 1,
                ParentHash = ByteString.CopyFrom(store.HeadHash.ToArray()),
            }, [], Genesis.Suite);
            store.Commit(block, new QuorumCertificate { Height = block.Height }, [], [.. diff.OrderBy(d => d.Key).Select(d => KeyValuePair.Create(d.Key, d.Value))]);
            states.Add(new Dictionary<Address, UInt256>(live));
        }
        for (var h = store.HeadHeight - window; h <= store.HeadHeight; h++)
        {
            var then = states[(int)h - 1];
            foreach (var address in pool.Take(checkedAccounts).Append(Alice))
            {
                var proof = store.GetAccountProof(address, h)!;
                Assert.Equal(store.GetStateRoot(h), proof.StateRoot);
                var result = TrieProof.Verify<Sha256Hasher>(proof.StateRoot, address.ToArray(), proof.Nodes, TrieKeyMode.Secure, out _);
                Assert.Equal(then.ContainsKey(address) ? TrieProofResult.Present : TrieProofResult.Absent, result);
                Assert.Equal(then.GetValueOrDefault(address), proof.Account.Balance);
            }
        }
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public async Task Proofs_at_many_heights_from_several_threads_while_blocks_commit_all_verify_under_their_heights_roots(Engine engine)
    {
        using var storage = new TestStorage(engine);
        // More heights than rebuilt tries are kept, so rebuilt tries are evicted (their snapshots released) while other
        // threads may be using them.
        using var store = storage.Open(Genesis, proofWindow: 20);
        for (ulong i = 1; i <= 30; i++)
        {
            CommitBalance(store, 1000 - i, Newcomer(i));
        }
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var asked = 0;
        using var stop = new CancellationTokenSource();
        // Own threads, not pool threads, so that the readers' loops never starve the committing continuation.
        var readers = Enumerable.Range(0, 4).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(t);
            while (!stop.IsCancellationRequested)
            {
                var head = store.HeadHeight;
                var h = head - (ulong)random.Next(0, 15);
                var answer = store.GetAccountProof(Alice, h);
                Interlocked.Increment(ref asked);
                if (answer is not { } proof)
                {
                    // Commits go on meanwhile: a height that has left the window of 20 by the time of the answer is
                    // rightly gone (a loaded machine can deschedule this thread for several commits).
                    if (store.HeadHeight < h + 19)
                    {
                        failures.Enqueue($"no proof at height {h} (head {head}, now {store.HeadHeight})");
                    }
                    continue;
                }
                if (proof.StateRoot != store.GetStateRoot(h) || proof.Account.Balance != new UInt256(1000 - h) ||
                    TrieProof.Verify<Sha256Hasher>(proof.StateRoot, Alice.ToArray(), proof.Nodes, TrieKeyMode.Secure, out _) != TrieProofResult.Present)
                {
                    failures.Enqueue($"wrong proof at height {h}");
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        for (ulong i = 31; i <= 60; i++)
        {
            CommitBalance(store, 1000 - i, Newcomer(i));
            // Let the readers ask a few proofs against this head before the next commit.
            var before = Volatile.Read(ref asked);
            SpinWait.SpinUntil(() => Volatile.Read(ref asked) >= before + 4, TimeSpan.FromSeconds(10));
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Empty(failures);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void A_client_following_the_chain_one_block_behind_gets_each_height_by_moving_the_last_one_forward(Engine engine)
    {
        using var storage = new TestStorage(engine);
        using var store = storage.Open(Genesis, proofWindow: 20);
        for (ulong i = 1; i <= 3; i++)
        {
            CommitBalance(store, 1000 - i, Newcomer(i));
        }
        for (ulong i = 4; i <= 40; i++)
        {
            CommitBalance(store, 1000 - i, Newcomer(i));
            AssertProofsAt(store, store.HeadHeight - 1);
        }
        // One rebuild from the flushed trie, then each height moved forward from the one before (the snapshot of the
        // first rebuild is refreshed once it is older than the window, here once).
        var (rebuilds, advances) = store.HistoricalWork;
        Assert.True(rebuilds <= 3, $"{rebuilds} rebuilds");
        Assert.Equal(37, rebuilds + advances);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Heights_committed_while_the_window_was_off_are_never_served(Engine engine)
    {
        using var storage = new TestStorage(engine);
        using (var store = storage.Open(Genesis, proofWindow: 0))
        {
            CommitBalance(store, 900);
            CommitBalance(store, 800);
        }
        using var reopened = storage.Open(Genesis, proofWindow: 10);
        Assert.Null(reopened.GetAccountProof(Alice, 1));
        CommitBalance(reopened, 700);
        Assert.Equal(new UInt256(800), reopened.GetAccountProof(Alice, 2)!.Account.Balance);
    }

    [Theory]
    [ClassData(typeof(AllEngines))]
    public void Changing_the_window_between_runs_never_serves_a_pruned_height(Engine engine)
    {
        using var storage = new TestStorage(engine);
        using (var store = storage.Open(Genesis, proofWindow: 3))
        {
            for (ulong i = 1; i <= 10; i++)
            {
                CommitBalance(store, 1000 - i);
            }
        }
        using (var larger = storage.Open(Genesis, proofWindow: 100))
        {
            Assert.Null(larger.GetAccountProof(Alice, 2));
            Assert.Equal(new UInt256(993), larger.GetAccountProof(Alice, 7)!.Account.Balance);
            CommitBalance(larger, 900);
        }
        using var smaller = storage.Open(Genesis, proofWindow: 1);
        Assert.Null(smaller.GetAccountProof(Alice, 9));
        Assert.Equal(new UInt256(990), smaller.GetAccountProof(Alice, 10)!.Account.Balance);
    }
}
