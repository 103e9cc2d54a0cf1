using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Consensus;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Validation;

/// <summary>
/// The one place that decides whether a block is valid, for each way a block reaches the node:
/// <list type="bullet">
/// <item>a proposal, before the consensus engine may vote for it (<see cref="ValidateProposal(ByteString, IReadOnlyList{ByteString}, IReadOnlyList{EquivocationEvidence}, out string, out bool)"/>;
/// the engine itself checks the consensus fields: round, proposer, certificates, signature);</item>
/// <item>a committed block from a peer during block sync (<see cref="VerifyCommitted"/>: the same payload rules, plus its
/// certificate against the validator set and its link to this node's head);</item>
/// <item>a block the engine committed without this node having seen its payload (<see cref="DecodeCertified"/>);</item>
/// <item>every block at commit, against this node's execution of its parent (<see cref="CheckParentResults"/>).</item>
/// </list>
/// Payload rules: the header decodes and names this chain and validator set; bounds on count, bytes and gas; every
/// transaction decodes and is validly signed (the mempool's verified copy or its record of recent checks is reused, so a
/// transaction is verified once per node whichever way it comes first); no transaction twice in the block; the
/// transaction root matches; the timestamp is after the parent's and not in the future beyond the allowed drift; and,
/// when this node has executed the parent, the parent's state and receipts roots match. A committed block therefore
/// carries only transactions that honest validators checked.
/// </summary>
public sealed class BlockValidator(
    GenesisFile genesis,
    TransactionPool pool,
    TransactionValidator transactions,
    IChainReader store,
    PendingBlocks pending,
    IExecutedResults executed,
    TimeProvider time,
    ValidatorSchedule schedule)
{
    /// <summary>How far ahead of this node's clock a block timestamp may be.</summary>
    public const ulong MaxClockDriftMs = 10_000;

    private readonly CryptoSuite _suite = genesis.Suite;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(ulong Epoch, Hash32 Set), EpochVerifier> _certificates = new();

    /// <summary>The certificate checker of an epoch (cached: building one decodes every validator key).</summary>
    private EpochVerifier CertificatesOf(EpochInfo epoch) =>
        _certificates.GetOrAdd((epoch.Epoch, epoch.Validators.Hash(_suite)),
            _ => new EpochVerifier(genesis.ChainId, _suite, epoch.Validators, epoch.Epoch, epoch.GenesisHash, epoch.GenesisHeight));

    /// <summary>
    /// A block's evidence: at most <see cref="EvidencePool.MaxPerBlock"/> items, committed to by the header's evidence
    /// root, each a verified equivocation by a validator of the block's own epoch.
    /// </summary>
    private bool CheckEvidence(BlockHeader header, IReadOnlyList<EquivocationEvidence> evidence, out string reason)
    {
        if (evidence.Count > EvidencePool.MaxPerBlock)
        {
            reason = $"{evidence.Count} evidence items exceed {EvidencePool.MaxPerBlock}";
            return false;
        }
        if (!EvidencePool.RootOf(_suite, evidence).Span.SequenceEqual(header.EvidenceRoot.Span))
        {
            reason = "the evidence root does not match the block's evidence";
            return false;
        }
        if (evidence.Count > 0)
        {
            if (schedule.ByNumber(header.Epoch) is not { } epoch)
            {
                reason = $"evidence in a block of unknown epoch {header.Epoch}";
                return false;
            }
            var verifier = CertificatesOf(epoch);
            foreach (var item in evidence)
            {
                if (!EvidenceVerifier.Verify(verifier, item, out _))
                {
                    reason = "the block carries evidence that does not verify against its epoch's validators";
                    return false;
                }
            }
        }
        reason = "";
        return true;
    }

    /// <summary>Whether <paramref name="qc"/> certifies <paramref name="height"/> with the signatures of its epoch's validators.</summary>
    public bool VerifiesCertificate(QuorumCertificate? qc, ulong height) =>
        qc is not null && qc.Height == height && schedule.ByNumber(qc.Epoch) is { } epoch && CertificatesOf(epoch).VerifyQuorumCertificate(qc);

    /// <summary>
    /// Whether <paramref name="proposal"/> carries the signature of the validator it names, in its epoch: null when the
    /// epoch is not one this node can check (not yet, or no longer). Says nothing of whether that validator leads the
    /// round: the engine decides that.
    /// </summary>
    public bool? VerifiesProposalSignature(Proposal proposal)
    {
        if (schedule.ByNumber(proposal.Epoch) is not { } epoch)
        {
            return null;
        }
        var verifier = CertificatesOf(epoch);
        return verifier.VerifyProposalSignature((int)Math.Min(proposal.ProposerIndex, int.MaxValue), proposal.Round,
            _suite.Hash(proposal.Header.Span), proposal.Signature.Span);
    }

    /// <summary>Whether gossiped evidence is a verified equivocation by a validator of the current or the scheduled epoch.</summary>
    public bool VerifyEvidence(EquivocationEvidence evidence) =>
        schedule.ByNumber(EvidencePool.EpochOf(evidence)) is { } epoch && EvidenceVerifier.Verify(CertificatesOf(epoch), evidence, out _);

    /// <summary>Whether the header names the validator set of its epoch and, as the next set, the one that signs the height after it.</summary>
    private bool NamesItsValidatorSets(BlockHeader header, out string reason)
    {
        if (schedule.ByNumber(header.Epoch) is not { } epoch || header.Height <= epoch.GenesisHeight)
        {
            reason = $"epoch {header.Epoch} is not the current or the scheduled epoch at height {header.Height}";
            return false;
        }
        if (!epoch.Validators.Hash(_suite).Matches(header.ValidatorSetHash.Span) ||
            !schedule.NextSetHashAfter(epoch, header.Height).Matches(header.NextValidatorSetHash.Span))
        {
            reason = $"the validator set hashes do not match epoch {header.Epoch}'s";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>
    /// Validates a payload. The culpable flag of the full overload tells whether a failure proves the proposer faulty (undecodable,
    /// badly signed, wrong root) rather than possibly a matter of timing or of this node's own view (clock, parent roots).
    /// </summary>
    public PendingBlock? ValidateProposal(ByteString headerBytes, IReadOnlyList<ByteString> txBytes, out string reason) =>
        ValidateProposal(headerBytes, txBytes, [], out reason, out _);

    public PendingBlock? ValidateProposal(ByteString headerBytes, IReadOnlyList<ByteString> txBytes, out string reason, out bool culpable) =>
        ValidateProposal(headerBytes, txBytes, [], out reason, out culpable);

    public PendingBlock? ValidateProposal(ByteString headerBytes, IReadOnlyList<ByteString> txBytes, IReadOnlyList<EquivocationEvidence> evidence,
        out string reason) =>
        ValidateProposal(headerBytes, txBytes, evidence, out reason, out _);

    public PendingBlock? ValidateProposal(ByteString headerBytes, IReadOnlyList<ByteString> txBytes, IReadOnlyList<EquivocationEvidence> evidence,
        out string reason, out bool culpable)
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
        if (header.ChainId != genesis.ChainId || header.ParentHash.Length != Hash32.Size ||
            header.Proposer.Length != Address.Size || header.TxRoot.Length != Hash32.Size)
        {
            reason = "header fields do not match this chain";
            return null;
        }
        if (!NamesItsValidatorSets(header, out reason))
        {
            // Possibly this node's view (its record not yet at the decision): not proof of a faulty proposer.
            culpable = false;
            return null;
        }
        if (!CheckEvidence(header, evidence, out reason))
        {
            return null;
        }
        // The limits of the block's epoch (the committee may change them; the epoch is known: its sets matched).
        var limits = schedule.ParametersAt(header.Height);
        if (txBytes.Count > limits.MaxBlockTxs)
        {
            reason = $"{txBytes.Count} transactions exceed max_block_txs";
            return null;
        }
        long bytes = 0;
        foreach (var tx in txBytes)
        {
            bytes += tx.Length;
        }
        if (bytes > limits.MaxBlockBytes)
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

        var verified = CheckTransactions(txBytes, transactions.With(limits), out var failures, out var failure);
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
            // Checked here as well as in CheckTransactions: a copy verified earlier (the mempool's, or its record of
            // recent checks) may have passed under another epoch's limits.
            if (verified[i].Size > limits.MaxTxBytes || verified[i].GasLimit > limits.BlockGasLimit)
            {
                reason = $"transaction {ids[i]} exceeds max_tx_bytes or block_gas_limit of epoch {header.Epoch}";
                return null;
            }
            if (!seen.Add(ids[i]))
            {
                reason = $"transaction {ids[i]} appears twice";
                return null;
            }
        }
        if (gas > limits.BlockGasLimit)
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
        var accepted = new PendingBlock(new SealedBlock(new Block { Header = headerBytes, Transactions = { txBytes }, Evidence = { evidence } }, _suite), verified);
        reason = "";
        return accepted;
    }

    private bool CheckParent(BlockHeader header, Hash32 parentHash, out string reason)
    {
        reason = "";
        ulong? parentTimestamp = null;
        ulong? parentHeight = null;
        if (pending.TryGet(parentHash, out var parent))
        {
            parentTimestamp = parent.Block.Header.TimestampMs;
            parentHeight = parent.Height;
        }
        else if (parentHash == store.GenesisHash)
        {
            parentHeight = 0;
        }
        else if (store.GetHeightByHash(parentHash) is { } height && store.GetCommittedBlock(height) is { } committed)
        {
            parentTimestamp = BlockHeader.Parser.ParseFrom(committed.Block.Header).TimestampMs;
            parentHeight = height;
        }
        if (parentHeight is { } known && header.Height != known + 1)
        {
            reason = $"height {header.Height} does not follow its parent's {known}";
            return false;
        }
        if (header.Height == 0)
        {
            reason = "height 0 is genesis, never a block";
            return false;
        }
        if (parentTimestamp is { } ts && header.TimestampMs <= ts)
        {
            reason = "timestamp is not after the parent's";
            return false;
        }
        if (executed.TryGetResults(parentHash, out var stateRoot, out var receiptsRoot) &&
            (!stateRoot.Matches(header.StateRootOfParent.Span) || !receiptsRoot.Matches(header.ReceiptsRootOfParent.Span)))
        {
            reason = $"state or receipts root of parent differs from this node's execution of block {header.Height - 1}";
            return false;
        }
        return true;
    }

    /// <summary>
    /// Every transaction decodes and is validly signed: the mempool's verified copy is reused, else the pool's record of
    /// recent checks, so each transaction has its signature checked once per node; the rest are checked together
    /// (in parallel, and in signature batches where the suite prefers them: <see cref="TransactionPool.ValidateOnceAll"/>).
    /// </summary>
    private VerifiedTransaction[] CheckTransactions(IReadOnlyList<ByteString> txBytes, TransactionValidator rules, out int failures, out string failure)
    {
        var verified = new VerifiedTransaction[txBytes.Count];
        var allIds = new Hash32[txBytes.Count];
        if (txBytes.Count > 32)
        {
            Parallel.For(0, txBytes.Count, i => allIds[i] = _suite.Hash(txBytes[i].Span));
        }
        else
        {
            for (var i = 0; i < txBytes.Count; i++)
            {
                allIds[i] = _suite.Hash(txBytes[i].Span);
            }
        }
        var unknown = new List<int>();
        var ids = new List<Hash32>();
        for (var i = 0; i < txBytes.Count; i++)
        {
            var id = allIds[i];
            if (pool.TryGet(id, out var inPool))
            {
                verified[i] = inPool;
                continue;
            }
            unknown.Add(i);
            ids.Add(id);
        }
        failures = 0;
        failure = "";
        if (unknown.Count == 0)
        {
            return verified;
        }
        var results = pool.ValidateOnceAll([.. ids], unknown.ConvertAll(i => txBytes[i].ToByteArray()), rules);
        for (var k = 0; k < results.Length; k++)
        {
            if (results[k].Transaction is { } tx)
            {
                verified[unknown[k]] = tx;
            }
            else
            {
                failures++;
                failure = results[k].Message;
            }
        }
        return verified;
    }

    /// <summary>
    /// Verifies a committed block received from a peer before it is executed: it extends <paramref name="tip"/>, its
    /// certificate is valid for the validator set, and its payload passes the proposal rules that do not depend on this
    /// node's clock (a block certified long ago is old by now); an epoch-end record sent with it must commit it
    /// (<see cref="EpochEndVerifier"/>). The parent's roots are checked at commit.
    /// </summary>
    /// <exception cref="InvalidDataException">The block is invalid; the message names <paramref name="source"/>.</exception>
    public PendingBlock VerifyCommitted(CommittedBlock committed, ChainTip tip, string source)
    {
        if (committed.Block is null || committed.Certificate is null)
        {
            throw new InvalidDataException($"a block from {source} lacks its body or certificate");
        }
        SealedBlock block;
        try
        {
            block = new SealedBlock(committed.Block, _suite);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new InvalidDataException($"a block header from {source} does not decode");
        }
        var qc = committed.Certificate;
        if (block.Header.ChainId != genesis.ChainId || block.Height != tip.Height + 1 || !tip.Hash.Matches(block.Header.ParentHash.Span))
        {
            throw new InvalidDataException($"block {block.Height} from {source} does not extend this node's head {tip.Height}");
        }
        // The epoch of the block by the governance record at this node's executed head: the set that signed it.
        if (schedule.At(block.Height) is not { } epoch || block.Header.Epoch != epoch.Epoch || qc.Epoch != epoch.Epoch)
        {
            throw new InvalidDataException($"block {block.Height} from {source} is in epoch {block.Header.Epoch}, which is not the epoch of its height here");
        }
        if (qc.Height != block.Height || !block.Hash.Matches(qc.BlockHash.Span) || !CertificatesOf(epoch).VerifyQuorumCertificate(qc))
        {
            throw new InvalidDataException($"block {block.Height} from {source} does not carry a valid certificate of epoch {epoch.Epoch}'s validators");
        }
        if (!NamesItsValidatorSets(block.Header, out var setProblem) || !CheckEvidence(block.Header, committed.Block.Evidence, out setProblem))
        {
            throw new InvalidDataException($"block {block.Height} from {source}: {setProblem}");
        }
        if (committed.EpochEnd is { } epochEnd && EpochEndVerifier.Problem(epochEnd, block, CertificatesOf(epoch)) is { } epochEndProblem)
        {
            throw new InvalidDataException($"block {block.Height} from {source}: {epochEndProblem}");
        }
        var verified = CheckTransactions(committed.Block.Transactions, transactions.With(epoch.Parameters), out var failures, out _);
        if (failures > 0)
        {
            throw new InvalidDataException($"block {block.Height} from {source} holds {failures} invalid transaction(s)");
        }
        var txRoot = BinaryMerkleTree.ComputeRoot(_suite, verified.Select(t => t.Id).ToList());
        if (!txRoot.Matches(block.Header.TxRoot.Span))
        {
            throw new InvalidDataException($"block {block.Height} from {source} has a transaction root that does not match its transactions");
        }
        return new PendingBlock(block, verified);
    }

    /// <summary>
    /// Whether this node can tell the epoch of a committed block yet: false for the first block of an epoch whose
    /// deciding block is still among the commits in flight (block sync then lets them finish before verifying).
    /// </summary>
    public bool KnowsEpochOf(CommittedBlock committed)
    {
        if (committed.Block is null)
        {
            return true;
        }
        try
        {
            var header = BlockHeader.Parser.ParseFrom(committed.Block.Header);
            return schedule.At(header.Height)?.Epoch == header.Epoch;
        }
        catch (InvalidProtocolBufferException)
        {
            // VerifyCommitted reports it.
            return true;
        }
    }

    /// <summary>
    /// A block the engine committed that this node never validated (it fetched it after the quorum formed): a quorum
    /// certified it, so honest validators checked its payload; decoding is enough here.
    /// </summary>
    public PendingBlock DecodeCertified(Block certified)
    {
        var block = new SealedBlock(certified, _suite);
        var decoded = new VerifiedTransaction[certified.Transactions.Count];
        var rules = transactions.With(schedule.ParametersAt(block.Height));
        for (var i = 0; i < decoded.Length; i++)
        {
            decoded[i] = rules.Validate(certified.Transactions[i].ToByteArray(), checkSignature: false).Transaction
                ?? throw new InvalidDataException($"committed block {block.Hash} holds an undecodable transaction");
        }
        return new PendingBlock(block, decoded);
    }

    /// <summary>
    /// A block carries the state and receipts roots of executing its parent. If they differ from this node's, the
    /// node's execution disagrees with the block's proposer: it stops rather than fork silently.
    /// </summary>
    /// <exception cref="StateDivergenceException">The roots differ.</exception>
    public static void CheckParentResults(SealedBlock block, ChainTip parent)
    {
        if (!parent.StateRoot.Matches(block.Header.StateRootOfParent.Span) ||
            !parent.ReceiptsRoot.Matches(block.Header.ReceiptsRootOfParent.Span))
        {
            throw new StateDivergenceException(
                $"block {block.Height} says executing block {parent.Height} gives state root {Hex.Encode(block.Header.StateRootOfParent.Span)} " +
                $"and receipts root {Hex.Encode(block.Header.ReceiptsRootOfParent.Span)}; this node computed {parent.StateRoot} and {parent.ReceiptsRoot}. " +
                "Stopping instead of forking: compare this node's version and data dir with the other validators'.");
        }
    }
}

/// <summary>This node's execution result differs from what a block's proposer committed to: continuing would fork.</summary>
public sealed class StateDivergenceException(string message) : Exception(message);
