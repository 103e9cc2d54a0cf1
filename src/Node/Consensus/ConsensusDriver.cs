using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Hosting;
using ShanghaiChain.Node.Mempool;
using ShanghaiChain.Node.Observability;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.Node.Pipeline;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// Runs the BFT engine (<see cref="ConsensusCore"/>) for this validator: one loop feeds it events (peer messages,
/// timers, saved records, built and fetched blocks) and carries out its actions (send, save the safety record with
/// fsync before anything signed leaves, build blocks, fetch blocks, commit). A chain with one validator is simply
/// n = 1. Before the engine starts, and whenever the network is far ahead, the node first catches up by fetching
/// committed blocks with their certificates from peers (docs/consensus.md, "Node integration").
/// </summary>
public sealed class ConsensusDriver : BackgroundService
{
    /// <summary>A node this many blocks behind what it sees certified stops voting and catches up by block sync.</summary>
    public const ulong CatchUpGap = 32;

    private const int MaxQueuedNetworkEvents = 16_384;
    private const int CommittedTailBlocks = 80;

    private readonly GenesisFile _genesis;
    private readonly ChainStore _store;
    private readonly BlockCommitter _committer;
    private readonly ExecutionPipeline _execution;
    private readonly PendingBlocks _pending;
    private readonly PayloadValidator _payloads;
    private readonly TransactionPool _pool;
    private readonly TransactionValidator _transactions;
    private readonly PeerNetwork _network;
    private readonly PeerCertificate _own;
    private readonly PeerClients _clients;
    private readonly CommittedBlockVerifier _blockVerifier;
    private readonly KeyFile _validatorKey;
    private readonly SafetyRecordFile _safetyRecord;
    private readonly Google.Protobuf.ByteString _genesisHash;
    private readonly TimeProvider _time;
    private readonly NodeMetrics _metrics;
    private readonly SyncState _sync;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly ValidatorSet _validators;
    private readonly int _selfIndex;
    private readonly long _startTimestamp;
    // The loop's input: events for the engine, and null, the driver's own wake-up (see Wake), which the engine never sees.
    private readonly Channel<ConsensusEvent?> _events = Channel.CreateUnbounded<ConsensusEvent?>(new UnboundedChannelOptions { SingleReader = true });
    private int _queuedNetworkEvents;
    private ConsensusCore _engine = null!;
    private ITimer? _timer;
    private volatile bool _catchUpNeeded;
    private long _round;
    private long _highestCertifiedHeightSeen;

    public ConsensusDriver(GenesisFile genesis, ChainStore store, BlockCommitter committer, ExecutionPipeline execution, PendingBlocks pending,
        PayloadValidator payloads, TransactionPool pool, TransactionValidator transactions, PeerNetwork network, PeerCertificate own,
        PeerClients clients, CommittedBlockVerifier blockVerifier, ValidatorIdentity validator, NodeHome home, TimeProvider time,
        NodeMetrics metrics, SyncState sync, IHostApplicationLifetime lifetime, ILogger<ConsensusDriver> logger)
    {
        _genesis = genesis;
        _store = store;
        _committer = committer;
        _execution = execution;
        _pending = pending;
        _payloads = payloads;
        _pool = pool;
        _transactions = transactions;
        _network = network;
        _own = own;
        _clients = clients;
        _blockVerifier = blockVerifier;
        _validatorKey = validator.Key;
        _safetyRecord = new SafetyRecordFile(home.SafetyRecordFile);
        _genesisHash = Google.Protobuf.ByteString.CopyFrom(store.GenesisHash.ToArray());
        _time = time;
        _metrics = metrics;
        _sync = sync;
        _lifetime = lifetime;
        _logger = logger;
        _validators = genesis.ToValidatorSet();
        _selfIndex = _validators.IndexOf(_validatorKey.Address);
        _startTimestamp = time.GetTimestamp();
        network.OwnValidator = _validatorKey.Address;
        network.HeadHeight = () => _committer.Tip.Height;
        network.Handler = OnPeerMessage;
        execution.BlockCommitted += OnBlockCommitted;
        metrics.ObserveConsensus(() => Interlocked.Read(ref _round), () => network.ConnectedPeers);
    }

    /// <summary>The engine's current round (for status and metrics).</summary>
    public ulong Round => (ulong)Interlocked.Read(ref _round);

    private long NowMs => (long)_time.GetElapsedTime(_startTimestamp).TotalMilliseconds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _lifetime.WaitForStartedAsync(stoppingToken).ConfigureAwait(false);
            await CatchUpAsync(stoppingToken).ConfigureAwait(false);
            StartEngine();
            while (!stoppingToken.IsCancellationRequested)
            {
                var ev = await _events.Reader.ReadAsync(stoppingToken).ConfigureAwait(false);
                if (ev is MessageReceived)
                {
                    Interlocked.Decrement(ref _queuedNetworkEvents);
                }
                if (ev is not null)
                {
                    Process(ev);
                }
                if (_execution.Fatal is { } fatal)
                {
                    throw new InvalidOperationException($"committing a block failed: {fatal.Message}", fatal);
                }
                if (_catchUpNeeded)
                {
                    _catchUpNeeded = false;
                    _timer?.Dispose();
                    await CatchUpAsync(stoppingToken).ConfigureAwait(false);
                    await _execution.ResetAsync().ConfigureAwait(false);
                    StartEngine();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _timer?.Dispose();
        }
    }

    private void StartEngine()
    {
        var record = _safetyRecord.Load();
        StartMode mode;
        if (_validators.Count == 1)
        {
            // A lone validator resumes from its committed chain: blocks it had certified but not committed were never
            // reported to anyone and exist nowhere else, so its record's lock would point at a block nobody can
            // supply. Nothing uncommitted can conflict with what it signs next.
            mode = StartMode.Genesis;
            record = null;
        }
        else if (record is not null)
        {
            mode = StartMode.Restart;
        }
        else
        {
            mode = StartMode.Recovery;
            _logger.LogWarning("no safety record at {Path} (empty or restored data dir): following the chain without signing for a quarantine period before voting again",
                _safetyRecord.Path);
        }
        var parameters = _genesis.Parameters;
        var config = new ConsensusConfig
        {
            ChainId = _genesis.ChainId,
            Suite = _genesis.Suite,
            Validators = _validators,
            Epoch = ChainEpochs.First,
            GenesisHash = _store.GenesisHash,
            GenesisHeight = 0,
            SelfIndex = _selfIndex,
            PrivateKey = _validatorKey.ExportPrivateKey(),
            // An idle leader waits up to the empty-block interval for transactions: the round timeout must outlast that wait.
            BaseRoundTimeoutMs = parameters.EmptyBlockIntervalMs + 1_000,
            MaxRoundTimeoutMs = Math.Max(8_000, 4L * (parameters.EmptyBlockIntervalMs + 1_000)),
        };
        _engine = new ConsensusCore(config, record, mode, LoadCommittedTail());
        Interlocked.Exchange(ref _round, (long)_engine.Round);
        _logger.LogInformation("consensus started as validator {Index} of {Count} ({Mode}) at height {Height}, round {Round}",
            _selfIndex, _validators.Count, mode, _committer.Tip.Height, _engine.Round);
        Process(new Started(NowMs));
    }

    private List<CommittedBlock> LoadCommittedTail()
    {
        var head = _committer.Tip.Height;
        var tail = new List<CommittedBlock>();
        for (var h = head > CommittedTailBlocks ? head - CommittedTailBlocks + 1 : 1; h <= head && h > 0; h++)
        {
            tail.Add(_store.GetCommittedBlock(h) ?? throw new StoreException($"committed block {h} is missing"));
        }
        return tail;
    }

    private void Post(ConsensusEvent ev) => _events.Writer.TryWrite(ev);

    /// <summary>Wakes the loop without an engine event, so it looks at the driver's own state (a commit failure, a catch-up).</summary>
    private void Wake() => _events.Writer.TryWrite(null);

    private void Process(ConsensusEvent first)
    {
        var queue = new Queue<ConsensusEvent>();
        queue.Enqueue(first);
        var roundBefore = _engine.Round;
        while (queue.TryDequeue(out var ev))
        {
            if (ev is TimerFired { Round: > 0 } fired && fired.Round == _engine.Round)
            {
                _logger.LogDebug("round {Round} timed out at height {Height}", fired.Round, _committer.Tip.Height);
            }
            foreach (var action in _engine.Handle(ev))
            {
                Execute(action, queue);
            }
        }
        if (_engine.Round != roundBefore)
        {
            _logger.LogDebug("entered round {Round} (committed height {Height})", _engine.Round, _committer.Tip.Height);
        }
        Interlocked.Exchange(ref _round, (long)_engine.Round);
    }

    private void Execute(ConsensusAction action, Queue<ConsensusEvent> followUps)
    {
        switch (action)
        {
            case BroadcastMessage broadcast:
                _network.Broadcast(new PeerMessage { Consensus = broadcast.Message });
                break;
            case SendMessage send:
                _network.SendToValidator(_validators[send.Validator].Address, new PeerMessage { Consensus = send.Message });
                break;
            case SaveSafetyRecord save:
                // Synchronously, on the loop: nothing the record covers may leave before it is durable. Bound to this
                // chain, so that a start on another chain's record is refused (NodeHost).
                save.Record.GenesisHash = _genesisHash;
                _safetyRecord.SaveAsync(save.Record, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                followUps.Enqueue(new SafetyRecordSaved(NowMs, save.Sequence));
                break;
            case SetTimer timer:
                _timer?.Dispose();
                var round = timer.Round;
                var due = TimeSpan.FromMilliseconds(Math.Max(0, timer.DeadlineMs - NowMs));
                _timer = _time.CreateTimer(_ => Post(new TimerFired(NowMs, round)), null, due, System.Threading.Timeout.InfiniteTimeSpan);
                break;
            case CommitBlocks commit:
                Commit(commit);
                break;
            case FetchBlock fetch:
                Fetch(fetch.BlockHash, followUps);
                break;
            case BuildBlock build:
                _ = BuildAsync(build);
                break;
            case EvidenceFound evidence:
                _logger.LogWarning("equivocation by validator {Index} ({Address}): {Kind}", evidence.Validator, _validators[evidence.Validator].Address,
                    evidence.Evidence.KindCase);
                _metrics.EvidenceFound();
                _network.Broadcast(new PeerMessage { Consensus = new ConsensusMessage { Evidence = evidence.Evidence } });
                break;
            case ValidatorSetChangeRefused refused:
                _logger.LogWarning("validator-set change at height {Height} refused: {Verdict}", refused.CommittedHeight, refused.Verdict);
                break;
            case ValidatorSetChangeScheduled scheduled:
                _logger.LogInformation("validator-set change scheduled after height {Height} (epoch {Epoch})", scheduled.LastHeight, scheduled.NextEpoch);
                break;
            case EpochEnded ended:
                _logger.LogWarning("epoch ended at height {Height}; epoch changes need governance, which this version does not run", ended.LastHeight);
                break;
        }
    }

    private void Commit(CommitBlocks commit)
    {
        var blocks = new List<(PendingBlock, QuorumCertificate)>(commit.Blocks.Count);
        foreach (var committed in commit.Blocks)
        {
            var hash = _genesis.Suite.Hash(committed.Block.Header.Span);
            if (!_pending.TryGet(hash, out var block))
            {
                // A block the engine fetched before this node validated it: a quorum certified it, so honest validators
                // checked its payload; decoding is enough here (signatures were verified by them).
                var transactions = new VerifiedTransaction[committed.Block.Transactions.Count];
                for (var i = 0; i < transactions.Length; i++)
                {
                    transactions[i] = _transactions.Validate(committed.Block.Transactions[i].ToByteArray(), checkSignature: false).Transaction
                        ?? throw new InvalidDataException($"committed block {hash} holds an undecodable transaction");
                }
                block = new PendingBlock(new Core.Blocks.SealedBlock(committed.Block, _genesis.Suite), transactions);
            }
            blocks.Add((block, committed.Certificate));
        }
        _ = _execution.CommitAsync(blocks).ContinueWith(t =>
        {
            if (t.IsFaulted)
            {
                _logger.LogCritical(t.Exception!.InnerException, "committing a block failed; stopping the node");
                // Wake the loop so it sees the failure and stops.
                Wake();
            }
        }, TaskScheduler.Default);
    }

    private void OnBlockCommitted(PendingBlock block)
    {
        var abandoned = _pending.PruneAtOrBelow(block.Height, new HashSet<Hash32> { block.Hash });
        foreach (var lost in abandoned)
        {
            _pool.Release(lost.Transactions.Select(t => t.Id));
        }
    }

    private void Fetch(Hash32 hash, Queue<ConsensusEvent> followUps)
    {
        if (_pending.TryGet(hash, out var block))
        {
            followUps.Enqueue(new BlockAvailable(NowMs, block.HeaderBytes, block.TransactionBytes));
            return;
        }
        if (_store.GetHeightByHash(hash) is { } height && _store.GetCommittedBlock(height) is { } committed)
        {
            followUps.Enqueue(new BlockAvailable(NowMs, committed.Block.Header, [.. committed.Block.Transactions]));
            return;
        }
        _ = FetchFromPeersAsync(hash);
    }

    private async Task FetchFromPeersAsync(Hash32 hash)
    {
        foreach (var url in _network.PeerUrls)
        {
            PeerClient? client = null;
            try
            {
                client = _clients.For(url);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                if (await client.GetBlockByHashAsync(hash.ToArray(), timeout.Token).ConfigureAwait(false) is not { } found)
                {
                    continue;
                }
                var block = _payloads.Validate(found.Header, found.Transactions, out var reason);
                if (block is null || block.Hash != hash)
                {
                    _logger.LogWarning("block {Hash} fetched from {Peer} is invalid: {Reason}", hash, url, block is null ? reason : "wrong hash");
                    continue;
                }
                Accept(block);
                Post(new BlockAvailable(NowMs, block.HeaderBytes, block.TransactionBytes));
                return;
            }
            catch (Exception ex) when (ex is RpcException or PeerRefusedException or HttpRequestException or IOException or OperationCanceledException
                or ObjectDisposedException)
            {
                if (client is not null)
                {
                    _clients.Failed(client, ex);
                }
                _logger.LogDebug("fetching block {Hash} from {Peer} failed: {Reason}", hash, url, ex.Message);
            }
        }
    }

    /// <summary>A block whose payload passed validation: kept for the engine and peers, executed ahead, its transactions held back.</summary>
    private void Accept(PendingBlock block)
    {
        _pending.Add(block);
        _pool.MarkInFlight(block.Transactions.Select(t => t.Id));
        _execution.Speculate(block);
    }

    private async Task BuildAsync(BuildBlock build)
    {
        var parameters = _genesis.Parameters;
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(parameters.EmptyBlockIntervalMs + 1_000));
        try
        {
            var parent = await _execution.ResultsOfAsync(build.ParentHash, giveUp.Token).ConfigureAwait(false);
            if (!build.EpochSuffix && !PendingChainHasTransactions(build.ParentHash) && _pool.ReadyCount == 0)
            {
                // Nothing to commit and nothing waiting: propose when a transaction arrives, or an empty block when the
                // interval since the parent has passed, whichever comes first.
                var nowMs = (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds();
                var dueMs = parent.TimestampMs + (ulong)parameters.EmptyBlockIntervalMs;
                if (dueMs > nowMs)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(giveUp.Token);
                    wait.CancelAfter(TimeSpan.FromMilliseconds(Math.Min(dueMs - nowMs, (ulong)parameters.EmptyBlockIntervalMs)));
                    try
                    {
                        await _pool.WaitForTransactionsAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!giveUp.IsCancellationRequested)
                    {
                        // The empty-block interval elapsed.
                    }
                }
            }
            if (Round > build.Round)
            {
                return;
            }
            var transactions = build.EpochSuffix
                ? []
                : FitToBranch(_pool.ReapForBlock(parameters.MaxBlockTxs, parameters.MaxBlockBytes, parameters.BlockGasLimit, build.Height), build.ParentHash);
            _logger.LogDebug("building height {Height} in round {Round} with {Count} transactions ({Ready} ready of {Pool} in the mempool)",
                build.Height, build.Round, transactions.Count, _pool.ReadyCount, _pool.Count);
            var txIds = transactions.Select(t => t.Id).ToList();
            var setHash = ByteString.CopyFrom(build.ValidatorSetHash.ToArray());
            var header = new BlockHeader
            {
                ChainId = _genesis.ChainId,
                Epoch = build.Epoch,
                Height = build.Height,
                Round = build.Round,
                ParentHash = ByteString.CopyFrom(build.ParentHash.ToArray()),
                Proposer = ByteString.CopyFrom(build.Proposer.ToArray()),
                TimestampMs = Math.Max((ulong)_time.GetUtcNow().ToUnixTimeMilliseconds(), parent.TimestampMs + 1),
                TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(_genesis.Suite, txIds).ToArray()),
                StateRootOfParent = ByteString.CopyFrom(parent.StateRoot.ToArray()),
                ReceiptsRootOfParent = ByteString.CopyFrom(parent.ReceiptsRoot.ToArray()),
                ValidatorSetHash = setHash,
                NextValidatorSetHash = setHash,
                ParentQc = build.ParentQc.Round == 0 ? null : build.ParentQc,
            };
            var block = new PendingBlock(new Core.Blocks.SealedBlock(header, transactions.Select(t => t.Encoded), _genesis.Suite), transactions);
            Accept(block);
            Post(new BlockBuilt(NowMs, build.Round, block.HeaderBytes, block.TransactionBytes));
        }
        catch (OperationCanceledException)
        {
            _logger.LogDebug("gave up building the block of round {Round}: the parent's execution result did not arrive in time", build.Round);
        }
        catch (Exception ex) when (_execution.Fatal is not null)
        {
            _logger.LogDebug(ex, "not building: execution failed");
        }
    }

    /// <summary>
    /// Fits the reaped transactions to the branch being extended: leaves out what the parent chain already carries or
    /// what committed meanwhile (a transaction gossiped after the block holding it was seen), and keeps, per sender,
    /// only the run of nonces that continues the sender's nonce on this branch. The mempool does not know branches: a
    /// pending block of a branch that lost still holds some nonces in flight, and proposing the nonces after them would
    /// fail those transactions for good. What is left out here goes back to the proposable set.
    /// </summary>
    private List<VerifiedTransaction> FitToBranch(List<VerifiedTransaction> reaped, Hash32 parentHash)
    {
        var inChain = new HashSet<Hash32>();
        var nextNonce = new Dictionary<Address, ulong>();
        for (var cursor = parentHash; _pending.TryGet(cursor, out var block) && block.Height > _committer.Tip.Height; cursor = block.ParentHash)
        {
            foreach (var tx in block.Transactions)
            {
                inChain.Add(tx.Id);
                if (!nextNonce.TryGetValue(tx.Sender, out var next) || tx.Nonce + 1 > next)
                {
                    nextNonce[tx.Sender] = tx.Nonce + 1;
                }
            }
        }
        var kept = new List<VerifiedTransaction>(reaped.Count);
        List<Hash32>? released = null;
        foreach (var tx in reaped)
        {
            if (inChain.Contains(tx.Id) || _store.ContainsTransaction(tx.Id))
            {
                continue;
            }
            if (!nextNonce.TryGetValue(tx.Sender, out var expected))
            {
                expected = _store.GetAccount(tx.Sender).Nonce;
            }
            if (tx.Nonce == expected)
            {
                kept.Add(tx);
                nextNonce[tx.Sender] = expected + 1;
            }
            else
            {
                (released ??= []).Add(tx.Id);
            }
        }
        if (released is not null)
        {
            _pool.Release(released);
        }
        return kept;
    }

    private bool PendingChainHasTransactions(Hash32 hash)
    {
        for (var cursor = hash; _pending.TryGet(cursor, out var block); cursor = block.ParentHash)
        {
            if (block.Height <= _committer.Tip.Height)
            {
                break;
            }
            if (block.Transactions.Count > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Runs on the peer links' receive loops: checks a frame's payload before the engine sees it.</summary>
    private PeerVerdict OnPeerMessage(PeerLink link, PeerMessage message)
    {
        switch (message.BodyCase)
        {
            case PeerMessage.BodyOneofCase.Transactions:
                return AdmitGossip(message.Transactions);
            case PeerMessage.BodyOneofCase.Consensus:
                var consensus = message.Consensus;
                if (consensus.BodyCase == ConsensusMessage.BodyOneofCase.Proposal)
                {
                    var proposal = consensus.Proposal;
                    var block = _payloads.Validate(proposal.Header, proposal.Transactions, out var reason, out var culpable);
                    if (block is null)
                    {
                        _logger.LogWarning("proposal of round {Round} from peer {Peer} refused: {Reason}", proposal.Round, link.Identity[..16], reason);
                        // Not voted for either way; only a payload that proves the proposer faulty costs the link.
                        return culpable ? PeerVerdict.Invalid : PeerVerdict.Accepted;
                    }
                    ObserveCertifiedHeight(block.Height - 1);
                    Accept(block);
                }
                else if (consensus.BodyCase == ConsensusMessage.BodyOneofCase.SyncInfo && consensus.SyncInfo.HighQc is { } qc)
                {
                    ObserveCertifiedHeight(qc.Height);
                }
                if (Interlocked.Increment(ref _queuedNetworkEvents) > MaxQueuedNetworkEvents)
                {
                    // Overloaded: drop (consensus recovers lost messages through timeouts and sync info).
                    Interlocked.Decrement(ref _queuedNetworkEvents);
                    return PeerVerdict.Accepted;
                }
                var sender = link.ValidatorAddress is { } address ? _validators.IndexOf(address) : -1;
                Post(new MessageReceived(NowMs, sender, consensus));
                return PeerVerdict.Accepted;
            default:
                return PeerVerdict.Malformed;
        }
    }

    private void ObserveCertifiedHeight(ulong height)
    {
        // Heights claimed by messages are only used to decide to catch up: block sync then verifies everything it gets.
        _sync.ObservePeerHeight(height);
        if (height > _committer.Tip.Height + CatchUpGap && (long)height > Interlocked.Read(ref _highestCertifiedHeightSeen))
        {
            Interlocked.Exchange(ref _highestCertifiedHeightSeen, (long)height);
            _catchUpNeeded = true;
            Wake();
        }
    }

    private PeerVerdict AdmitGossip(TransactionBatch batch)
    {
        if (batch.Transactions.Count > 10_000)
        {
            return PeerVerdict.Invalid;
        }
        var results = _pool.Admit(batch.Transactions.Select(t => t.ToByteArray()).ToList(), fromPeer: true);
        foreach (var result in results)
        {
            // A peer only gossips what it admitted, so a bad signature or encoding is its fault; nonce and capacity
            // refusals are races and are not.
            if (result.Reason is TxRejectReason.BadSignature or TxRejectReason.Malformed)
            {
                return PeerVerdict.Invalid;
            }
        }
        return PeerVerdict.Accepted;
    }

    /// <summary>
    /// Fetches committed blocks with their certificates from peers until this node is within a few blocks of the best
    /// head they report (or no peer is ahead), committing each through the execution pipeline.
    /// </summary>
    private async Task CatchUpAsync(CancellationToken cancel)
    {
        if (_network.PeerUrls.Count == 0)
        {
            return;
        }
        var started = _time.GetTimestamp();
        var from = _committer.Tip.Height;
        for (var pass = 0; pass < 100 && !cancel.IsCancellationRequested; pass++)
        {
            var progressed = false;
            foreach (var url in _network.PeerUrls)
            {
                var client = _clients.For(url);
                try
                {
                    progressed |= await SyncFromAsync(client, cancel).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or PeerRefusedException or HttpRequestException or IOException or InvalidDataException
                    or ObjectDisposedException)
                {
                    _clients.Failed(client, ex);
                    _logger.LogDebug("catch-up from {Peer} failed: {Reason}", url, ex.Message);
                }
            }
            if (!progressed)
            {
                break;
            }
        }
        var caught = _committer.Tip.Height - from;
        if (caught > 0)
        {
            var seconds = Math.Max(_time.GetElapsedTime(started).TotalSeconds, 0.001);
            _logger.LogInformation("caught up {Blocks} blocks to height {Height} in {Seconds:F1} s ({Rate:F0} blocks/s)",
                caught, _committer.Tip.Height, seconds, caught / seconds);
        }
    }

    private async Task<bool> SyncFromAsync(PeerClient client, CancellationToken cancel)
    {
        var url = client.Url;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var status = await client.GetStatusAsync(timeout.Token).ConfigureAwait(false);
        if (status.ChainId != _genesis.ChainId || client.ServerIdentity == _own.IdentityHex)
        {
            return false;
        }
        _sync.ObservePeerHeight(status.HeadHeight);
        if (status.HeadHeight <= _committer.Tip.Height + 1)
        {
            return false;
        }
        var progressed = false;
        using var call = client.Client.GetBlocks(new GetBlocksRequest { FromHeight = _committer.Tip.Height + 1, MaxBlocks = 1024 }, client.Headers,
            cancellationToken: cancel);
        client.VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
        var tip = _committer.Tip;
        Task last = Task.CompletedTask;
        while (await call.ResponseStream.MoveNext(cancel).ConfigureAwait(false))
        {
            var committed = call.ResponseStream.Current;
            var (block, transactions) = _blockVerifier.Verify(committed, tip, url);
            last = _execution.CommitAsync([(new PendingBlock(block, transactions), committed.Certificate)]);
            // The next block extends this one; its parent roots are checked when it commits.
            tip = new ChainTip(block.Height, block.Hash, block.Header.TimestampMs, committed.Certificate, default, default);
            progressed = true;
        }
        await last.ConfigureAwait(false);
        return progressed;
    }
}

/// <summary>The validator key of this node (registered only on validators).</summary>
public sealed record ValidatorIdentity(KeyFile Key);
