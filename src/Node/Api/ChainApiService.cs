using System.Reflection;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// The application API. Request fields are validated here (lengths, ranges) and answered with typed
/// errors; transaction contents are validated by the mempool's admission.
/// </summary>
public sealed partial class ChainApiService(
    IChainReader store,
    TransactionPool pool,
    ChainFeed feed,
    ChainHead head,
    CryptoSuite suite,
    NodeConfig config,
    Core.Genesis.GenesisFile genesis,
    NodeMetrics metrics,
    SyncState sync,
    KeyFile? validatorKey,
    ContractApi contracts,
    ValidatorSchedule schedule,
    Peers.PeerNetwork? network = null,
    TimeProvider? time = null) : ChainService.ChainServiceBase
{
    private const int MaxBatch = 10_000;
    private const int MaxProofSlots = 256;
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);
    private static readonly string Version =
        typeof(ChainApiService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";


    public override Task<SubmitTransactionResponse> SubmitTransaction(SubmitTransactionRequest request, ServerCallContext context)
    {
        RequireProducer();
        var result = pool.Admit(request.Transaction.ToByteArray());
        if (!result.Accepted)
        {
            metrics.Refused(result.Reason);
            throw ApiErrors.FromRejection(result.Reason, result.Message);
        }
        return Task.FromResult(new SubmitTransactionResponse { TxId = result.TxId.ToByteString() });
    }

    public override Task<SubmitTransactionsResponse> SubmitTransactions(SubmitTransactionsRequest request, ServerCallContext context) =>
        Task.FromResult(AdmitBatch(request));

    public override async Task StreamTransactions(IAsyncStreamReader<SubmitTransactionsRequest> requestStream,
        IServerStreamWriter<SubmitTransactionsResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(AdmitBatch(requestStream.Current), context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A node that does not produce blocks has no way yet to pass transactions on (gossip arrives with the
    /// multi-validator network), so it refuses them instead of holding them forever.
    /// </summary>
    private void RequireProducer()
    {
        if (validatorKey is null)
        {
            throw ApiErrors.Create(StatusCode.FailedPrecondition, "NOT_A_VALIDATOR",
                "this node follows the chain but does not produce blocks; submit transactions to a validator");
        }
    }

    private SubmitTransactionsResponse AdmitBatch(SubmitTransactionsRequest request)
    {
        RequireProducer();
        if (request.Transactions.Count > MaxBatch)
        {
            throw ApiErrors.InvalidArgument($"a batch holds at most {MaxBatch} transactions, got {request.Transactions.Count}");
        }
        var encoded = new byte[request.Transactions.Count][];
        for (var i = 0; i < encoded.Length; i++)
        {
            encoded[i] = request.Transactions[i].ToByteArray();
        }
        var results = pool.Admit(encoded);
        var response = new SubmitTransactionsResponse();
        foreach (var result in results)
        {
            if (!result.Accepted)
            {
                metrics.Refused(result.Reason);
            }
            response.Results.Add(new SubmitResult
            {
                TxId = result.TxId == default ? ByteString.Empty : result.TxId.ToByteString(),
                Reason = result.Accepted ? "" : result.Reason.ToWireName(),
                Message = result.Message,
            });
        }
        return response;
    }

    public override Task<GetTransactionResponse> GetTransaction(GetTransactionRequest request, ServerCallContext context)
    {
        var txId = ParseHash(request.TxId, "tx_id");
        var location = store.GetTxLocation(txId) ?? throw ApiErrors.NotFound($"transaction {txId} is not committed");
        var block = store.GetCommittedBlock(location.Height)
            ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"block {location.Height} is missing");
        var tx = block.Block.Transactions[(int)location.Index];
        var signed = SignedTransaction.Parser.ParseFrom(tx);
        return Task.FromResult(new GetTransactionResponse
        {
            Transaction = tx,
            BlockHeight = location.Height,
            Index = location.Index,
            BlockHash = ByteString.CopyFrom(suite.Hash(block.Block.Header.Span).ToArray()),
            Sender = ByteString.CopyFrom(suite.AddressOf(signed.PublicKey.Span).ToArray()),
        });
    }

    public override Task<GetReceiptResponse> GetReceipt(GetReceiptRequest request, ServerCallContext context)
    {
        var txId = ParseHash(request.TxId, "tx_id");
        var receipt = store.GetReceipt(txId) ?? throw ApiErrors.NotFound($"no receipt for {txId}: not committed (yet)");
        return Task.FromResult(new GetReceiptResponse { Receipt = receipt });
    }

    public override async Task<GetReceiptResponse> WaitForReceipt(WaitForReceiptRequest request, ServerCallContext context)
    {
        var txId = ParseHash(request.TxId, "tx_id");
        var timeout = request.TimeoutMs == 0 ? DefaultWait : TimeSpan.FromMilliseconds(Math.Min(request.TimeoutMs, MaxWait.TotalMilliseconds));
        var receipt = await feed.WaitForReceiptAsync(txId, () => store.GetReceipt(txId), timeout, context.CancellationToken).ConfigureAwait(false);
        return receipt is null
            ? throw ApiErrors.Create(StatusCode.DeadlineExceeded, "TIMEOUT", $"transaction {txId} was not committed within {timeout.TotalMilliseconds} ms")
            : new GetReceiptResponse { Receipt = receipt };
    }

    public override Task<GetBlockResponse> GetBlock(GetBlockRequest request, ServerCallContext context)
    {
        ulong height;
        switch (request.SelectorCase)
        {
            case GetBlockRequest.SelectorOneofCase.Height:
                height = request.Height;
                break;
            case GetBlockRequest.SelectorOneofCase.Hash:
                var hash = ParseHash(request.Hash, "hash");
                height = store.GetHeightByHash(hash) ?? throw ApiErrors.NotFound($"no block with hash {hash}");
                break;
            default:
                throw ApiErrors.InvalidArgument("give a height or a hash");
        }
        if (height == 0)
        {
            throw ApiErrors.NotFound("height 0 is the genesis state, not a block; blocks start at 1");
        }
        if (height < store.BaseHeight)
        {
            throw ApiErrors.Create(StatusCode.NotFound, "PRUNED", $"block {height} is pruned below the snapshot height: this node started from " +
                $"a snapshot of height {store.BaseHeight} and holds blocks from {store.BaseHeight}");
        }
        var committed = store.GetCommittedBlock(height) ?? throw ApiErrors.NotFound($"no block at height {height} (head is {store.HeadHeight})");
        var sealedBlock = new SealedBlock(committed.Block, suite);
        var response = new GetBlockResponse
        {
            BlockHash = sealedBlock.Hash.ToByteString(),
            Header = sealedBlock.Header,
            Block = committed.Block,
            Certificate = committed.Certificate,
            EpochEnd = committed.EpochEnd,
        };
        foreach (var tx in committed.Block.Transactions)
        {
            response.TxIds.Add(ByteString.CopyFrom(suite.Hash(tx.Span).ToArray()));
        }
        return Task.FromResult(response);
    }

    public override Task<GetAccountResponse> GetAccount(GetAccountRequest request, ServerCallContext context)
    {
        if (!Address.TryRead(request.Address.Span, out var address))
        {
            throw ApiErrors.InvalidArgument($"address must be {Address.Size} bytes, got {request.Address.Length}");
        }
        var height = store.HeadHeight;
        var account = store.GetAccount(address);
        return Task.FromResult(new GetAccountResponse
        {
            Address = request.Address,
            Nonce = account.Nonce,
            Balance = ByteString.CopyFrom(account.Balance.ToBigEndian()),
            BalanceDecimal = account.Balance.ToString(),
            Height = height,
            PendingNonce = pool.NextNonce(address, account.Nonce),
        });
    }

    public override Task<ListValidatorsResponse> ListValidators(ListValidatorsRequest request, ServerCallContext context)
    {
        // The epoch in force after the head, as the governance record has it (the genesis set on a chain without one).
        var epoch = schedule.Current;
        var set = epoch.Validators;
        var response = new ListValidatorsResponse
        {
            Epoch = epoch.Epoch,
            Height = head.Tip.Height,
            TotalPower = set.TotalPower,
            QuorumPower = set.QuorumPower,
            ValidatorSetHash = ByteString.CopyFrom(set.Hash(suite).ToArray()),
        };
        for (var i = 0; i < set.Count; i++)
        {
            response.Validators.Add(new ValidatorInfo
            {
                Index = (uint)i,
                Name = genesis.Validators.FirstOrDefault(v => Core.Primitives.Hex.Decode(v.PublicKey).AsSpan().SequenceEqual(set[i].PublicKey))?.Name ?? "",
                Address = set[i].Address.ToByteString(),
                PublicKey = ByteString.CopyFrom(set[i].PublicKey),
                VotingPower = set[i].VotingPower,
            });
        }
        return Task.FromResult(response);
    }

    public override Task<GetProofResponse> GetProof(GetProofRequest request, ServerCallContext context)
    {
        if (!Address.TryRead(request.Address.Span, out var address))
        {
            throw ApiErrors.InvalidArgument($"address must be {Address.Size} bytes, got {request.Address.Length}");
        }
        if (request.StorageSlots.Count > MaxProofSlots)
        {
            throw ApiErrors.InvalidArgument($"at most {MaxProofSlots} storage slots per proof");
        }
        var slots = new List<UInt256>(request.StorageSlots.Count);
        foreach (var slot in request.StorageSlots)
        {
            slots.Add(slot.Length == UInt256.Size ? UInt256.ReadBigEndian(slot.Span)
                : throw ApiErrors.InvalidArgument($"storage slots must be {UInt256.Size} bytes, got {slot.Length}"));
        }
        var proof = store.GetAccountProof(address, request.Height == 0 ? null : request.Height, slots)
            ?? throw ApiErrors.Create(StatusCode.FailedPrecondition, "HEIGHT_NOT_AVAILABLE",
                $"height {request.Height} is outside the proof window: this node serves the last {store.ProofWindow} heights below its head {store.HeadHeight}");
        var account = proof.Account;
        var response = new GetProofResponse
        {
            Height = proof.Height,
            StateRoot = proof.StateRoot.ToByteString(),
            Nonce = account.Nonce,
            Balance = ByteString.CopyFrom(account.Balance.ToBigEndian()),
        };
        response.AccountProof.AddRange(proof.Nodes.Select(ByteString.CopyFrom));
        if (proof.Leaf is { } leaf)
        {
            response.AccountRlp = ByteString.CopyFrom(leaf);
            if (Core.Trie.StateProofVerifier.TryReadStorageRoot(leaf, out var storageRoot))
            {
                response.StorageRoot = storageRoot.ToByteString();
            }
            if (account.HasCode)
            {
                response.CodeHash = account.CodeHash.ToByteString();
            }
        }
        foreach (var slot in proof.Storage)
        {
            var entry = new StorageSlotProof { Slot = ByteString.CopyFrom(slot.Slot.ToBigEndian()), Value = ByteString.CopyFrom(slot.Value.ToBigEndian()) };
            entry.Proof.AddRange(slot.Nodes.Select(ByteString.CopyFrom));
            response.StorageProofs.Add(entry);
        }
        return Task.FromResult(response);
    }

    public override async Task SubscribeBlocks(SubscribeBlocksRequest request, IServerStreamWriter<BlockEvent> responseStream, ServerCallContext context)
    {
        var from = request.FromHeight == 0 ? head.Tip.Height + 1 : request.FromHeight;
        var blocks = feed.FollowAsync(from, () => head.Tip.Height, LoadCommitted, config.SubscriberBufferBlocks, context.CancellationToken);
        try
        {
            await foreach (var block in blocks.ConfigureAwait(false))
            {
                var evt = block.Live is { } live ? FromLive(live, request.IncludeReceipts) : FromStore(block.Stored!, request.IncludeReceipts);
                await responseStream.WriteAsync(evt, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (FollowerOverflowException ex)
        {
            throw ApiErrors.Create(StatusCode.ResourceExhausted, "SUBSCRIBER_TOO_SLOW",
                $"the subscriber fell more than {config.SubscriberBufferBlocks} blocks behind; resubscribe with from_height = {ex.NextHeight}");
        }
    }

    public override Task<CallResponse> Call(CallRequest request, ServerCallContext context) => contracts.CallAsync(request, context.CancellationToken);

    public override Task<EstimateGasResponse> EstimateGas(CallRequest request, ServerCallContext context) => contracts.EstimateGasAsync(request, context.CancellationToken);

    public override Task<GetCodeResponse> GetCode(GetCodeRequest request, ServerCallContext context) => Task.FromResult(contracts.GetCode(request));

    public override Task<GetStorageResponse> GetStorage(GetStorageRequest request, ServerCallContext context) =>
        Task.FromResult(contracts.GetStorage(request));

    public override Task SubscribeEvents(SubscribeEventsRequest request, IServerStreamWriter<ContractEvent> responseStream, ServerCallContext context) =>
        contracts.SubscribeEventsAsync(request, responseStream, context.CancellationToken);

    private CommittedBlock LoadCommitted(ulong height) =>
        store.GetCommittedBlock(height) ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"block {height} is missing");

    private BlockEvent FromStore(CommittedBlock committed, bool includeReceipts)
    {
        var block = new SealedBlock(committed.Block, suite);
        var evt = new BlockEvent
        {
            Height = block.Height,
            BlockHash = block.Hash.ToByteString(),
            Header = block.Header,
        };
        foreach (var tx in committed.Block.Transactions)
        {
            var id = suite.Hash(tx.Span);
            evt.TxIds.Add(id.ToByteString());
            if (includeReceipts && store.GetReceipt(id) is { } receipt)
            {
                evt.Receipts.Add(receipt);
            }
        }
        return evt;
    }

    private static BlockEvent FromLive(CommittedBlockInfo info, bool includeReceipts)
    {
        var evt = new BlockEvent
        {
            Height = info.Block.Height,
            BlockHash = info.Block.Hash.ToByteString(),
            Header = info.Block.Header,
            CommittedAtMs = info.CommittedAtMs,
        };
        foreach (var id in info.TxIds)
        {
            evt.TxIds.Add(id.ToByteString());
        }
        if (includeReceipts)
        {
            evt.Receipts.AddRange(info.Receipts);
        }
        return evt;
    }

    private static Hash32 ParseHash(ByteString bytes, string field) =>
        Hash32.TryRead(bytes.Span, out var hash) ? hash : throw ApiErrors.InvalidArgument($"{field} must be {Hash32.Size} bytes, got {bytes.Length}");
}
