using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Mempool;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// Checks a proposed block's payload before the consensus engine may vote for it (the engine checks the consensus
/// fields: round, proposer, certificates, signature). Here: the header decodes and names this chain and validator
/// set; bounds on count, bytes and gas; every transaction decodes and is validly signed (the mempool's verified copy
/// or its record of recent checks is reused, so a transaction is verified once per node whichever way it comes first);
/// no transaction twice in the block; the
/// transaction root matches; the timestamp is after the parent's and not in the
/// future beyond the allowed drift; and, when this node has executed the parent, the parent's state and receipts
/// roots match. A committed block therefore carries only transactions that honest validators checked.
/// </summary>
public sealed class PayloadValidator(
    GenesisFile genesis,
    TransactionPool pool,
    ChainStore store,
    PendingBlocks pending,
    ExecutionPipeline execution,
    TimeProvider time)
{
    /// <summary>How far ahead of this node's clock a block timestamp may be.</summary>
    public const ulong MaxClockDriftMs = 10_000;

    private readonly CryptoSuite _suite = genesis.Suite;
    private readonly ChainParameters _parameters = genesis.Parameters;
    private readonly byte[] _validatorSetHash = genesis.ToValidatorSet().Hash(genesis.Suite).ToArray();

    /// <summary>
    /// Validates a payload. The culpable flag of the full overload tells whether a failure proves the proposer faulty (undecodable,
    /// badly signed, wrong root) rather than possibly a matter of timing or of this node's own view (clock, parent roots).
    /// </summary>
    public PendingBlock? Validate(ByteString headerBytes, IReadOnlyList<ByteString> txBytes, out string reason) =>
        Validate(headerBytes, txBytes, out reason, out _);

    public PendingBlock? Validate(ByteString headerBytes, IReadOnlyList<ByteString> txBytes, out string reason, out bool culpable)
    {
        culpable = true;
        BlockHeader header;
        try
        {
            header = BlockHeader.Parser.ParseFrom(headerBytes);
        }
        catch (InvalidProtocolBufferException)
        {
            reason = "header does not decode";
            return null;
        }
        var hash = _suite.Hash(headerBytes.Span);
        if (pending.TryGet(hash, out var known))
        {
            reason = "";
            return known;
        }
        if (header.ChainId != genesis.ChainId || !header.ValidatorSetHash.Span.SequenceEqual(_validatorSetHash) ||
            !header.NextValidatorSetHash.Span.SequenceEqual(_validatorSetHash) || header.ParentHash.Length != Hash32.Size ||
            header.Proposer.Length != Address.Size || header.TxRoot.Length != Hash32.Size)
        {
            reason = "header fields do not match this chain";
            return null;
        }
        if (txBytes.Count > _parameters.MaxBlockTxs)
        {
            reason = $"{txBytes.Count} transactions exceed max_block_txs";
            return null;
        }
        long bytes = 0;
        foreach (var tx in txBytes)
        {
            bytes += tx.Length;
        }
        if (bytes > _parameters.MaxBlockBytes)
        {
            reason = $"{bytes} bytes of transactions exceed max_block_bytes";
            return null;
        }
        var now = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        if (header.TimestampMs > now + MaxClockDriftMs)
        {
            culpable = false;
            reason = $"timestamp {header.TimestampMs} is more than {MaxClockDriftMs} ms ahead of this node's clock";
            return null;
        }
        var parentHash = new Hash32(header.ParentHash.Span);
        if (!CheckParent(header, parentHash, out reason))
        {
            culpable = false;
            return null;
        }

        var verified = new VerifiedTransaction[txBytes.Count];
        var failures = 0;
        var failure = "";
        void Check(int i)
        {
            var encoded = txBytes[i];
            var id = _suite.Hash(encoded.Span);
            if (pool.TryGet(id, out var inPool))
            {
                verified[i] = inPool;
                return;
            }
            // Checked once per node: a transaction that arrives again by gossip is not checked a second time.
            var result = pool.ValidateOnce(id, encoded.ToByteArray());
            if (result.Transaction is null)
            {
                Interlocked.Increment(ref failures);
                failure = result.Message;
                return;
            }
            verified[i] = result.Transaction;
        }
        if (txBytes.Count > 32)
        {
            Parallel.For(0, txBytes.Count, Check);
        }
        else
        {
            for (var i = 0; i < txBytes.Count; i++)
            {
                Check(i);
            }
        }
        if (failures > 0)
        {
            reason = $"{failures} invalid transaction(s): {failure}";
            return null;
        }
        ulong gas = 0;
        var ids = new Hash32[verified.Length];
        var seen = new HashSet<Hash32>(verified.Length);
        for (var i = 0; i < verified.Length; i++)
        {
            ids[i] = verified[i].Id;
            gas += verified[i].GasLimit;
            if (!seen.Add(ids[i]))
            {
                reason = $"transaction {ids[i]} appears twice";
                return null;
            }
        }
        if (gas > _parameters.BlockGasLimit)
        {
            reason = "transactions' gas limits exceed block_gas_limit";
            return null;
        }
        if (!header.TxRoot.Span.SequenceEqual(BinaryMerkleTree.ComputeRoot(_suite, ids).ToArray()))
        {
            reason = "transaction root does not match the transactions";
            return null;
        }
        // A transaction that repeats one already committed or in a pending ancestor is not grounds to refuse the block:
        // gossip races make honest leaders do it now and then. Execution fails the repeat on its used nonce and the
        // store keeps the first location and receipt (ChainStore.Commit), so it changes nothing.
        var accepted = new PendingBlock(new SealedBlock(new Block { Header = headerBytes, Transactions = { txBytes } }, _suite), verified);
        reason = "";
        return accepted;
    }

    private bool CheckParent(BlockHeader header, Hash32 parentHash, out string reason)
    {
        reason = "";
        ulong? parentTimestamp = null;
        if (pending.TryGet(parentHash, out var parent))
        {
            parentTimestamp = parent.Block.Header.TimestampMs;
        }
        else if (store.GetHeightByHash(parentHash) is { } height && store.GetCommittedBlock(height) is { } committed)
        {
            parentTimestamp = BlockHeader.Parser.ParseFrom(committed.Block.Header).TimestampMs;
        }
        if (parentTimestamp is { } ts && header.TimestampMs <= ts)
        {
            reason = "timestamp is not after the parent's";
            return false;
        }
        if (execution.TryGetStateRoot(parentHash, out var stateRoot, out var receiptsRoot) &&
            (!header.StateRootOfParent.Span.SequenceEqual(stateRoot.ToArray()) || !header.ReceiptsRootOfParent.Span.SequenceEqual(receiptsRoot.ToArray())))
        {
            reason = $"state or receipts root of parent differs from this node's execution of block {header.Height - 1}";
            return false;
        }
        return true;
    }
}
