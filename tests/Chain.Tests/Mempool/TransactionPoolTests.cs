using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Tests.Mempool;

public sealed class TransactionPoolTests
{
    private const string ChainId = "pool-chain";
    private static readonly KeyFile Alice = KeyFile.Generate(CryptoSuite.Ed25519Sha256);
    private static readonly KeyFile Bob = KeyFile.Generate(CryptoSuite.Ed25519Sha256);
    private static readonly Address Carol = Address.Parse("0x00000000000000000000000000000000000000c0");
    private static readonly ChainParameters Parameters = new() { TxMaxLifetimeBlocks = 100 };

    private sealed class FakeChain : IStateReader, IBlockReader
    {
        public Dictionary<Address, AccountState> Accounts { get; } = [];
        public HashSet<Hash32> Committed { get; } = [];
        public ulong HeadHeight { get; set; } = 10;
        public Hash32 HeadHash => Hash32.Zero;
        public AccountState GetAccount(Address address) => Accounts.GetValueOrDefault(address, AccountState.Empty);
        public byte[]? GetCode(Hash32 codeHash) => null;
        public UInt256 GetStorage(Address address, UInt256 slot) => UInt256.Zero;
        public CommittedBlock? GetCommittedBlock(ulong height) => null;
        public ulong? GetHeightByHash(Hash32 hash) => null;
        public TxLocation? GetTxLocation(Hash32 txId) => null;
        public Receipt? GetReceipt(Hash32 txId) => null;
    }

    private readonly FakeChain _chain = new();
    private readonly TransactionPool _pool;

    public TransactionPoolTests()
    {
        _chain.Accounts[Alice.Address] = new AccountState(0, new UInt256(1_000), Hash32.Zero);
        _chain.Accounts[Bob.Address] = new AccountState(0, new UInt256(1_000), Hash32.Zero);
        _pool = Create(maxTxs: 100, maxBytes: 1_000_000);
    }

    private TransactionPool Create(int maxTxs, long maxBytes, int maxTxsPerSender = int.MaxValue) =>
        new(new TransactionValidator(ChainId, CryptoSuite.Ed25519Sha256, Parameters), Parameters, _chain, _chain,
            ids => [.. ids.Select(_chain.Committed.Contains)], maxTxs, maxBytes, maxTxsPerSender);

    private static byte[] Transfer(KeyFile from, ulong nonce, ulong value = 10, ulong expires = 50) =>
        TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, nonce, Carol, new UInt256(value), 21_000, expires), from);

    private static VerifiedTransaction Verified(byte[] encoded) =>
        new TransactionValidator(ChainId, CryptoSuite.Ed25519Sha256, Parameters).Validate(encoded).Transaction!;

    [Fact]
    public void Consecutive_nonces_are_admitted_and_reaped_in_arrival_order()
    {
        var results = _pool.Admit([Transfer(Alice, 0), Transfer(Bob, 0), Transfer(Alice, 1)]);
        Assert.All(results, r => Assert.True(r.Accepted, r.Message));
        var block = _pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 11);
        Assert.Equal([Alice.Address, Bob.Address, Alice.Address], block.Select(t => t.Sender));
        Assert.Equal([0UL, 0UL, 1UL], block.Select(t => t.Nonce));
    }

    [Fact]
    public void A_nonce_gap_is_refused()
    {
        Assert.Equal(TxRejectReason.NonceGap, _pool.Admit(Transfer(Alice, 1)).Reason);
    }

    [Fact]
    public void A_replayed_or_taken_nonce_is_refused_and_a_duplicate_is_named_as_such()
    {
        var first = Transfer(Alice, 0, value: 10);
        Assert.True(_pool.Admit(first).Accepted);
        Assert.Equal(TxRejectReason.Duplicate, _pool.Admit(first).Reason);
        Assert.Equal(TxRejectReason.NonceTooLow, _pool.Admit(Transfer(Alice, 0, value: 11)).Reason);
        _chain.Accounts[Bob.Address] = new AccountState(5, new UInt256(1_000), Hash32.Zero);
        Assert.Equal(TxRejectReason.NonceTooLow, _pool.Admit(Transfer(Bob, 4)).Reason);
    }

    [Fact]
    public void A_committed_transaction_is_refused_as_a_duplicate()
    {
        var tx = Transfer(Alice, 0);
        _chain.Committed.Add(Verified(tx).Id);
        Assert.Equal(TxRejectReason.Duplicate, _pool.Admit(tx).Reason);
    }

    [Fact]
    public void Gossip_of_a_committed_transaction_is_refused_by_its_id_without_a_signature_check()
    {
        var encoded = Transfer(Alice, 0);
        _chain.Committed.Add(CryptoSuite.Ed25519Sha256.Hash(encoded));

        var result = _pool.Admit([encoded], fromPeer: true)[0];

        Assert.Equal(TxRejectReason.Duplicate, result.Reason);
        Assert.Equal(CryptoSuite.Ed25519Sha256.Hash(encoded), result.TxId);
        Assert.Equal(0, _pool.SignatureChecks);
    }

    [Fact]
    public void A_transaction_checked_in_a_proposal_is_admitted_from_gossip_without_a_second_check()
    {
        var encoded = Transfer(Alice, 0);
        var id = CryptoSuite.Ed25519Sha256.Hash(encoded);
        Assert.NotNull(_pool.ValidateOnce(id, encoded).Transaction);
        Assert.Equal(1, _pool.SignatureChecks);

        Assert.True(_pool.Admit([encoded], fromPeer: true)[0].Accepted);
        Assert.Equal(1, _pool.SignatureChecks);
    }

    [Fact]
    public void A_failed_check_is_not_remembered()
    {
        var encoded = Transfer(Alice, 0);
        encoded[^3] ^= 0x01;

        Assert.NotEqual(TxRejectReason.None, _pool.Admit(encoded).Reason);
        Assert.NotEqual(TxRejectReason.None, _pool.Admit(encoded).Reason);
        Assert.Equal(2, _pool.SignatureChecks);
    }

    [Fact]
    public void Pending_spend_counts_against_the_balance()
    {
        Assert.True(_pool.Admit(Transfer(Alice, 0, value: 600)).Accepted);
        Assert.Equal(TxRejectReason.InsufficientBalance, _pool.Admit(Transfer(Alice, 1, value: 401)).Reason);
        Assert.True(_pool.Admit(Transfer(Alice, 1, value: 400)).Accepted);
    }

    [Fact]
    public void Expired_and_too_distant_expiries_are_refused()
    {
        Assert.Equal(TxRejectReason.Expired, _pool.Admit(Transfer(Alice, 0, expires: 10)).Reason);
        Assert.Equal(TxRejectReason.Expired, _pool.Admit(Transfer(Alice, 0, expires: 10 + 101)).Reason);
        Assert.True(_pool.Admit(Transfer(Alice, 0, expires: 11)).Accepted);
    }

    [Fact]
    public void The_pool_is_bounded_by_count_and_by_bytes()
    {
        var byCount = Create(maxTxs: 1, maxBytes: 1_000_000);
        Assert.True(byCount.Admit(Transfer(Alice, 0)).Accepted);
        Assert.Equal(TxRejectReason.MempoolFull, byCount.Admit(Transfer(Bob, 0)).Reason);

        var tx = Transfer(Alice, 0);
        var byBytes = Create(maxTxs: 100, maxBytes: tx.Length + 10);
        Assert.True(byBytes.Admit(tx).Accepted);
        Assert.Equal(TxRejectReason.MempoolFull, byBytes.Admit(Transfer(Bob, 0)).Reason);
    }

    [Fact]
    public void One_sender_holds_at_most_its_share_of_the_pool_and_gets_room_again_as_its_transactions_commit()
    {
        var pool = Create(maxTxs: 100, maxBytes: 1_000_000, maxTxsPerSender: 3);
        for (ulong nonce = 0; nonce < 3; nonce++)
        {
            Assert.True(pool.Admit(Transfer(Alice, nonce, value: 1)).Accepted);
        }
        var refused = pool.Admit(Transfer(Alice, 3, value: 1));
        Assert.Equal(TxRejectReason.SenderLimitReached, refused.Reason);
        Assert.Equal("SENDER_LIMIT_REACHED", refused.Reason.ToWireName());
        // Another sender is not held back by Alice's share.
        Assert.True(pool.Admit(Transfer(Bob, 0)).Accepted);

        // Two of Alice's commit: two more fit.
        var block = pool.ReapForBlock(new BlockLimits(2, 1_000_000, 1_000_000, int.MaxValue), 11);
        _chain.Accounts[Alice.Address] = new AccountState(2, new UInt256(998), Hash32.Zero);
        _chain.HeadHeight = 11;
        pool.OnBlockCommitted(block.Where(t => t.Sender == Alice.Address).ToList(), 11);
        Assert.True(pool.Admit(Transfer(Alice, 3, value: 1)).Accepted);
        Assert.True(pool.Admit(Transfer(Alice, 4, value: 1)).Accepted);
        Assert.Equal(TxRejectReason.SenderLimitReached, pool.Admit(Transfer(Alice, 5, value: 1)).Reason);
    }

    [Fact]
    public void In_flight_transactions_are_not_reaped_twice_and_come_back_when_released()
    {
        _pool.Admit([Transfer(Alice, 0), Transfer(Alice, 1)]);
        Assert.Single(_pool.ReapForBlock(new BlockLimits(1, 1_000_000, ulong.MaxValue, int.MaxValue), 11));
        Assert.Equal(1UL, Assert.Single(_pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 11)).Nonce);
        Assert.Empty(_pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 11));
        _pool.ReleaseInFlight();
        Assert.Equal(2, _pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 11).Count);
    }

    [Fact]
    public void Committing_removes_included_transactions_and_moves_the_sender_nonce()
    {
        var txs = new[] { Transfer(Alice, 0), Transfer(Alice, 1), Transfer(Alice, 2) };
        _pool.Admit(txs);
        var first = _pool.ReapForBlock(new BlockLimits(1, 1_000_000, ulong.MaxValue, int.MaxValue), 11);
        _chain.Accounts[Alice.Address] = new AccountState(1, new UInt256(990), Hash32.Zero);
        _chain.HeadHeight = 11;
        _pool.OnBlockCommitted(first, 11);
        Assert.Equal(2, _pool.Count);
        Assert.True(_pool.Admit(Transfer(Alice, 3)).Accepted);
        Assert.Equal([1UL, 2UL, 3UL], _pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 11).Select(t => t.Nonce));
    }

    [Fact]
    public void A_nonce_used_by_a_block_from_elsewhere_drops_the_pending_transaction()
    {
        _pool.Admit([Transfer(Alice, 0), Transfer(Alice, 1)]);
        // Another proposer's block used Alice's nonce 0 with a different transaction.
        var foreign = Verified(Transfer(Alice, 0, value: 99));
        _chain.Accounts[Alice.Address] = new AccountState(1, new UInt256(901), Hash32.Zero);
        _pool.OnBlockCommitted([foreign], 11);
        Assert.Equal([1UL], _pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 11).Select(t => t.Nonce));
    }

    [Fact]
    public void Admission_right_after_a_commit_counts_only_what_is_still_pending()
    {
        Assert.True(_pool.Admit(Transfer(Alice, 0, value: 600)).Accepted);
        // The block with nonce 0 is in the store, but the pool has not been told yet.
        _chain.Accounts[Alice.Address] = new AccountState(1, new UInt256(400), Hash32.Zero);
        var next = _pool.Admit(Transfer(Alice, 1, value: 300));
        Assert.True(next.Accepted, next.Message);
    }

    [Fact]
    public void A_transaction_committed_as_failed_does_not_hold_its_nonce_in_the_pool()
    {
        _pool.Admit([Transfer(Alice, 0), Transfer(Alice, 1)]);
        // A block from elsewhere included nonce 1 without nonce 0: it failed and used no nonce.
        var failed = Verified(Transfer(Alice, 1));
        _pool.OnBlockCommitted([failed], 11);
        var again = _pool.Admit(Transfer(Alice, 1, value: 11));
        Assert.True(again.Accepted, again.Message);
        Assert.Equal([0UL, 1UL], _pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 12).Select(t => t.Nonce));
    }

    [Fact]
    public void Reaping_leaves_out_expired_transactions_and_what_follows_them_from_the_same_sender()
    {
        _pool.Admit([Transfer(Alice, 0, expires: 11), Transfer(Alice, 1, expires: 50), Transfer(Bob, 0, expires: 50)]);
        var block = _pool.ReapForBlock(new BlockLimits(10, 1_000_000, ulong.MaxValue, int.MaxValue), 12);
        Assert.Equal([Bob.Address], block.Select(t => t.Sender));
    }

    [Fact]
    public async Task Waiting_for_transactions_completes_on_admission()
    {
        var wait = _pool.WaitForTransactionsAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        _pool.Admit(Transfer(Alice, 0));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }
    [Fact]
    public void A_large_sm2_batch_is_verified_in_groups_with_the_verdict_of_one_by_one()
    {
        // 40 senders: every fifth signature damaged, one transaction undecodable.
        var suite = CryptoSuite.Sm2Sm3;
        var keys = Enumerable.Range(0, 40).Select(_ => KeyFile.Generate(suite)).ToList();
        foreach (var key in keys)
        {
            _chain.Accounts[key.Address] = new AccountState(0, new UInt256(1_000), Hash32.Zero);
        }
        var validator = new TransactionValidator(ChainId, suite, Parameters);
        var pool = new TransactionPool(validator, Parameters, _chain, _chain, ids => [.. ids.Select(_chain.Committed.Contains)], 1_000, 1 << 20);
        var batch = keys.Select(k => TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, 0, Carol, new UInt256(1), 21_000, 50), k)).ToList();
        for (var i = 0; i < batch.Count; i += 5)
        {
            batch[i][^3] ^= 0x40;
        }
        batch[7] = [0xff, 0x01];
        var results = pool.Admit(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            var single = validator.Validate(batch[i]);
            Assert.Equal(single.Reason, results[i].Reason);
        }
        Assert.Equal(40 - 8 - 1, results.Count(r => r.Accepted));
        Assert.All(results.Where((_, i) => i % 5 == 0), r => Assert.Equal(TxRejectReason.BadSignature, r.Reason));
    }

    [Fact]
    public void A_blocks_transactions_are_verified_together_with_the_verdict_of_one_by_one_and_only_once()
    {
        // What block validity and block sync ask of the pool for the transactions it does not hold.
        var suite = CryptoSuite.Sm2Sm3;
        var keys = Enumerable.Range(0, 48).Select(_ => KeyFile.Generate(suite)).ToList();
        var validator = new TransactionValidator(ChainId, suite, Parameters);
        var pool = new TransactionPool(validator, Parameters, _chain, _chain, ids => [.. ids.Select(_chain.Committed.Contains)], 1_000, 1 << 20);
        var block = keys.Select(k => TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, 0, Carol, new UInt256(1), 21_000, 50), k)).ToList();
        for (var i = 3; i < block.Count; i += 7)
        {
            block[i][^5] ^= 0x01;
        }
        block[11] = [0x0a, 0x03, 0x01];
        var ids = block.Select(b => suite.Hash(b)).ToArray();
        var results = pool.ValidateOnceAll(ids, block);
        for (var i = 0; i < block.Count; i++)
        {
            Assert.Equal(validator.Validate(block[i]).Reason, results[i].Reason);
        }
        Assert.Equal(48 - 7 - 1, results.Count(r => r.IsValid));
        // A second look (the same block from sync after its proposal) checks no signature again, and keeps the verdicts.
        var checks = pool.SignatureChecks;
        var again = pool.ValidateOnceAll(ids, block);
        Assert.Equal(results.Select(r => r.Reason), again.Select(r => r.Reason));
        Assert.Equal(checks + 8, pool.SignatureChecks);
    }
}
