using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// The contract calls of the application API: read-only Call and EstimateGas, GetCode, GetStorage and the event stream.
/// Request fields are validated here (lengths, heights, filter sizes) and refused with typed errors (docs/api.md).
/// </summary>
public sealed class ContractApi(IChainReader store, BlockExecutor executor, ChainFeed feed, ChainHead head, NodeConfig config,
    CryptoSuite suite)
{
    private const int MaxTopicPositions = 4;
    private const int MaxFilterValues = 256;
    private const int MaxCallData = 1024 * 1024;

    /// <summary>Gas of a Call or the top of an EstimateGas search when the request names none (as geth's RPC gas cap).</summary>
    public const ulong DefaultCallGas = 50_000_000;

    private readonly ReadOnlyCalls _calls = new(executor);

    // Each call runs on its own deep-stack thread: at most this many at once, the rest wait their turn.
    private readonly SemaphoreSlim _running = new(Math.Max(2, Environment.ProcessorCount));

    public async Task<CallResponse> CallAsync(CallRequest request, CancellationToken cancellationToken)
    {
        var args = ParseCall(request);
        using var view = OpenView(request.Height);
        CallOutcome outcome;
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            outcome = await _calls.CallAsync(view, ContextAt(view.Height), args).ConfigureAwait(false);
        }
        finally
        {
            _running.Release();
        }
        var response = new CallResponse
        {
            Success = outcome.Success,
            Output = ByteString.CopyFrom(outcome.Output),
            GasUsed = outcome.GasUsed,
            Error = outcome.Error,
            ErrorMessage = outcome.ErrorMessage,
            Height = view.Height,
        };
        foreach (var log in outcome.Logs)
        {
            var entry = new Log { Address = log.Address.ToByteString(), Data = ByteString.CopyFrom(log.Data) };
            entry.Topics.AddRange(log.Topics.Select(t => t.ToByteString()));
            response.Logs.Add(entry);
        }
        if (outcome.ContractAddress is { } created)
        {
            response.ContractAddress = created.ToByteString();
        }
        return response;
    }

    public async Task<EstimateGasResponse> EstimateGasAsync(CallRequest request, CancellationToken cancellationToken)
    {
        var args = ParseCall(request);
        using var view = OpenView(request.Height);
        ulong? gasLimit;
        CallOutcome outcome;
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (gasLimit, outcome) = await _calls.EstimateGasAsync(view, ContextAt(view.Height), args).ConfigureAwait(false);
        }
        finally
        {
            _running.Release();
        }
        if (gasLimit is not { } limit)
        {
            // Only running out of gas depends on the limit; a revert or another failure happens with any limit. The revert
            // data goes back in a trailer, so a client holding the ABI can decode a custom error.
            var error = ApiErrors.Create(StatusCode.FailedPrecondition, "EXECUTION_FAILED", outcome.Error == V1.ExecutionError.OutOfGas
                ? $"the call runs out of gas even with gas limit {args.GasLimit}: {outcome.ErrorMessage}"
                : outcome.ErrorMessage);
            if (outcome.Output.Length > 0)
            {
                error.Trailers.Add(ApiErrors.RevertDataTrailer, Core.Primitives.Hex.Encode(outcome.Output));
            }
            throw error;
        }
        return new EstimateGasResponse { GasLimit = limit, GasUsed = outcome.GasUsed, Height = view.Height };
    }

    public GetCodeResponse GetCode(GetCodeRequest request)
    {
        var address = ParseAddress(request.Address, "address");
        using var view = OpenView(request.Height);
        var account = view.GetAccount(address);
        var response = new GetCodeResponse { Height = view.Height };
        if (account.HasCode)
        {
            response.CodeHash = account.CodeHash.ToByteString();
            response.Code = ByteString.CopyFrom(view.GetCode(account.CodeHash)
                ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"the code of {address} is missing"));
        }
        return response;
    }

    public GetStorageResponse GetStorage(GetStorageRequest request)
    {
        var address = ParseAddress(request.Address, "address");
        if (request.Slot.Length != UInt256.Size)
        {
            throw ApiErrors.InvalidArgument($"slot must be {UInt256.Size} bytes, got {request.Slot.Length}");
        }
        using var view = OpenView(request.Height);
        var value = view.GetStorage(address, UInt256.ReadBigEndian(request.Slot.Span));
        return new GetStorageResponse { Value = ByteString.CopyFrom(value.ToBigEndian()), Height = view.Height };
    }

    public async Task SubscribeEventsAsync(SubscribeEventsRequest request, IServerStreamWriter<ContractEvent> stream, CancellationToken cancellationToken)
    {
        var filter = EventFilter.Parse(request);
        var after = request.After;
        var from = after is not null ? after.Height : request.FromHeight == 0 ? head.Tip.Height + 1 : request.FromHeight;
        if (from == 0)
        {
            from = 1;
        }
        var last = after;
        var blocks = feed.FollowAsync(from, () => head.Tip.Height, LoadCommitted, config.SubscriberBufferBlocks, cancellationToken);
        try
        {
            await foreach (var block in blocks.ConfigureAwait(false))
            {
                var (hash, txIds, receipts) = block.Live is { } live
                    ? (live.Block.Hash, live.TxIds, live.Receipts)
                    : FromStore(block.Stored!);
                var blockHash = hash.ToByteString();
                for (var t = 0; t < receipts.Count; t++)
                {
                    var receipt = receipts[t];
                    for (var l = 0; l < receipt.Logs.Count; l++)
                    {
                        var cursor = new EventCursor { Height = block.Height, TxIndex = (uint)t, LogIndex = (uint)l };
                        if (after is not null && !IsAfter(cursor, after))
                        {
                            continue;
                        }
                        var log = receipt.Logs[l];
                        if (!filter.Matches(log))
                        {
                            continue;
                        }
                        await stream.WriteAsync(new ContractEvent
                        {
                            Cursor = cursor,
                            BlockHash = blockHash,
                            TxId = txIds[t].ToByteString(),
                            Log = log,
                        }, cancellationToken).ConfigureAwait(false);
                        last = cursor;
                    }
                }
            }
        }
        catch (FollowerOverflowException ex)
        {
            var resume = last is null
                ? $"from_height = {ex.NextHeight}"
                : $"after = ({last.Height}, {last.TxIndex}, {last.LogIndex})";
            throw ApiErrors.Create(StatusCode.ResourceExhausted, "SUBSCRIBER_TOO_SLOW",
                $"the subscriber fell more than {config.SubscriberBufferBlocks} blocks behind; resubscribe with {resume}");
        }
    }

    private static bool IsAfter(EventCursor a, EventCursor b) =>
        a.Height != b.Height ? a.Height > b.Height : a.TxIndex != b.TxIndex ? a.TxIndex > b.TxIndex : a.LogIndex > b.LogIndex;

    private (Hash32 Hash, IReadOnlyList<Hash32> TxIds, IReadOnlyList<Receipt> Receipts) FromStore(CommittedBlock committed)
    {
        var block = new SealedBlock(committed.Block, suite);
        var ids = new List<Hash32>(committed.Block.Transactions.Count);
        var receipts = new List<Receipt>(ids.Capacity);
        foreach (var tx in committed.Block.Transactions)
        {
            var id = suite.Hash(tx.Span);
            ids.Add(id);
            receipts.Add(store.GetReceipt(id) ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"the receipt of {id} is missing"));
        }
        return (block.Hash, ids, receipts);
    }

    private CommittedBlock LoadCommitted(ulong height) =>
        store.GetCommittedBlock(height) ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"block {height} is missing");

    private IStateView OpenView(ulong height) =>
        store.OpenStateView(height == 0 ? null : height)
        ?? throw ApiErrors.Create(StatusCode.FailedPrecondition, "HEIGHT_NOT_AVAILABLE",
            $"height {height} is not served: this node serves its head {store.HeadHeight} and the {store.ProofWindow} heights below it");

    /// <summary>The environment of the block whose post-state the call runs on (genesis: height 0, no proposer).</summary>
    private Vm.Evm.BlockContext ContextAt(ulong height)
    {
        var hashes = new StoreBlockHashes(store, suite);
        if (height == 0 || store.GetCommittedBlock(height) is not { } committed)
        {
            return executor.ContextFor(height, store.GenesisHash, 0, Address.Zero, hashes);
        }
        var block = new SealedBlock(committed.Block, suite);
        return executor.ContextFor(height, block.Hash, block.Header.TimestampMs, new Address(block.Header.Proposer.Span), hashes);
    }

    private CallArgs ParseCall(CallRequest request)
    {
        var from = request.From.IsEmpty ? Address.Zero : ParseAddress(request.From, "from");
        Address? to = request.To.IsEmpty ? null : ParseAddress(request.To, "to");
        if (request.Data.Length > MaxCallData)
        {
            throw ApiErrors.InvalidArgument($"data is {request.Data.Length} bytes; at most {MaxCallData}");
        }
        var blockGasLimit = executor.BlockGasLimitOf(head.Height + 1);
        if (request.GasLimit > blockGasLimit)
        {
            throw ApiErrors.InvalidArgument($"gas_limit {request.GasLimit} exceeds the block gas limit {blockGasLimit}");
        }
        return new CallArgs(from, to, request.Data.ToByteArray(), ParseAmount(request.Value, "value"),
            request.GasLimit == 0 ? Math.Min(blockGasLimit, DefaultCallGas) : request.GasLimit, ParseAmount(request.GasPrice, "gas_price"));
    }

    private static Address ParseAddress(ByteString bytes, string field) =>
        Address.TryRead(bytes.Span, out var address) ? address : throw ApiErrors.InvalidArgument($"{field} must be {Address.Size} bytes, got {bytes.Length}");

    private static UInt256 ParseAmount(ByteString bytes, string field) =>
        bytes.IsEmpty ? UInt256.Zero
        : bytes.Length == UInt256.Size ? UInt256.ReadBigEndian(bytes.Span)
        : throw ApiErrors.InvalidArgument($"{field} must be {UInt256.Size} bytes big-endian or empty, got {bytes.Length}");

    /// <summary>An event filter checked once at subscription: addresses (any of) and position-wise topics (any of each).</summary>
    private sealed class EventFilter
    {
        private readonly HashSet<ByteString> _addresses = [];
        private readonly List<HashSet<ByteString>> _topics = [];

        public static EventFilter Parse(SubscribeEventsRequest request)
        {
            if (request.Addresses.Count > MaxFilterValues)
            {
                throw ApiErrors.InvalidArgument($"at most {MaxFilterValues} addresses");
            }
            if (request.Topics.Count > MaxTopicPositions)
            {
                throw ApiErrors.InvalidArgument($"at most {MaxTopicPositions} topic positions");
            }
            var filter = new EventFilter();
            foreach (var address in request.Addresses)
            {
                ParseAddress(address, "addresses");
                filter._addresses.Add(address);
            }
            foreach (var position in request.Topics)
            {
                if (position.Values.Count > MaxFilterValues)
                {
                    throw ApiErrors.InvalidArgument($"at most {MaxFilterValues} values per topic position");
                }
                var values = new HashSet<ByteString>();
                foreach (var topic in position.Values)
                {
                    if (topic.Length != Hash32.Size)
                    {
                        throw ApiErrors.InvalidArgument($"topics must be {Hash32.Size} bytes, got {topic.Length}");
                    }
                    values.Add(topic);
                }
                filter._topics.Add(values);
            }
            return filter;
        }

        public bool Matches(Log log)
        {
            if (_addresses.Count > 0 && !_addresses.Contains(log.Address))
            {
                return false;
            }
            for (var i = 0; i < _topics.Count; i++)
            {
                if (_topics[i].Count == 0)
                {
                    continue;
                }
                if (i >= log.Topics.Count || !_topics[i].Contains(log.Topics[i]))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
