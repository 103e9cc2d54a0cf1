using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client.Configuration;
using Grpc.Net.Client;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Client;

/// <summary>
/// A connection to one node's application API (docs/api.md): the chain it serves, typed reads, submission and
/// receipts, proofs verified here, contracts by ABI, and block and event streams that resume after a dropped
/// connection. The raw generated clients stay available (<see cref="Chain"/>, <see cref="Governance"/>,
/// <see cref="Audit"/>) for anything this class does not wrap. Thread-safe; one instance per node is enough.
/// Errors from the node surface as <see cref="ShanghaiChainException"/> with the node's reason.
/// </summary>
public sealed class ShanghaiChainClient : IDisposable
{
    /// <summary>The largest message the client accepts (a block with its receipts can be large).</summary>
    public const int MaxReceiveMessageBytes = 64 * 1024 * 1024;

    private readonly GrpcChannel _channel;
    private readonly bool _ownsChannel;

    private ShanghaiChainClient(GrpcChannel channel, bool ownsChannel, GetStatusResponse status, CryptoSuite suite)
    {
        _channel = channel;
        _ownsChannel = ownsChannel;
        Chain = new ChainService.ChainServiceClient(channel);
        Governance = new GovernanceService.GovernanceServiceClient(channel);
        Audit = new AuditService.AuditServiceClient(channel);
        Relay = new RelayService.RelayServiceClient(channel);
        ChainId = status.ChainId;
        Suite = suite;
        GenesisHash = Hash32.TryRead(status.GenesisHash.Span, out var genesis) ? genesis : default;
    }

    /// <summary>The chain the node serves (transactions are signed for it).</summary>
    public string ChainId { get; }

    /// <summary>The chain's crypto suite: keys, signatures and hashes of proofs.</summary>
    public CryptoSuite Suite { get; }

    public Hash32 GenesisHash { get; }

    public ChainService.ChainServiceClient Chain { get; }

    public GovernanceService.GovernanceServiceClient Governance { get; }

    /// <summary>The cross-chain records and proofs (docs/relay.md, "The node's relay API"): clients, channels, packets, commit proofs.</summary>
    public RelayService.RelayServiceClient Relay { get; }

    /// <summary>The regulator's service; its calls need <see cref="SignedRequest"/> headers (see <see cref="AuditHeaders"/>).</summary>
    public AuditService.AuditServiceClient Audit { get; }

    /// <summary>
    /// Connects to the API at <paramref name="address"/> (e.g. http://127.0.0.1:26657) and reads which chain it serves.
    /// </summary>
    /// <exception cref="ArgumentException">The address is not an absolute http or https URL.</exception>
    /// <exception cref="ShanghaiChainException">The node could not be reached (reason UNAVAILABLE) or refused.</exception>
    public static async Task<ShanghaiChainClient> ConnectAsync(string address, CancellationToken cancel = default)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{address}' is not a node API address such as http://127.0.0.1:26657", nameof(address));
        }
        var channel = GrpcChannel.ForAddress(uri, ChannelOptions());
        try
        {
            return await ConnectAsync(channel, ownsChannel: true, cancel).ConfigureAwait(false);
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The channel the library makes: a node that restarts or a connection that drops is reached again within a
    /// second (reconnect backoff capped at 1 s, where gRPC's default grows to 2 minutes), and a call that could not
    /// reach the node at all (UNAVAILABLE before the node saw it, so retrying cannot do anything twice) is retried up
    /// to 5 times over a few seconds before the caller sees UNAVAILABLE.
    /// </summary>
    public static GrpcChannelOptions ChannelOptions() => new()
    {
        MaxReceiveMessageSize = MaxReceiveMessageBytes,
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
        MaxReconnectBackoff = TimeSpan.FromSeconds(1),
        ServiceConfig = new ServiceConfig
        {
            MethodConfigs =
            {
                new MethodConfig
                {
                    Names = { MethodName.Default },
                    RetryPolicy = new RetryPolicy
                    {
                        MaxAttempts = 5,
                        InitialBackoff = TimeSpan.FromMilliseconds(500),
                        MaxBackoff = TimeSpan.FromSeconds(2),
                        BackoffMultiplier = 2,
                        RetryableStatusCodes = { StatusCode.Unavailable },
                    },
                },
            },
        },
    };

    /// <summary>Uses a channel the caller made (TLS, interceptors, a handler of its own); disposed with the client when <paramref name="ownsChannel"/>.</summary>
    public static async Task<ShanghaiChainClient> ConnectAsync(GrpcChannel channel, bool ownsChannel, CancellationToken cancel = default)
    {
        var status = await Rpc.Unary(new ChainService.ChainServiceClient(channel).GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel)).ConfigureAwait(false);
        if (!CryptoSuite.TryFromName(status.CryptoSuite, out var suite))
        {
            throw new ShanghaiChainException("UNSUPPORTED", $"the node runs crypto suite '{status.CryptoSuite}', which this library does not know");
        }
        return new ShanghaiChainClient(channel, ownsChannel, status, suite);
    }

    public Task<GetStatusResponse> GetStatusAsync(CancellationToken cancel = default) =>
        Rpc.Unary(Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel));

    /// <summary>An account at the head: committed nonce and balance, and the next nonce this node's mempool expects from it.</summary>
    public async Task<AccountInfo> GetAccountAsync(Address address, CancellationToken cancel = default)
    {
        var response = await Rpc.Unary(Chain.GetAccountAsync(new GetAccountRequest { Address = address.ToByteString() }, cancellationToken: cancel)).ConfigureAwait(false);
        return new AccountInfo(address, response.Nonce, Math.Max(response.Nonce, response.PendingNonce),
            UInt256.ReadBigEndian(response.Balance.Span), response.Height);
    }

    /// <summary>A committed block's header, certificate and transaction ids.</summary>
    public Task<GetBlockResponse> GetBlockAsync(ulong height, CancellationToken cancel = default) =>
        Rpc.Unary(Chain.GetBlockAsync(new GetBlockRequest { Height = height }, cancellationToken: cancel));

    /// <summary>A committed transaction, or null when the node knows none with this id.</summary>
    public async Task<GetTransactionResponse?> GetTransactionAsync(Hash32 txId, CancellationToken cancel = default)
    {
        try
        {
            return await Rpc.Unary(Chain.GetTransactionAsync(new GetTransactionRequest { TxId = txId.ToByteString() }, cancellationToken: cancel)).ConfigureAwait(false);
        }
        catch (ShanghaiChainException ex) when (ex.Reason == "NOT_FOUND")
        {
            return null;
        }
    }

    /// <summary>
    /// Submits a signed transaction (the bytes <c>TransactionSigner.Sign</c> gives) and returns its id once the node's
    /// mempool took it.
    /// </summary>
    /// <exception cref="TransactionRejectedException">Admission refused it, with the reason (NONCE_TOO_LOW, BAD_SIGNATURE, ...).</exception>
    public async Task<Hash32> SubmitAsync(byte[] signedTransaction, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(signedTransaction);
        try
        {
            var response = await Chain.SubmitTransactionAsync(
                new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(signedTransaction) }, cancellationToken: cancel).ConfigureAwait(false);
            return new Hash32(response.TxId.Span);
        }
        catch (RpcException ex) when (ApiTrailers.ReasonOf(ex) is { } reason)
        {
            throw new TransactionRejectedException(reason, ex.Status.Detail, ex);
        }
        catch (RpcException ex)
        {
            throw ShanghaiChainException.From(ex);
        }
    }

    /// <summary>
    /// The receipt of a transaction once it commits, waiting up to <paramref name="timeout"/> (the node caps one wait
    /// at 5 minutes; longer waits ask again).
    /// </summary>
    /// <exception cref="TimeoutException">Not committed in time; it may still commit (it stays in the mempool until it expires).</exception>
    public async Task<Receipt> WaitForReceiptAsync(Hash32 txId, TimeSpan timeout, CancellationToken cancel = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            var waitMs = (uint)Math.Clamp(left.TotalMilliseconds, 1, 300_000);
            try
            {
                var response = await Rpc.Unary(Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = txId.ToByteString(), TimeoutMs = waitMs },
                    cancellationToken: cancel)).ConfigureAwait(false);
                return response.Receipt;
            }
            catch (ShanghaiChainException ex) when (ex.Reason == "TIMEOUT")
            {
                if (DateTimeOffset.UtcNow >= deadline)
                {
                    throw new TimeoutException($"transaction {txId} did not commit within {timeout.TotalSeconds:0.#} s; it may still commit", ex);
                }
            }
        }
    }

    /// <summary>
    /// An account's state after <paramref name="height"/> (0: the head), proven: the node's trie proof is checked here
    /// against the state root it names, and every value returned comes from the verified leaf, not from the node's
    /// other fields. Compare <see cref="VerifiedAccount.StateRoot"/> with a root you trust (a certified header from
    /// another node or a light client) to trust the values without trusting this node.
    /// </summary>
    /// <exception cref="ProofException">The proof does not verify against the root the node sent.</exception>
    public async Task<VerifiedAccount> GetVerifiedAccountAsync(Address address, ulong height = 0, IReadOnlyList<UInt256>? slots = null,
        CancellationToken cancel = default)
    {
        var request = new GetProofRequest { Address = address.ToByteString(), Height = height };
        foreach (var slot in slots ?? [])
        {
            request.StorageSlots.Add(ByteString.CopyFrom(slot.ToBigEndian()));
        }
        var response = await Rpc.Unary(Chain.GetProofAsync(request, cancellationToken: cancel)).ConfigureAwait(false);
        return StateProofs.Verify(Suite, address, slots ?? [], response);
    }

    /// <summary>A sender: signs with <paramref name="key"/> for this chain and hands out its nonces.</summary>
    /// <exception cref="ArgumentException">The key is of another suite than the chain's.</exception>
    public ClientAccount Account(KeyFile key) => new(this, key);

    /// <summary>A deployed contract, called and sent to through its ABI.</summary>
    public ContractClient Contract(Address address, ContractAbi abi) => new(this, address, abi);

    /// <summary>
    /// Committed blocks from <paramref name="fromHeight"/> (at least 1) on, live after the head, in order, each once:
    /// when the stream breaks (the node restarts, the network drops) it is opened again after the last block
    /// delivered, with backoff, until <paramref name="cancel"/>.
    /// </summary>
    public IAsyncEnumerable<BlockEvent> FollowBlocksAsync(ulong fromHeight, bool includeReceipts = false, CancellationToken cancel = default) =>
        Subscriptions.FollowBlocks(Chain, fromHeight, includeReceipts, cancel);

    /// <summary>
    /// Contract events matching <paramref name="filter"/>, strictly after <paramref name="after"/> (null: from the next
    /// block), resumed after the last event delivered when the stream breaks. Keep the last event's cursor to resume
    /// across restarts of the application too.
    /// </summary>
    public IAsyncEnumerable<ContractEvent> FollowEventsAsync(EventFilter filter, EventCursor? after = null, CancellationToken cancel = default) =>
        Subscriptions.FollowEvents(Chain, filter, after, cancel);

    /// <summary>Headers signing a call of an <c>AuditService</c> method (e.g. "ListAuditEvents") with a regulator's key, valid for two minutes.</summary>
    public Metadata AuditHeaders(KeyFile regulator, string method) =>
        SignedRequest.Sign(regulator, ChainId, $"/{AuditService.Descriptor.FullName}/{method}", DateTimeOffset.UtcNow);

    public void Dispose()
    {
        if (_ownsChannel)
        {
            _channel.Dispose();
        }
    }
}

/// <summary>An account at a height: <see cref="PendingNonce"/> counts this node's mempool.</summary>
public sealed record AccountInfo(Address Address, ulong Nonce, ulong PendingNonce, UInt256 Balance, ulong Height);

/// <summary>What every unary call goes through: the node's typed errors become <see cref="ShanghaiChainException"/>.</summary>
internal static class Rpc
{
    public static async Task<T> Unary<T>(AsyncUnaryCall<T> call)
    {
        using (call)
        {
            try
            {
                return await call.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw ShanghaiChainException.From(ex);
            }
        }
    }
}
